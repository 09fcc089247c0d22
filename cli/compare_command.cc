// `btrouter compare`: one backtest on several engines of a running server, side by side
// (POST /v1/comparisons, docs/comparisons.md). Checks the request first (flags, settings,
// strategy, the server's engines: cli/compare_request.h), then uploads --data when it names a
// file, follows the runs with a live progress line per engine on stderr, prints the
// comparison's id, a summary and the explanations on stdout, and writes the report as JSON, CSV
// and HTML when asked.
//
// Exit codes: 0 when the comparison succeeded (at least two runs compared); 1 when it failed
// (fewer than two runs succeeded), for server failures and an unreachable server; 2 for bad usage
// and requests the server refused.
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/api_client.h"
#include "cli/cli.h"
#include "cli/client_util.h"
#include "cli/compare_progress.h"
#include "cli/compare_request.h"
#include "cli/flags.h"
#include "cli/report.h"
#include "engines/metrics/metric_format.h"

namespace btr::cli {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kPollWait{2};
constexpr std::chrono::seconds kPollTimeout = kPollWait + std::chrono::seconds(30);
constexpr std::chrono::seconds kUploadTimeout{600};

constexpr const char* kUsage =
    "usage: btrouter compare --engines E1,E2[,...] --strategy NAME --data FILE|ID [flags]\n"
    "Runs one backtest on several engines of a running server and reports, metric by metric and\n"
    "trade by trade, how and why they differ. --data uploads a CSV or zip file first (or names a\n"
    "dataset id). --variant ENGINE:key=value[,key=value] adds a run of ENGINE with other\n"
    "settings (e.g. native:trade_on_close=true, native:start=2010-01-01) or strategy\n"
    "parameters (native:fast=5). --start and --end run every engine on the dataset's bars\n"
    "between them (inclusive; an --end date includes that whole day).\n"
    "Progress goes to stderr, one line per run; the id, a summary and the explanations to stdout.";

// What --data or --dataset names: a CSV file to upload, or a dataset id.
struct DataSource {
  std::string value;
  bool is_file = false;
};

Result<DataSource> ResolveData(const Flags& f) {
  if (f.Has("dataset")) return DataSource{f.Get("dataset"), false};
  if (!f.Has("data")) return Status::InvalidArgument("--data: required (a CSV file or dataset id)");
  const std::string data = f.Get("data");
  if (std::filesystem::is_regular_file(data)) return DataSource{data, true};
  if (data.find('/') != std::string::npos || data.ends_with(".csv") || data.ends_with(".zip")) {
    return Status::InvalidArgument("--data: no such file: " + data);
  }
  return DataSource{data, false};
}

// The dataset id: the source's id, or the id of its file uploaded now.
Result<std::string> DatasetId(const DataSource& source, const ApiClient& api) {
  if (!source.is_file) return source.value;
  const std::string& data = source.value;
  std::ifstream in(data, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Status::InvalidArgument("--data: cannot read " + data);
  std::string name = std::filesystem::path(data).stem().string();
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  }
  Result<ApiResponse> reply =
      Expect2xx(api.Post("/v1/datasets?name=" + UrlEncode(name), bytes.str(),
                         UploadContentType(data), {}, kUploadTimeout));
  if (!reply.ok()) return reply.status();
  Result<json> doc = JsonBody(*reply);
  if (!doc.ok()) return doc.status();
  const std::string id = doc->value("id", "");
  std::fprintf(stderr, "uploaded %s as dataset %s (%s bars)\n", data.c_str(), id.c_str(),
               FormatGrouped(doc->value("bars", 0.0), 0).c_str());
  return id;
}

Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status::InvalidArgument(path + ": cannot write");
  std::fprintf(stderr, "wrote %s\n", path.c_str());
  return Status::Ok();
}

// report.csv -> report-trades.csv
std::string TradesPath(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "-trades" + p.extension().string())).string();
}

std::string Str(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The summary: each run's status and headline metrics (formatted as in `btrouter backtest`),
// then the explanations.
void PrintSummary(const json& view) {
  const json report = view.value("report", json::object());
  const std::string baseline = Str(report, "baseline");
  std::printf("comparison %s: %s, baseline %s\n", Str(view, "id").c_str(),
              Str(view, "status").c_str(), baseline.empty() ? "-" : baseline.c_str());
  static const std::vector<std::string> kKeys = {"num_trades", "total_return", "sharpe_ratio",
                                                 "max_drawdown"};
  std::map<std::string, std::map<std::string, json>> values;  // run -> key -> canonical
  for (const json& row : report.value("metrics", json::array())) {
    const std::string key = Str(row, "key");
    for (const json& v : row.value("values", json::array())) {
      values[Str(v, "run")][key] = v.value("canonical", json());
    }
  }
  size_t width = 8;
  for (const json& run : view.value("runs", json::array())) {
    width = std::max(width, Str(run, "label").size());
  }
  std::printf("  %-*s %-10s %-24s", static_cast<int>(width), "run", "status", "backtest");
  for (const std::string& k : kKeys) {
    std::printf(" %14s", std::string(DisplayOf(k).label).c_str());
  }
  std::printf("\n");
  for (const json& run : view.value("runs", json::array())) {
    const std::string label = Str(run, "label");
    const std::string backtest = Str(run, "backtest_id");
    std::printf("  %-*s %-10s %-24s", static_cast<int>(width), label.c_str(),
                Str(run, "status").c_str(), backtest.empty() ? "-" : backtest.c_str());
    for (const std::string& k : kKeys) {
      auto it = values[label].find(k);
      const std::string cell =
          it == values[label].end() ? "-" : FormatMetricValue(k, MetricFromJson(it->second));
      std::printf(" %14s", cell.c_str());
    }
    std::printf("\n");
  }
  std::printf("why they differ:\n");
  for (const json& e : report.value("explanations", json::array())) {
    const std::string scope = e.contains("pair") ? Str(e, "pair") : Str(e, "run");
    std::printf("  [%s] %s\n", scope.c_str(), Str(e, "text").c_str());
  }
}

// The request body from the flags, checked without the server: the flags, the settings, the
// strategy and its parameters, the output files' folders.
Result<json> LocallyCheckedBody(const Flags& f) {
  Result<json> body = ComparisonBodyFromFlags(f);
  if (!body.ok()) return body.status();
  BTR_RETURN_IF_ERROR(CheckComparisonRuns(*body));
  for (const char* flag : {"json", "csv", "html"}) {
    if (!f.Has(flag)) continue;
    const std::filesystem::path dir = std::filesystem::path(f.Get(flag)).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir)) {
      return Status::InvalidArgument("--" + std::string(flag) +
                                     ": no such folder: " + dir.string());
    }
  }
  return body;
}

