// A project's own algorithm through /api/v2 and /v1: lean-cli's push / compile / backtest of a
// main.py without a catalogue `strategy` parameter runs that main.py on lean_local, here the
// fake LEAN launcher (tests/fakes/fake_lean.py), which imports it against a small stand-in for
// LEAN's Python API and drives it over the dataset written as LEAN data. What the algorithm must
// have done is computed from the bars: one order of floor(0.9975 * fraction * cash / close)
// shares at the second bar's open, held to the end.
#include <catch2/catch.hpp>
#include <cmath>

#include "adapters/lean/lean_project.h"
#include "engines/data/csv_loader.h"
#include "tests/adapters/lean_local/lean_local_test_util.h"
#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"
#include "tests/router/integration/qc_client.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::QcClient;
using testing::WaitCompleted;

constexpr const char* kBuyAndHold = R"(from AlgorithmImports import *


class BuyAndHold(QCAlgorithm):
    def Initialize(self):
        self.SetCash(10000)
        self.symbol = self.AddEquity(self.GetParameter("ticker"), Resolution.Daily).Symbol
        self.fraction = float(self.GetParameter("fraction"))

    def OnData(self, data):
        if not self.Portfolio.Invested:
            self.SetHoldings(self.symbol, self.fraction)
            self.Debug("entering with fraction " + str(self.fraction))
)";

std::vector<ConfigOverride> WithLeanLocal(const testing::TempDir& tmp) {
  return {{"server.qc_listen", "127.0.0.1:0", "test"},
          {"engines.lean_local.enabled", "true", "test"},
          {"engines.lean_local.command", testing::lean_local::FakeCommand(), "test"},
          {"engines.lean_local.lean_data_dir", testing::lean_local::MakeLeanDataDir(tmp), "test"},
          {"engines.lean_local.timeout_s", "120", "test"},
          {"engines.lean_local.algorithm_source", "true", "test"}};
}

double IbFee(double quantity, double price) {
  return std::min(std::max(1.0, 0.005 * quantity), 0.005 * quantity * price);
}

TEST_CASE("qc api: a project's own main.py runs on lean_local and shows in /v1") {
  testing::TempDir tmp;
  ApiServer server(WithLeanLocal(tmp));
  const std::string alice = server.NewKey("alice");
  const std::string dataset = server.Upload(alice, testing::SharedData("GOOG.csv"), "goog");
  Result<BarSeries> bars = LoadCsvFile(testing::SharedData("GOOG.csv"));
  REQUIRE(bars.ok());
  QcClient qc(server, alice);

  const int64_t id = qc.Post("projects/create",
                             {{"name", "Hold"}, {"language", "Py"}})["projects"][0]["projectId"];
  const std::string pid = std::to_string(id);
  REQUIRE(qc.PostForm("projects/update", {{"projectId", pid},
                                          {"name", "Hold"},
                                          {"files[0][name]", "main.py"},
                                          {"files[0][content]", kBuyAndHold},
                                          {"parameters[0][key]", "dataset"},
                                          {"parameters[0][value]", dataset},
                                          {"parameters[1][key]", "fraction"},
                                          {"parameters[1][value]", "0.5"}})["success"] == true);
  const std::string compile_id = qc.Post("compile/create", {{"projectId", id}})["compileId"];
  json started = qc.Post("backtests/create", {{"projectId", id},
                                              {"compileId", compile_id},
                                              {"backtestName", "own code"},
                                              {"parameters", {{"fraction", "0.8"}}}});
  INFO(started.dump());
  REQUIRE(started["success"] == true);
  const std::string backtest_id = started["backtest"]["backtestId"];
  const json done = WaitCompleted(qc, id, backtest_id);
  INFO(done.dump().substr(0, 600));
  REQUIRE(done["error"].is_null());

  // The call's parameter (0.8) overrode the project's (0.5) and reached the algorithm.
  const BarSeries& b = *bars;
  const double quantity = std::floor(10000 * 0.9975 * 0.8 / b.close[0]);
  const double final_equity =
      10000 - quantity * b.open[1] - IbFee(quantity, b.open[1]) + quantity * b.close[b.size() - 1];
  CHECK(std::stod(done["statistics"]["End Equity"].get<std::string>()) ==
        Approx(final_equity).margin(0.01));
  CHECK(done["statistics"]["Total Orders"] == "1");
  json orders = qc.Get("backtests/orders/read",
                       "projectId=" + pid + "&backtestId=" + backtest_id + "&start=0&end=10");
  REQUIRE(orders["orders"].size() == 1);
  CHECK(orders["orders"][0]["quantity"].get<double>() == quantity);
  CHECK(orders["orders"][0]["price"].get<double>() == Approx(b.open[1]));

  // The same run in /v1: its spec carries the source and parameters, its canonical metrics
  // are recomputed from LEAN's equity.
  HttpResponse job = server.Call("GET", "/v1/backtests/" + backtest_id, alice);
  REQUIRE(job.code == 200);
  const json spec = job.Json()["spec"];
  CHECK(spec["engine"] == "lean_local");
  CHECK(spec["algorithm"]["language"] == "python");
  CHECK(spec["algorithm"]["files"]["main.py"] == kBuyAndHold);
  CHECK(spec["algorithm"]["parameters"]["fraction"] == "0.8");
  CHECK_FALSE(spec.contains("strategy"));
  HttpResponse result = server.Call("GET", "/v1/backtests/" + backtest_id + "/result", alice);
  REQUIRE(result.code == 200);
  CHECK(result.Json()["metrics"]["equity_final"].get<double>() ==
        Approx(final_equity).margin(0.01));

  // Its Debug line is in the backtest's log.
  json log = qc.Post("backtests/read/log", {{"projectId", id},
                                            {"backtestId", backtest_id},
                                            {"start", 0},
                                            {"end", 200},
                                            {"query", "entering with fraction"}});
  REQUIRE(log["success"] == true);
  CHECK(log["length"].get<int>() >= 1);

  // Sweeps run catalogue strategies: an optimization of this project is refused by name.
  json optimization =
      qc.Post("optimizations/create",
              {{"projectId", id},
               {"compileId", compile_id},
               {"name", "o"},
               {"target", "TotalPerformance.PortfolioStatistics.SharpeRatio"},
               {"targetTo", "max"},
               {"parameters", {{{"key", "fraction"}, {"min", 0.1}, {"max", 0.9}, {"step", 0.1}}}}});
  REQUIRE(optimization["success"] == false);
  CHECK(optimization["errors"][0].get<std::string>().find("parameters.strategy") !=
        std::string::npos);
}

