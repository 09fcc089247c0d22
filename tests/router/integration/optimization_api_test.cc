// POST /v1/optimizations end to end over HTTP: the sweep runs as a job on the server's workers,
// and its best trial is the very backtest POST /v1/backtests runs with the same parameters.
#include <catch2/catch.hpp>

#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::ApiServer;
using testing::HttpResponse;
using nlohmann::json;

json SweepRequest(const std::string& dataset) {
  return {{"dataset", dataset},
          {"strategy", "sma_cross"},
          {"space", {{"fast", {{"min", 5}, {"max", 20}, {"step", 5}}}, {"slow", {20, 30, 40, 60}}}},
          {"objective", "sharpe_ratio"},
          {"blocks", 8},
          {"settings", {{"commission", 0.002}, {"cash", 20000}}}};
}

TEST_CASE("An optimization's best trial is the backtest of its parameters, to the bit",
          "[api][optimize]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  HttpResponse created = server.Call("POST", "/v1/optimizations", key, SweepRequest(dataset).dump());
  INFO(created.body);
  REQUIRE(created.code == 202);
  CHECK(created.headers["location"].rfind("/v1/optimizations/", 0) == 0);
  const std::string id = created.Json()["id"];
  CHECK(server.WaitDone(key, id)["status"] == "succeeded");
  HttpResponse got = server.Call("GET", "/v1/optimizations/" + id + "/report", key);
  REQUIRE(got.code == 200);
  const json report = got.Json();
  // 4 x 4 points; the strategy's own rule (fast < slow) drops (20, 20).
  CHECK(report["counts"]["grid_points"] == 16);
  CHECK(report["counts"]["excluded"] == 1);
  CHECK(report["counts"]["trials"] == 15);
  CHECK(report["trials"]["rows"].size() == 15);
  const json& best = report["best"];
  REQUIRE(best.is_object());
  double top = -1e300;
  for (const json& row : report["trials"]["rows"]) {
    if (row.back().is_number()) top = std::max(top, row.back().get<double>());
  }
  CHECK(best["objective"].get<double>() == top);

  const json backtest = {{"engine", "native"},
                         {"dataset", dataset},
                         {"strategy", {{"name", "sma_cross"}, {"params", best["params"]}}},
                         {"commission", 0.002},
                         {"cash", 20000}};
  const json metrics = server.BacktestMetrics(key, backtest);
  for (const auto& [name, value] : best["metrics"].items()) {
    INFO(name);
    CHECK(metrics[name] == value);  // the same doubles print the same
  }
  CHECK(metrics["sharpe_ratio"] == best["objective"]);

  // The trials as CSV: a header and one line per trial.
  HttpResponse csv = server.Call("GET", "/v1/optimizations/" + id + "/trials.csv", key);
  REQUIRE(csv.code == 200);
  CHECK(csv.body.rfind("fast,slow,objective\n", 0) == 0);
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 16);
}

TEST_CASE("A walk-forward's folds are backtests of their test windows, over HTTP",
          "[api][optimize]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  json request = SweepRequest(dataset);
  request["walk_forward"] = {{"folds", 3}, {"test_fraction", 0.3}};
  HttpResponse created = server.Call("POST", "/v1/optimizations", key, request.dump());
  INFO(created.body);
  REQUIRE(created.code == 202);
  const std::string id = created.Json()["id"];
  REQUIRE(server.WaitDone(key, id)["status"] == "succeeded");
  const json report = server.Call("GET", "/v1/optimizations/" + id + "/report", key).Json();
  REQUIRE(report.contains("walk_forward"));
  const json& wf = report["walk_forward"];
  REQUIRE(wf["windows"].size() == 3);
  CHECK(wf["equity"]["time"].front() == wf["windows"][0]["test"]["start"]);
  CHECK(wf["equity"]["time"].back() == wf["windows"][2]["test"]["end"]);
  // The last fold's test metrics are those of POST /v1/backtests on its window.
  const json& fold = wf["windows"][2];
  REQUIRE(fold["params"].is_object());
  const json backtest = {{"engine", "native"},
                         {"dataset", dataset},
                         {"strategy", {{"name", "sma_cross"}, {"params", fold["params"]}}},
                         {"start", fold["test"]["start"]},
                         {"end", fold["test"]["end"]},
                         {"commission", 0.002},
                         {"cash", 20000}};
  const json metrics = server.BacktestMetrics(key, backtest);
  for (const auto& [name, value] : fold["test_metrics"].items()) {
    INFO(name);
    CHECK(metrics[name] == value);
  }
}

