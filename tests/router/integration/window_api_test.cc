// Backtests on a window of a dataset (the spec's start and end) through the REST API, and
// LEAN-format zips as datasets: what is refused at submit, what the job runs on, and what the
// result, equity and comparisons report.
#include <catch2/catch.hpp>
#include <sstream>
#include <vector>

#include "engines/data/zip_reader.h"
#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ReadFile;

// The data rows of GOOG.csv ("2004-08-19,100,...") whose date lies in [from, to] (text
// comparison of ISO dates), and the CSV holding only them.
struct CsvRows {
  std::vector<std::string> rows;
  std::string csv;
};

CsvRows GoogRows(const std::string& from, const std::string& to) {
  std::istringstream in(ReadFile(testing::SharedData("GOOG.csv")));
  CsvRows out;
  std::string line;
  std::getline(in, line);
  out.csv = line + "\n";
  while (std::getline(in, line)) {
    const std::string date = line.substr(0, 10);
    if (date < from || date > to) continue;
    out.rows.push_back(line);
    out.csv += line + "\n";
  }
  return out;
}

json Spec(const std::string& dataset, const json& extra = json::object()) {
  json spec = {{"engine", "native"},
               {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 20}}}}},
               {"dataset", dataset},
               {"commission", 0.002}};
  spec.update(extra);
  return spec;
}

json RunResult(ApiServer& server, const std::string& key, const json& spec) {
  HttpResponse submitted = server.Call("POST", "/v1/backtests", key, spec.dump());
  INFO(submitted.body);
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  REQUIRE(server.WaitDone(key, id)["status"] == "succeeded");
  HttpResponse result = server.Call("GET", "/v1/backtests/" + id + "/result", key);
  REQUIRE(result.code == 200);
  json doc = result.Json();
  doc["id"] = id;
  return doc;
}

TEST_CASE("a backtest on a window runs on the window's bars only", "[api][window]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string goog = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const CsvRows window = GoogRows("2008-01-01", "2009-12-31");
  REQUIRE(window.rows.size() > 400);

  HttpResponse submitted =
      server.Call("POST", "/v1/backtests", key,
                  Spec(goog, {{"start", "2008-01-01"}, {"end", "2009-12-31T23:59:59Z"}}).dump());
  INFO(submitted.body);
  REQUIRE(submitted.code == 202);
  CHECK(submitted.Json()["spec"]["start"] == "2008-01-01");
  CHECK(submitted.Json()["spec"]["end"] == "2009-12-31T23:59:59Z");
  const std::string id = submitted.Json()["id"];
  REQUIRE(server.WaitDone(key, id)["status"] == "succeeded");
  const json windowed = server.Call("GET", "/v1/backtests/" + id + "/result", key).Json();
  CHECK(windowed["dataset"]["bars"] == window.rows.size());
  CHECK(windowed["metrics"]["start"] == window.rows.front().substr(0, 10) + "T00:00:00Z");
  CHECK(windowed["metrics"]["end"] == window.rows.back().substr(0, 10) + "T00:00:00Z");
  const json equity = server.Call("GET", "/v1/backtests/" + id + "/equity?limit=2", key).Json();
  CHECK(equity["total"] == window.rows.size());
  CHECK(equity["items"][0]["time"] == window.rows.front().substr(0, 10) + "T00:00:00Z");

  // The same run as on a dataset holding only those rows.
  const std::string cut_id = [&] {
    HttpResponse r = server.Call("POST", "/v1/datasets?name=goog-2008-2009", key, window.csv,
                                 {"Content-Type: text/csv"});
    REQUIRE(r.code == 201);
    return r.Json()["id"].get<std::string>();
  }();
  const json on_cut = RunResult(server, key, Spec(cut_id));
  CHECK(on_cut["metrics"] == windowed["metrics"]);
  CHECK(on_cut["trades"] == windowed["trades"]);
  CHECK(on_cut["open_trades"] == windowed["open_trades"]);
}

