// /v1/datasets routes: upload a CSV or a LEAN-format zip (the same bytes under the same name
// are one dataset), list, one dataset, delete one, and its bars reduced for charts.
#include <cctype>
#include <charconv>
#include <filesystem>
#include <limits>
#include <system_error>

#include "engines/data/bar_buckets.h"
#include "engines/data/bar_cache.h"
#include "engines/data/csv_loader.h"
#include "engines/data/file_util.h"
#include "engines/data/lean_loader.h"
#include "engines/data/sha256.h"
#include "router/http/route_util.h"

namespace btr {

namespace {

using route_util::Problem;

constexpr size_t kMaxPointsDefault = 2000;
constexpr size_t kMaxPointsLimit = 20000;

nlohmann::json DatasetToJson(const DatasetRecord& d) {
  return {{"id", d.id},
          {"name", d.name},
          {"sha256", d.sha256},
          {"bars", d.bars},
          {"bytes", d.bytes},
          {"start", FormatIsoTime(d.first_time, true)},
          {"end", FormatIsoTime(d.last_time, true)},
          {"created_at", FormatIsoTime(d.created_at, true)}};
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

// A ZIP archive by its first bytes: a local file header, or the end record of an empty archive.
bool IsZip(std::string_view body) {
  return body.starts_with(std::string_view("PK\x03\x04", 4)) ||
         body.starts_with(std::string_view("PK\x05\x06", 4));
}

// The uploaded bytes as bars, by their content: a zip holding a LEAN daily or minute CSV, or
// else a CSV. `extension` receives the stored file's extension (".zip" or ".csv"), which is how
// the bars are read back (LoadBars).
Result<BarSeries> ParseUpload(const std::string& body, const std::string& name,
                              std::string* extension) {
  if (!IsZip(body)) {
    *extension = ".csv";
    return ParseCsv(body, name + ".csv");
  }
  *extension = ".zip";
  Result<ZipReader> zip = ZipReader::FromBytes(body, name + ".zip");
  if (!zip.ok()) return zip.status();
  return ParseLeanZip(*zip);
}

// The dataset as the upload answers it: `existing` true when the same bytes were already
// uploaded under this name (200, that dataset), false for a new one (201).
ApiReply UploadAnswer(const DatasetRecord& d, bool existing) {
  nlohmann::json body = DatasetToJson(d);
  body["existing"] = existing;
  ApiReply reply = ApiReply::Json(existing ? 200 : 201, body);
  reply.headers.emplace_back("Location", "/v1/datasets/" + d.id);
  return reply;
}

ApiReply UploadDataset(const ApiDeps& deps, const ApiRequest& req) {
  const std::string name = req.Query("name").value_or("");
  if (!ValidName(name)) {
    return Problem(Status::InvalidArgument(
                       "name: expected ?name= with 1-100 letters, digits, '-', '_' or '.'"),
                   req);
  }
  if (req.body.size() > deps.limits.max_dataset_bytes) {
    return ApiReply::Problem(
        Status::InvalidArgument("body: the upload exceeds " +
                                std::to_string(deps.limits.max_dataset_bytes) + " bytes"),
        req.path, 413);
  }
  // The same bytes under the same name again: the dataset already there, not a second one.
  const std::string sha256 = Sha256Hex(req.body);
  Result<DatasetRecord> same = deps.store->FindDataset(req.caller.tenant, name, sha256);
  if (same.ok()) return UploadAnswer(*same, true);
  if (same.status().code() != StatusCode::kNotFound) return Problem(same.status(), req);

  std::string extension;
  Result<BarSeries> bars = ParseUpload(req.body, name, &extension);
  if (!bars.ok()) return Problem(bars.status().WithPrefix("body"), req);
  if (bars->size() < 2)
    return Problem(Status::InvalidArgument("body: at least 2 bars are needed"), req);
  DatasetRecord d;
  d.id = NewId("ds_");
  d.tenant = req.caller.tenant;
  d.name = name;
  d.sha256 = sha256;
  d.bars = bars->size();
  d.bytes = req.body.size();
  d.first_time = bars->time.front();
  d.last_time = bars->time.back();
  d.created_at = deps.clock->Now();
  // Uploaded data is the tenant's: a folder only the server's user can enter, files only it
  // can read.
  const std::filesystem::path dir = std::filesystem::path(deps.data_dir) / "datasets";
  if (Status made = CreateOwnerOnlyDirectory(dir.string()); !made.ok()) {
    return Problem(Status::Internal(made.message()), req);
  }
  d.path = (dir / (d.id + extension)).string();
  Status written = WriteFileAtomic(d.path, std::string_view(req.body), FileMode::kOwnerOnly);
  if (!written.ok()) return Problem(Status::Internal(written.message()), req);
  Result<DatasetRecord> created = deps.store->CreateDataset(d);
  if (!created.ok()) {
    std::filesystem::remove(d.path);
    return Problem(created.status(), req);
  }
  // The distributed store keeps the bytes for workers on other machines (one copy per sha256;
  // a cheap lookup when they are there already, and it completes an upload that stopped
  // between its record and its bytes). Then the file is no longer needed if the record was
  // there before.
  Status kept = deps.store->PutDatasetBytes(*created, d.path);
  if (created->id != d.id) std::filesystem::remove(d.path);
  if (!kept.ok()) return Problem(kept, req);
  return UploadAnswer(*created, created->id != d.id);  // another upload of these bytes won
}

ApiReply ListDatasets(const ApiDeps& deps, const ApiRequest& req) {
  Result<std::vector<DatasetRecord>> list = deps.store->ListDatasets(req.caller.tenant);
  if (!list.ok()) return Problem(list.status(), req);
  nlohmann::json items = nlohmann::json::array();
  for (const DatasetRecord& d : *list) items.push_back(DatasetToJson(d));
  return ApiReply::Json(200, {{"items", items}});
}

// DELETE /v1/datasets/{id}: the record, then its file and its bar cache file.
ApiReply DeleteDataset(const ApiDeps& deps, const ApiRequest& req) {
  Result<DatasetRecord> deleted = deps.store->DeleteDataset(req.caller.tenant, req.params.at("id"));
  if (!deleted.ok()) return Problem(deleted.status(), req);
  std::error_code ec;
  std::filesystem::remove(deleted->path, ec);
  if (!deps.cache_dir.empty())
    std::filesystem::remove(CacheFilePath(deps.cache_dir, deleted->path), ec);
  ApiReply reply;
  reply.code = 204;
  return reply;
}

ApiReply GetDataset(const ApiDeps& deps, const ApiRequest& req) {
  Result<DatasetRecord> d = deps.store->GetDataset(req.caller.tenant, req.params.at("id"));
  if (!d.ok()) return Problem(d.status(), req);
  return ApiReply::Json(200, DatasetToJson(*d));
}

// ?name= as a time in the API's own format (the `time` fields: "2004-08-19T00:00:00Z"; a date
// alone is its midnight); `fallback` when absent. InvalidArgument naming `name` otherwise.
Result<TimeNs> TimeQuery(const ApiRequest& req, const std::string& name, TimeNs fallback) {
  const std::optional<std::string> text = req.Query(name);
  if (!text) return fallback;
  const std::optional<TimeNs> t = ParseIsoTime(*text);
  if (!t) {
    return Status::InvalidArgument(name + ": expected an ISO-8601 time like " +
                                   "2004-08-19T00:00:00Z, got '" + *text + "'");
  }
  return *t;
}

// ?max_points= in [1, kMaxPointsLimit], default kMaxPointsDefault.
Result<size_t> MaxPoints(const ApiRequest& req) {
  const std::optional<std::string> text = req.Query("max_points");
  if (!text) return kMaxPointsDefault;
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < 1 ||
      value > kMaxPointsLimit) {
    return Status::InvalidArgument("max_points: expected a whole number in [1, " +
                                   std::to_string(kMaxPointsLimit) + "], got '" + *text + "'");
  }
  return value;
}

// The query of GET /v1/datasets/{id}/bars, checked.
struct BarsQuery {
  TimeNs from = 0, to = 0;
  size_t max_points = kMaxPointsDefault;
};

Result<BarsQuery> ParseBarsQuery(const ApiRequest& req) {
  BarsQuery q;
  Result<TimeNs> from = TimeQuery(req, "from", std::numeric_limits<TimeNs>::min());
  if (!from.ok()) return from.status();
  Result<TimeNs> to = TimeQuery(req, "to", std::numeric_limits<TimeNs>::max());
  if (!to.ok()) return to.status();
  if (*to < *from) return Status::InvalidArgument("to: must not be before from");
  Result<size_t> max_points = MaxPoints(req);
  if (!max_points.ok()) return max_points.status();
  q.from = *from;
  q.to = *to;
  q.max_points = *max_points;
  return q;
}

nlohmann::json BucketsToJson(const std::vector<OhlcBucket>& buckets) {
  nlohmann::json points = nlohmann::json::array();
  for (const OhlcBucket& b : buckets) {
    points.push_back({{"time", FormatIsoTime(b.time, true)},
                      {"open", b.open},
                      {"high", b.high},
                      {"low", b.low},
                      {"close", b.close},
                      {"volume", b.volume}});
  }
  return points;
}

// GET /v1/datasets/{id}/bars?from=&to=&max_points=: the bars with from <= time <= to, merged
// into at most max_points OHLC buckets of `step` consecutive bars ("bars" counts the bars in the
// range before merging).
ApiReply GetDatasetBars(const ApiDeps& deps, const ApiRequest& req) {
  Result<DatasetRecord> dataset = deps.store->GetDataset(req.caller.tenant, req.params.at("id"));
  if (!dataset.ok()) return Problem(dataset.status(), req);
  Result<BarsQuery> query = ParseBarsQuery(req);
  if (!query.ok()) return Problem(query.status(), req);
  LoadOptions load;
  load.cache_dir = deps.cache_dir;
  Result<LoadedBars> loaded = LoadBars(dataset->path, load);
  if (!loaded.ok()) return Problem(loaded.status().WithPrefix("dataset"), req);
  const BarRange range = BarsInTimeRange(loaded->bars, query->from, query->to);
  const DownsampledBars reduced = DownsampleBars(loaded->bars, range, query->max_points);
  return ApiReply::Json(200, {{"dataset", dataset->id},
                              {"bars", range.size()},
                              {"step", reduced.step},
                              {"points", BucketsToJson(reduced.buckets)}});
}

}  // namespace

std::vector<ApiRoute> DatasetRoutes(const ApiDeps& deps) {
  auto bind = [deps](ApiReply (*fn)(const ApiDeps&, const ApiRequest&)) {
    return [deps, fn](const ApiRequest& req) { return fn(deps, req); };
  };
  const ApiBody csv = {
      .media_types = {"text/csv", "application/zip", "application/octet-stream"},
      .schema = {{"type", "string"},
                 {"description",
                  "Recognized by content, whatever the Content-Type. A CSV with a header naming "
                  "time (or date, datetime, timestamp), open, high, low, close and optionally "
                  "volume, in any case and order; times as ISO-8601 or epoch seconds or "
                  "milliseconds. Or a LEAN-format US-equity zip: a daily zip holding "
                  "<symbol>.csv (rows YYYYMMDD HH:MM,open,high,low,close,volume in deci-cents), "
                  "or a minute day zip holding YYYYMMDD_<symbol>_minute_trade.csv (rows "
                  "ms since midnight,...), as in LEAN's data folder. At least 2 bars"}},
      .description = "The file's bytes (CSV or zip)"};
  const ApiParam name = {.name = "name",
                         .description = "The dataset's name: 1-100 letters, digits, '-', '_', '.'",
                         .schema = {{"type", "string"}, {"pattern", "^[A-Za-z0-9._-]{1,100}$"}},
                         .required = true};
  auto time_param = [](const char* param, const char* bound) -> ApiParam {
    return {.name = param,
            .description = std::string("Bars at or ") + bound +
                           " this ISO-8601 time (a date alone is its midnight); absent: no bound",
            .schema = {{"type", "string"}}};
  };
  const ApiParam max_points = {.name = "max_points",
                               .description = "The most buckets to answer",
                               .schema = {{"type", "integer"},
                                          {"minimum", 1},
                                          {"maximum", kMaxPointsLimit},
                                          {"default", kMaxPointsDefault}}};
  return {
      {.method = "POST",
       .path = "/v1/datasets",
       .summary = "Upload a dataset (?name=): a CSV, or a LEAN daily or minute zip; the same bytes "
                  "under the same name again answer "
                  "200 with the dataset already there (\"existing\": true) instead of creating "
                  "a second one",
       .handler = bind(UploadDataset),
       .success_code = 201,
       .success_schema = SchemaRef("Dataset"),
       .other_answers = {{200,
                          "The same bytes were uploaded under this name before: that "
                          "dataset (\"existing\": true)",
                          SchemaRef("Dataset")}},
       .body = csv,
       .params = {name}},
      {.method = "GET",
       .path = "/v1/datasets",
       .summary = "List the tenant's datasets",
       .handler = bind(ListDatasets),
       .success_schema = SchemaRef("DatasetList")},
      {.method = "GET",
       .path = "/v1/datasets/{id}",
       .summary = "One dataset",
       .handler = bind(GetDataset),
       .success_schema = SchemaRef("Dataset")},
      {.method = "DELETE",
       .path = "/v1/datasets/{id}",
       .summary = "Delete a dataset and its stored file (409 naming the job while a queued or "
                  "running backtest uses it)",
       .handler = bind(DeleteDataset),
       .success_code = 204,
       .problems = {409}},
      {.method = "GET",
       .path = "/v1/datasets/{id}/bars",
       .summary = "The dataset's bars with from <= time <= to, merged into at most max_points "
                  "OHLC buckets of `step` bars; `bars` counts the bars in the range",
       .handler = bind(GetDatasetBars),
       .success_schema = SchemaRef("DatasetBars"),
       .params = {time_param("from", "after"), time_param("to", "before"), max_points}},
  };
}

}  // namespace btr