// The engines of `body` against the server's (GET /v1/engines); notes on stderr for engines
// that may fail their run.
Status CheckServerEngines(const ApiClient& api, const json& body) {
  Result<ApiResponse> reply = Expect2xx(api.Get("/v1/engines"));
  if (!reply.ok()) return reply.status();
  Result<json> engines = JsonBody(*reply);
  if (!engines.ok()) return engines.status();
  std::vector<std::string> notes;
  BTR_RETURN_IF_ERROR(CheckComparisonEngines(body, *engines, &notes));
  for (const std::string& note : notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  return Status::Ok();
}

// Everything is checked before the upload, so a request that cannot run leaves nothing behind.
Result<int> Compare(const Flags& f) {
  Result<json> body = LocallyCheckedBody(f);
  if (!body.ok()) return body.status();
  Result<DataSource> source = ResolveData(f);
  if (!source.ok()) return source.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  BTR_RETURN_IF_ERROR(CheckServerEngines(*api, *body));
  Result<std::string> dataset = DatasetId(*source, *api);
  if (!dataset.ok()) return dataset.status();
  (*body)["dataset"] = *dataset;
  Result<ApiResponse> created =
      Expect2xx(api->Post("/v1/comparisons", body->dump(), "application/json"));
  if (!created.ok()) return created.status();
  Result<json> view = JsonBody(*created);
  if (!view.ok()) return view.status();
  const std::string id = view->value("id", "");
  std::printf("%s\n", id.c_str());
  std::fflush(stdout);
  RunProgressLines lines(stderr, isatty(STDERR_FILENO) == 1);
  lines.Show((*view)["runs"]);
  const std::string path = "/v1/comparisons/" + UrlEncode(id);
  while (view->value("status", "") == "running") {
    Result<ApiResponse> next =
        Expect2xx(api->Get(path + "?wait=" + std::to_string(kPollWait.count()), kPollTimeout));
    if (!next.ok()) return next.status();
    view = JsonBody(*next);
    if (!view.ok()) return view.status();
    lines.Show((*view)["runs"]);
  }
  PrintSummary(*view);
  if (f.Has("json"))
    BTR_RETURN_IF_ERROR(WriteFile(f.Get("json"), (*view)["report"].dump(2) + "\n"));
  auto fetch = [&](const std::string& suffix, const std::string& file) -> Status {
    Result<ApiResponse> reply = Expect2xx(api->Get(path + suffix));
    if (!reply.ok()) return reply.status();
    return WriteFile(file, reply->body);
  };
  if (f.Has("csv")) {
    BTR_RETURN_IF_ERROR(fetch("/report.csv?table=metrics", f.Get("csv")));
    BTR_RETURN_IF_ERROR(fetch("/report.csv?table=trades", TradesPath(f.Get("csv"))));
  }
  if (f.Has("html")) BTR_RETURN_IF_ERROR(fetch("/report.html", f.Get("html")));
  return view->value("status", "") == "succeeded" ? 0 : 1;
}

}  // namespace

int RunCompareCommand(int argc, char** argv) {
  Flags f;
  f.AddValue("engines", "E1,E2", "engines to run on, comma-separated (native, backtestingpy, ...)");
  f.AddRepeated("variant", "ENGINE:k=v[,k=v]", "one more run with other settings or parameters");
  f.AddValue("strategy", "NAME", "catalogue strategy (see `btrouter strategies`)");
  f.AddRepeated("param", "k=v", "strategy parameter (numbers, true or false)");
  f.AddValue("data", "FILE|ID", "a CSV or LEAN zip file to upload, or a dataset id");
  f.AddValue("dataset", "ID", "dataset id (instead of --data)");
  DeclareSettingFlags(f);
  f.AddValue("json", "FILE", "write the report (JSON, the source of truth)");
  f.AddValue("csv", "FILE", "write the metrics as CSV, and the paired trades to FILE-trades.csv");
  f.AddValue("html", "FILE", "write the self-contained HTML report");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "compare", kUsage); stop >= 0) return stop;
  return ClientFinish("compare", Compare(f));
}

}  // namespace btr::cli