TEST_CASE("start and end are checked at submit; a spec without them hashes as before",
          "[api][window]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string goog = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  struct Case {
    json extra;
    std::string field, detail;
  };
  const Case cases[] = {
      {{{"start", "2008-13-01"}}, "start", "expected an ISO-8601 date"},
      {{{"end", 2009}}, "end", "expected an ISO-8601 date or date-time string"},
      {{{"start", "2009-01-01"}, {"end", "2008-12-31"}}, "start", "start must not be after end"},
      {{{"start", "2014-01-01"}},
       "start",
       "the dataset's bars run from 2004-08-19T00:00:00Z to 2013-03-01T00:00:00Z"},
      {{{"end", "2004-08-18T23:59:59Z"}}, "end", "is before the dataset's first bar"},
  };
  for (const Case& c : cases) {
    HttpResponse r = server.Call("POST", "/v1/backtests", key, Spec(goog, c.extra).dump());
    INFO(c.extra.dump() << " -> " << r.body);
    CHECK(r.code == 400);
    CHECK(r.Json()["field"] == c.field);
    CHECK(r.Json()["detail"].get<std::string>().find(c.detail) != std::string::npos);
  }

  // An Idempotency-Key used before start and end existed still names the same spec when they
  // are absent, null or empty; a window makes it another spec.
  const std::vector<std::string> idem = {"Idempotency-Key: k1"};
  HttpResponse first = server.Call("POST", "/v1/backtests", key, Spec(goog).dump(), idem);
  REQUIRE(first.code == 202);
  HttpResponse same = server.Call("POST", "/v1/backtests", key,
                                  Spec(goog, {{"start", nullptr}, {"end", ""}}).dump(), idem);
  CHECK(same.code == 202);
  CHECK(same.headers["idempotent-replayed"] == "true");
  CHECK(same.Json()["id"] == first.Json()["id"]);
  HttpResponse other =
      server.Call("POST", "/v1/backtests", key, Spec(goog, {{"start", "2008-01-01"}}).dump(), idem);
  CHECK(other.code == 422);

  // A window inside the data with a single bar is refused when the job runs, with the data's
  // first and last bar times.
  HttpResponse one =
      server.Call("POST", "/v1/backtests", key,
                  Spec(goog, {{"start", "2008-01-02"}, {"end", "2008-01-02"}}).dump());
  REQUIRE(one.code == 202);
  const json failed = server.WaitDone(key, one.Json()["id"]);
  INFO(failed.dump());
  CHECK(failed["status"] == "failed");
  CHECK(failed["error"]["code"] == "invalid_argument");
  const std::string message = failed["error"]["message"];
  CHECK(message.find("holds 1 bar") != std::string::npos);
  CHECK(message.find("2004-08-19T00:00:00Z to 2013-03-01T00:00:00Z") != std::string::npos);
  (void)server.WaitDone(key, first.Json()["id"]);
}

TEST_CASE("a comparison applies the window to every run, and a run may override it",
          "[api][window][compare]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string goog = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  json body = Spec(goog, {{"start", "2006-01-01"}, {"end", "2010-12-31"}});
  body.erase("engine");
  body["engines"] = {"native", {{"engine", "native"}, {"overrides", {{"start", "2008-01-01"}}}}};
  HttpResponse created = server.Call("POST", "/v1/comparisons", key, body.dump());
  INFO(created.body);
  REQUIRE(created.code == 202);
  json view;
  for (int k = 0; k < 120; ++k) {
    view = server
               .Call("GET",
                     "/v1/comparisons/" + created.Json()["id"].get<std::string>() + "?wait=5", key)
               .Json();
    if (view["status"] != "running") break;
  }
  INFO(view.dump().substr(0, 2000));
  REQUIRE(view["status"] == "succeeded");
  const size_t expected[] = {GoogRows("2006-01-01", "2010-12-31").rows.size(),
                             GoogRows("2008-01-01", "2010-12-31").rows.size()};
  REQUIRE(view["runs"].size() == 2);
  for (size_t k = 0; k < 2; ++k) {
    const std::string id = view["runs"][k]["backtest_id"];
    const json result = server.Call("GET", "/v1/backtests/" + id + "/result", key).Json();
    CHECK(result["dataset"]["bars"] == expected[k]);
  }
  // Different windows do not share a bar axis.
  CHECK(view["report"]["pairs"][0]["same_data"] == false);
  // A bad window in an override names the entry's override.
  body["engines"][1]["overrides"]["start"] = "someday";
  HttpResponse bad = server.Call("POST", "/v1/comparisons", key, body.dump());
  CHECK(bad.code == 400);
  CHECK(bad.Json()["field"] == "engines[1].overrides.start");
}

