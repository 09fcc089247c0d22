// /metrics after real traffic: the exposition passes `promtool check metrics` and follows the
// btr_ conventions (counters end in _total, histograms are _seconds, no per-job labels).
//
// promtool comes from Debian's prometheus package (scripts/setup). Without it the promtool
// step fails when CI=true and is skipped with a warning otherwise; the convention checks run
// either way.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "router/app/server_app.h"
#include "tests/router/integration/http_client.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::HttpResponse;
using testing::ReadFile;
using testing::Request;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Exercises the API (upload, submit, long-poll, reads, errors) and returns /metrics.
std::string MetricsAfterTraffic(const testing::TempDir& dir) {
  Result<Config> config = LoadConfig(
      "", {}, {{"server.listen", "127.0.0.1:0", "test"}, {"server.data_dir", dir.path(), "test"}});
  REQUIRE(config.ok());
  Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(*config);
  REQUIRE(app.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*app)->port());
  const std::string auth = "Authorization: Bearer " + (*app)->new_admin_key();

  HttpResponse upload =
      Request("POST", base + "/v1/datasets?name=goog", ReadFile(testing::SharedData("GOOG.csv")),
              {auth, "Content-Type: text/csv"});
  INFO("upload of " << testing::SharedData("GOOG.csv") << ": " << upload.body);
  REQUIRE(upload.code == 201);
  const json spec = {
      {"engine", "native"},
      {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 20}}}}},
      {"dataset", upload.Json()["id"]}};
  HttpResponse submitted = Request("POST", base + "/v1/backtests", spec.dump(), {auth});
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  std::string status = "queued";
  for (int k = 0; k < 100 && (status == "queued" || status == "running"); ++k) {
    status = Request("GET", base + "/v1/backtests/" + id + "?wait=5", "", {auth}).Json()["status"];
  }
  CHECK(status == "succeeded");
  CHECK(Request("GET", base + "/v1/backtests/" + id + "/result", "", {auth}).code == 200);
  CHECK(Request("GET", base + "/v1/backtests/bt_missing", "", {auth}).code == 404);
  CHECK(Request("GET", base + "/v1/backtests", "").code == 401);
  CHECK(Request("PATCH", base + "/v1/backtests", "", {auth}).code == 405);
  CHECK(Request("GET", base + "/nowhere", "").code == 404);
  CHECK(Request("GET", base + "/readyz", "").code == 200);
  HttpResponse metrics = Request("GET", base + "/metrics", "");
  REQUIRE(metrics.code == 200);
  CHECK(metrics.headers["content-type"].rfind("text/plain", 0) == 0);
  return metrics.body;
}

TEST_CASE("metrics: names, types and labels follow the conventions", "[api][metrics]") {
  testing::TempDir dir;
  const std::string text = MetricsAfterTraffic(dir);
  const std::regex type_line(R"(# TYPE (\S+) (counter|gauge|histogram|summary|untyped))");
  const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  const std::regex id_like(R"((bt|ds|req)_[0-9a-f]{20})");
  std::istringstream lines(text);
  std::string line;
  int families = 0, samples = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    std::smatch m;
    if (std::regex_match(line, m, type_line)) {
      ++families;
      const std::string name = m[1], type = m[2];
      CHECK(name.rfind("btr_", 0) == 0);
      if (type == "counter") CHECK(EndsWith(name, "_total"));
      if (type == "histogram") CHECK(EndsWith(name, "_seconds"));
      if (type != "counter") CHECK_FALSE(EndsWith(name, "_total"));
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), label);
         it != std::sregex_iterator(); ++it) {
      const std::string key = (*it)[1], value = (*it)[2];
      CHECK(key != "id");
      CHECK(key != "job_id");
      CHECK(key != "request_id");
      CHECK_FALSE(std::regex_search(value, id_like));  // never a job, dataset or request id
    }
  }
  CHECK(families >= 5);
  CHECK(samples > 0);
  CHECK(text.find("btr_jobs_submitted_total{engine=\"native\"} 1\n") != std::string::npos);
  CHECK(text.find("le=\"0.1\"") != std::string::npos);  // shortest spelling of bucket bounds
}

TEST_CASE("metrics: promtool check metrics accepts /metrics", "[api][metrics][promtool]") {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") {
      FAIL("promtool is missing (CI=true): run scripts/setup, which installs Debian's prometheus");
    }
    WARN(
        "SKIPPED: promtool not found; run scripts/setup to install it (Debian package prometheus)");
    return;
  }
  testing::TempDir dir;
  const std::string metrics = dir.Write("metrics.txt", MetricsAfterTraffic(dir));
  const std::string report = dir.Path("promtool.txt");
  const int rc =
      std::system(("promtool check metrics < '" + metrics + "' > '" + report + "' 2>&1").c_str());
  INFO("promtool check metrics:\n" << ReadFile(report));
  CHECK(rc == 0);
  CHECK(ReadFile(report).empty());  // lint findings are printed even when the exit code is 0
}

}  // namespace
}  // namespace btr