TEST_CASE("Optimization requests are checked at submit with the field named", "[api][optimize]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  auto problem = [&](json body) {
    HttpResponse r = server.Call("POST", "/v1/optimizations", key, body.dump());
    CHECK(r.code == 400);
    return r.Json()["detail"].get<std::string>();
  };
  json routed = SweepRequest(dataset);
  routed["engine"] = "auto";
  CHECK_THAT(problem(routed), Catch::Contains("engine") && Catch::Contains("not auto"));
  json unknown_engine = SweepRequest(dataset);
  unknown_engine["engine"] = "nope";
  CHECK_THAT(problem(unknown_engine), Catch::Contains("engine") && Catch::Contains("nope"));
  json bad_concurrency = SweepRequest(dataset);
  bad_concurrency["concurrency"] = 0;
  CHECK_THAT(problem(bad_concurrency), Catch::Contains("concurrency"));
  json typo = SweepRequest(dataset);
  typo["space"]["fats"] = {1, 2};
  CHECK_THAT(problem(typo), Catch::Contains("space.fats"));
  json bad_metric = SweepRequest(dataset);
  bad_metric["objective"] = "sharpe";
  CHECK_THAT(problem(bad_metric), Catch::Contains("objective") && Catch::Contains("sharpe_ratio"));
  json bad_setting = SweepRequest(dataset);
  bad_setting["settings"]["cash"] = -5;
  CHECK_THAT(problem(bad_setting), Catch::Contains("settings") && Catch::Contains("cash"));
  json bad_constraint = SweepRequest(dataset);
  bad_constraint["constraints"] = {"fast < slwo"};
  CHECK_THAT(problem(bad_constraint), Catch::Contains("constraints[0]"));
  json unknown = SweepRequest(dataset);
  unknown["maximize"] = true;
  CHECK_THAT(problem(unknown), Catch::Contains("maximize: unknown field"));
  json bad_folds = SweepRequest(dataset);
  bad_folds["walk_forward"] = {{"folds", 0}};
  CHECK_THAT(problem(bad_folds), Catch::Contains("walk_forward.folds"));
  json bad_fraction = SweepRequest(dataset);
  bad_fraction["walk_forward"] = {{"test_fraction", 1.5}};
  CHECK_THAT(problem(bad_fraction), Catch::Contains("walk_forward.test_fraction"));
  json internal = SweepRequest(dataset);
  internal["chunk"] = {{"parent", "bt_x"}, {"begin", 0}, {"end", 2}};
  CHECK_THAT(problem(internal), Catch::Contains("chunk: not a request field"));
  json no_dataset = SweepRequest(dataset);
  no_dataset.erase("dataset");
  CHECK_THAT(problem(no_dataset), Catch::Contains("dataset"));

  // Sweeps do not go through the backtest route.
  json spec = {{"dataset", dataset}, {"strategy", "sma_cross"}, {"sweep", SweepRequest(dataset)}};
  HttpResponse refused = server.Call("POST", "/v1/backtests", key, spec.dump());
  CHECK(refused.code == 400);
  CHECK_THAT(refused.body, Catch::Contains("/v1/optimizations"));
}

TEST_CASE("Optimizations are the caller's own, and a backtest id is not one", "[api][optimize]") {
  ApiServer server;
  const std::string alice = server.NewKey("alice"), bob = server.NewKey("bob");
  const std::string dataset = server.Upload(alice, testing::SharedData("GOOG.csv"), "goog");
  HttpResponse created =
      server.Call("POST", "/v1/optimizations", alice, SweepRequest(dataset).dump());
  REQUIRE(created.code == 202);
  const std::string id = created.Json()["id"];
  server.WaitDone(alice, id);
  CHECK(server.Call("GET", "/v1/optimizations/" + id, bob).code == 404);
  CHECK(server.Call("GET", "/v1/optimizations/" + id + "/report", bob).code == 404);
  CHECK(server.Call("POST", "/v1/optimizations/" + id + "/cancel", bob).code == 404);
  const json listed = server.Call("GET", "/v1/optimizations", alice).Json();
  REQUIRE(listed["items"].size() == 1);
  CHECK(listed["items"][0]["id"] == id);
  CHECK(server.Call("GET", "/v1/optimizations", bob).Json()["items"].empty());

  const json backtest = {{"dataset", dataset}, {"strategy", "sma_cross"}};
  const std::string bt = server.Call("POST", "/v1/backtests", alice, backtest.dump()).Json()["id"];
  HttpResponse not_sweep = server.Call("GET", "/v1/optimizations/" + bt, alice);
  CHECK(not_sweep.code == 404);
  CHECK_THAT(not_sweep.body, Catch::Contains("a backtest, not an optimization"));
  // Listing optimizations leaves the backtest out.
  CHECK(server.Call("GET", "/v1/optimizations", alice).Json()["items"].size() == 1);
}

}  // namespace
}  // namespace btr