TEST_CASE("POST /v1/backtests: algorithm source runs on lean_local, catalogue engines refuse it") {
  testing::TempDir tmp;
  ApiServer server(WithLeanLocal(tmp));
  const std::string alice = server.NewKey("alice");
  const std::string dataset = server.Upload(alice, testing::SharedData("GOOG.csv"), "goog");
  const json algorithm = {{"language", "python"},
                          {"files", {{"main.py", kBuyAndHold}}},
                          {"parameters", {{"fraction", 0.25}}}};

  HttpResponse native = server.Call(
      "POST", "/v1/backtests", alice,
      json{{"engine", "native"}, {"dataset", dataset}, {"algorithm", algorithm}}.dump());
  CHECK(native.code == 400);
  CHECK(native.body.find("algorithm.language") != std::string::npos);

  HttpResponse submitted =
      server.Call("POST", "/v1/backtests", alice,
                  json{{"engine", "auto"}, {"dataset", dataset}, {"algorithm", algorithm}}.dump());
  INFO(submitted.body);
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  const json job = server.WaitDone(alice, id);
  INFO(job.dump().substr(0, 500));
  REQUIRE(job["status"] == "succeeded");
  CHECK(job["engine_used"] == "lean_local");  // auto picked the one enabled engine that runs python

  HttpResponse engines = server.Call("GET", "/v1/engines", alice);
  bool listed = false;
  for (const json& engine : engines.Json()) {
    if (engine["name"] == "lean_local") {
      listed = engine["capabilities"]["languages"] == json::array({"python"});
    }
  }
  CHECK(listed);
}

TEST_CASE(
    "POST /v1/backtests: algorithm source is forwarded to qc_cloud, which runs it on its data") {
  testing::TempDir tmp;
  Result<BarSeries> bars = LoadCsvFile(testing::SharedData("GOOG.csv"));
  REQUIRE(bars.ok());
  // The fake cloud's data library: GOOG as LEAN data, the data a QuantConnect algorithm reads.
  const std::string library = tmp.Path("qc-data");
  REQUIRE(lean::WriteLeanData(*bars, library, "GOOG").ok());
  testing::ServiceProcess qc(
      testing::QcFakeArgv({"--user-id", "7", "--token", std::string(64, 'c'), "--data-folder",
                           library, "--running-polls", "1"}),
      testing::QcFakeEnv());
  ApiServer server({{"engines.qc_cloud.enabled", "true", "test"},
                    {"engines.qc_cloud.url", qc.Url("/api/v2"), "test"},
                    {"engines.qc_cloud.user_id", "7", "test"},
                    {"engines.qc_cloud.token", std::string(64, 'c'), "test"},
                    {"engines.qc_cloud.timeout_s", "120", "test"}});
  const std::string alice = server.NewKey("alice");
  const std::string dataset = server.Upload(alice, testing::SharedData("GOOG.csv"), "goog");
  const json algorithm = {{"language", "python"},
                          {"files", {{"main.py", kBuyAndHold}}},
                          {"parameters", {{"fraction", "0.6"}, {"ticker", "GOOG"}}}};
  HttpResponse submitted = server.Call(
      "POST", "/v1/backtests", alice,
      json{{"engine", "qc_cloud"}, {"dataset", dataset}, {"algorithm", algorithm}}.dump());
  INFO(submitted.body);
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  const json job = server.WaitDone(alice, id);
  INFO(job.dump().substr(0, 500));
  REQUIRE(job["status"] == "succeeded");
  const BarSeries& b = *bars;
  const double quantity = std::floor(10000 * 0.9975 * 0.6 / b.close[0]);
  const double final_equity =
      10000 - quantity * b.open[1] - IbFee(quantity, b.open[1]) + quantity * b.close[b.size() - 1];
  const json result = server.Call("GET", "/v1/backtests/" + id + "/result", alice).Json();
  CHECK(result["metrics"]["equity_final"].get<double>() == Approx(final_equity).margin(0.01));
  REQUIRE(result["open_trades"].size() == 1);
  CHECK(result["open_trades"][0]["size"].get<double>() == quantity);
  // Only the algorithm's file went up: no btrdata.py (it reads the cloud's data).
  const json calls = json::parse(testing::Request("GET", qc.Url("/_calls"), "", {}).body);
  int creates = 0, updates = 0;
  for (const json& call : calls["calls"]) {
    creates += call["endpoint"] == "files/create";
    updates += call["endpoint"] == "files/update";
  }
  CHECK(creates == 0);
  CHECK(updates == 1);  // main.py
}

}  // namespace
}  // namespace btr
