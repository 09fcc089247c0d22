// `kill -9` of a real `btrouter serve` process with jobs queued and running: after a restart on
// the same data directory every accepted job finishes exactly once; a run the Backtesting.py
// service (the fake, a real process) went on with while btrouter was down is adopted, not re-run.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "tests/fakes/service_process.h"
#include "tests/router/integration/http_client.h"
#include "tests/router/integration/serve_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::HttpResponse;
using testing::ReadFile;
using testing::Request;
using testing::ServeProcess;

TEST_CASE("kill -9 with jobs queued and running loses nothing", "[api][restart]") {
  testing::TempDir dir;
  std::string key;
  std::vector<std::string> ids;
  {
    ServeProcess server(dir.path());
    key = server.admin_key();
    REQUIRE(!key.empty());
    const std::vector<std::string> auth = {"Authorization: Bearer " + key};
    HttpResponse upload = Request("POST", server.Url("/v1/datasets?name=eurusd"),
                                  ReadFile(testing::SharedData("EURUSD.csv")), auth);
    REQUIRE(upload.code == 201);
    const std::string dataset = upload.Json()["id"];
    for (int k = 0; k < 40; ++k) {
      const json spec = {{"strategy", {{"name", k % 2 == 0 ? "sma_cross" : "rsi_reversion"}}},
                         {"dataset", dataset},
                         {"cash", 10000 + k}};
      HttpResponse r = Request("POST", server.Url("/v1/backtests"), spec.dump(), auth);
      REQUIRE(r.code == 202);
      ids.push_back(r.Json()["id"]);
    }
    server.Kill(SIGKILL);  // mid-flight: some jobs queued, some running, some done
  }
  ServeProcess restarted(dir.path());
  CHECK(restarted.admin_key().empty());  // the first start's key is kept, not re-issued
  const std::vector<std::string> auth = {"Authorization: Bearer " + key};
  std::map<int, size_t> trades_by_parity;
  for (size_t k = 0; k < ids.size(); ++k) {
    json job;
    for (int attempt = 0; attempt < 100; ++attempt) {
      job = Request("GET", restarted.Url("/v1/backtests/" + ids[k] + "?wait=5"), "", auth).Json();
      if (job["status"] != "queued" && job["status"] != "running") break;
    }
    INFO(job.dump());
    REQUIRE(job["status"] == "succeeded");
    HttpResponse result =
        Request("GET", restarted.Url("/v1/backtests/" + ids[k] + "/result"), "", auth);
    REQUIRE(result.code == 200);
    const size_t trades = result.Json()["trades"].size();
    // Same strategy and data: the same trades, whether the job ran before or after the crash.
    auto [it, inserted] = trades_by_parity.emplace(static_cast<int>(k % 2), trades);
    if (!inserted) CHECK(it->second == trades);
  }
  HttpResponse list = Request("GET", restarted.Url("/v1/backtests?limit=100"), "", auth);
  CHECK(list.Json()["items"].size() == ids.size());
}

TEST_CASE("kill -9 during a remote run: the restarted server adopts the engine's run",
          "[api][restart][backtestingpy]") {
  testing::ServiceProcess fake(testing::BacktestingPyFakeArgv({"--run-seconds", "2"}));
  testing::ScopedEnv env({{"BTR__ENGINES__BACKTESTINGPY__ENABLED", "true"},
                          {"BTR__ENGINES__BACKTESTINGPY__URL", fake.Url()}});
  testing::TempDir dir;
  std::string key, id;
  {
    ServeProcess server(dir.path());
    key = server.admin_key();
    const std::vector<std::string> auth = {"Authorization: Bearer " + key};
    HttpResponse upload = Request("POST", server.Url("/v1/datasets?name=goog"),
                                  ReadFile(testing::SharedData("GOOG.csv")), auth);
    REQUIRE(upload.code == 201);
    const json spec = {{"engine", "backtestingpy"},
                       {"strategy", {{"name", "sma_cross"}}},
                       {"dataset", upload.Json()["id"]}};
    HttpResponse r = Request("POST", server.Url("/v1/backtests"), spec.dump(), auth);
    REQUIRE(r.code == 202);
    id = r.Json()["id"];
    json job;
    for (int k = 0; k < 200; ++k) {  // running on the service, with some progress
      job = Request("GET", server.Url("/v1/backtests/" + id), "", auth).Json();
      if (job["status"] == "running" && job["progress"].get<double>() > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(job["status"] == "running");
    server.Kill(SIGKILL);
  }
  ServeProcess restarted(dir.path());
  const std::vector<std::string> auth = {"Authorization: Bearer " + key};
  json job;
  for (int attempt = 0; attempt < 100; ++attempt) {
    job = Request("GET", restarted.Url("/v1/backtests/" + id + "?wait=5"), "", auth).Json();
    if (job["status"] != "queued" && job["status"] != "running") break;
  }
  INFO(job.dump());
  CHECK(job["status"] == "succeeded");
  CHECK(job["engine_used"] == "backtestingpy");
  HttpResponse result = Request("GET", restarted.Url("/v1/backtests/" + id + "/result"), "", auth);
  REQUIRE(result.code == 200);
  CHECK(result.Json()["trades"].size() == 93);
  // One run on the service, found again by the interrupted attempt's key.
  int submits = 0, lookups = 0;
  const json calls = Request("GET", fake.Url("/_calls"), "", {}).Json()["calls"];
  for (const json& call : calls) {
    const std::string path = call["path"];
    submits += call["method"] == "POST" && path == "/backtest/run";
    lookups += path.find("run_key=" + id + ".1.backtestingpy") != std::string::npos;
  }
  CHECK(submits == 1);
  CHECK(lookups >= 1);
  const std::string logs =
      Request("GET", restarted.Url("/v1/backtests/" + id + "/logs"), "", auth).body;
  CHECK(logs.find("adopted backtestingpy's run") != std::string::npos);
}

}  // namespace
}  // namespace btr