// The rows of a LEAN zip's one CSV entry (read here with the zip reader alone, not the loader).
std::vector<std::string> ZipRows(const std::string& path) {
  Result<ZipReader> zip = ZipReader::Open(path);
  REQUIRE(zip.ok());
  REQUIRE(zip->entries().size() == 1);
  Result<std::string> text = zip->Extract(zip->entries()[0]);
  REQUIRE(text.ok());
  std::istringstream in(*text);
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line != "\r") rows.push_back(line);
  }
  return rows;
}

HttpResponse UploadZip(ApiServer& server, const std::string& key, const std::string& name,
                       const std::string& path) {
  return server.Call("POST", "/v1/datasets?name=" + name, key, ReadFile(path),
                     {"Content-Type: application/zip"});
}

TEST_CASE("LEAN-format zips upload as datasets and run on a window", "[api][window][datasets]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");

  // Daily: rows "YYYYMMDD 00:00,open,...".
  const std::string daily = testing::SharedData("lean/equity/usa/daily/spy.zip");
  const std::vector<std::string> rows = ZipRows(daily);
  HttpResponse up = UploadZip(server, key, "spy", daily);
  INFO(up.body);
  REQUIRE(up.code == 201);
  const json ds = up.Json();
  CHECK(ds["bars"] == rows.size());
  auto iso_date = [](const std::string& row) {
    return row.substr(0, 4) + "-" + row.substr(4, 2) + "-" + row.substr(6, 2) + "T00:00:00Z";
  };
  CHECK(ds["start"] == iso_date(rows.front()));
  CHECK(ds["end"] == iso_date(rows.back()));
  CHECK(UploadZip(server, key, "spy", daily).code == 200);  // the same bytes: that dataset
  size_t in_2010 = 0;
  for (const std::string& row : rows) in_2010 += row.rfind("2010", 0) == 0 ? 1 : 0;
  const json result =
      RunResult(server, key, Spec(ds["id"], {{"start", "2010-01-01"}, {"end", "2010-12-31"}}));
  CHECK(result["dataset"]["bars"] == in_2010);
  CHECK(result["metrics"]["start"].get<std::string>().rfind("2010-01-0", 0) == 0);

  // Minute: one day, rows "ms since midnight,open,..." in YYYYMMDD_spy_minute_trade.csv.
  const std::string minute = testing::SharedData("lean/equity/usa/minute/spy/20131007_trade.zip");
  const std::vector<std::string> minute_rows = ZipRows(minute);
  HttpResponse minute_up = UploadZip(server, key, "spy-20131007", minute);
  INFO(minute_up.body);
  REQUIRE(minute_up.code == 201);
  CHECK(minute_up.Json()["bars"] == minute_rows.size());
  const long first_ms = std::stol(minute_rows.front().substr(0, minute_rows.front().find(',')));
  char first[64];
  std::snprintf(first, sizeof first, "2013-10-07T%02ld:%02ld:00Z", first_ms / 3600000,
                first_ms / 60000 % 60);
  CHECK(minute_up.Json()["start"] == first);
  const json session = RunResult(server, key,
                                 Spec(minute_up.Json()["id"], {{"start", "2013-10-07T09:30:00Z"},
                                                               {"end", "2013-10-07T15:59:00Z"}}));
  size_t in_session = 0;  // rows from 09:30:00 to 15:59:00 (ms since midnight)
  for (const std::string& row : minute_rows) {
    const long ms = std::stol(row.substr(0, row.find(',')));
    in_session += ms >= 34'200'000 && ms <= 57'540'000 ? 1 : 0;
  }
  REQUIRE(in_session > 300);
  CHECK(session["dataset"]["bars"] == in_session);

  // A zip without a LEAN CSV inside, and a broken zip, are refused naming the body.
  HttpResponse not_lean = server.Call("POST", "/v1/datasets?name=x", key,
                                      std::string("PK\x05\x06", 4) + std::string(18, '\0'),
                                      {"Content-Type: application/zip"});
  CHECK(not_lean.code == 400);
  CHECK(not_lean.Json()["field"] == "body");
  CHECK(not_lean.Json()["detail"].get<std::string>().find("LEAN daily") != std::string::npos);
  HttpResponse broken =
      server.Call("POST", "/v1/datasets?name=y", key, ReadFile(daily).substr(0, 200),
                  {"Content-Type: application/zip"});
  CHECK(broken.code == 400);
  CHECK(broken.Json()["field"] == "body");
}

}  // namespace
}  // namespace btr
