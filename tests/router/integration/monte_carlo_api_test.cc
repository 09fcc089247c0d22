// POST /v1/backtests/{id}/monte-carlo through a real server: the report of a real sma_cross run
// on GOOG against the run's own trades and equity (read back through the API), reproducibility
// from the seed, and the refusals: 404 for another tenant's or no job, 409 for a job that did not
// succeed, 400 naming the field at fault.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;

json SmaSpec(const std::string& dataset) {
  return {{"engine", "native"},
          {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 20}}}}},
          {"dataset", dataset},
          {"cash", 10000},
          {"commission", 0.002}};
}

std::string SucceededJob(ApiServer& server, const std::string& key, const json& spec) {
  HttpResponse submitted = server.Call("POST", "/v1/backtests", key, spec.dump());
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  REQUIRE(server.WaitDone(key, id)["status"] == "succeeded");
  return id;
}

// Every item of a paged GET.
json AllItems(ApiServer& server, const std::string& key, const std::string& path) {
  json items = json::array();
  std::string cursor = "0";
  while (true) {
    HttpResponse page = server.Call("GET", path + "?limit=1000&cursor=" + cursor, key);
    REQUIRE(page.code == 200);
    const json doc = page.Json();
    for (const json& item : doc["items"]) items.push_back(item);
    if (doc["next_cursor"].is_null()) return items;
    cursor = doc["next_cursor"];
  }
}

json MonteCarlo(ApiServer& server, const std::string& key, const std::string& id,
                const std::string& body) {
  HttpResponse r = server.Call("POST", "/v1/backtests/" + id + "/monte-carlo", key, body,
                               {"Content-Type: application/json"});
  INFO(r.body.substr(0, 400));
  REQUIRE(r.code == 200);
  CHECK(r.headers["content-type"] == "application/json");
  return r.Json();
}

void CheckProblem(const HttpResponse& r, long code, const std::string& field) {
  INFO(r.body);
  CHECK(r.code == code);
  CHECK(r.headers.at("content-type") == "application/problem+json");
  if (!field.empty()) CHECK(r.Json().value("field", "") == field);
}

TEST_CASE("monte carlo api: the report of a real run agrees with its trades and equity",
          "[api][monte_carlo]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const std::string id = SucceededJob(server, key, SmaSpec(dataset));
  const std::string path = "/v1/backtests/" + id;
  const json trades = AllItems(server, key, path + "/trades");
  const json equity = AllItems(server, key, path + "/equity");
  REQUIRE(trades.size() >= 2);

  // No body: permute, 1000 paths, the default seed.
  const json permuted = MonteCarlo(server, key, id, "");
  CHECK(permuted["method"] == "permute");
  CHECK(permuted["unit"] == "trade");
  CHECK(permuted["simulations"] == 1000);
  CHECK(permuted["steps"] == trades.size());
  CHECK(permuted["start_equity"] == 10000.0);
  CHECK(permuted["run_final_equity"].get<double>() ==
        Approx(equity.back()["equity"].get<double>()));
  // The trade model by its definition: f = pnl / equity at the bar before the entry, compounded
  // from the cash.
  double model = 10000;
  for (const json& t : trades) {
    const long entry = t["entry_bar"];
    const double before = entry == 0 ? 10000.0 : equity[entry - 1]["equity"].get<double>();
    model *= 1 + t["pnl"].get<double>() / before;
  }
  const json& final_equity = permuted["metrics"]["final_equity"];
  CHECK(final_equity["original"].get<double>() == Approx(model).epsilon(1e-9));
  for (const char* p : {"p5", "p50", "p95"}) {
    CHECK(final_equity[p].get<double>() == Approx(model).epsilon(1e-9));
  }
  CHECK(permuted["invariant"]["final_equity_spread"].get<double>() <= 1e-9);
  CHECK(permuted["metrics"]["max_drawdown"]["p95"] >= permuted["metrics"]["max_drawdown"]["p5"]);
  const double ruin = permuted["ruin"]["probability"];
  CHECK(ruin == Approx((permuted["ruin"]["paths"].get<double>() + 1) / 1001));
  CHECK(permuted["ruin"]["threshold_equity"] == 5000.0);
  const json& fan = permuted["fan_chart"];
  CHECK(fan["step"].front() == 0);
  CHECK(fan["step"].back() == trades.size());
  CHECK(fan["p50"].size() == fan["step"].size());
  CHECK(fan["original"].back().get<double>() == Approx(model).epsilon(1e-9));
  CHECK(!fan.contains("time"));

  // The same request again: the same answer; another seed: another one.
  const std::string bootstrap = R"({"method": "bootstrap", "simulations": 300, "seed": 7})";
  const json first = MonteCarlo(server, key, id, bootstrap);
  CHECK(MonteCarlo(server, key, id, bootstrap) == first);
  const json other = MonteCarlo(server, key, id, R"({"method": "bootstrap", "simulations": 300})");
  CHECK(other["seed"] != 7);
  CHECK(other["metrics"]["final_equity"] != first["metrics"]["final_equity"]);

  // Daily returns: one step per calendar day of the curve, compounding back to its last equity.
  const json daily = MonteCarlo(
      server, key, id, R"({"method": "block_bootstrap", "simulations": 200, "ruin_pct": 0.2})");
  std::set<std::string> days;
  for (const json& point : equity) days.insert(point["time"].get<std::string>().substr(0, 10));
  CHECK(daily["unit"] == "day");
  CHECK(daily["steps"] == days.size());
  CHECK(daily["block_scheme"] == "stationary");
  CHECK(daily["block_length"] == static_cast<int>(std::ceil(std::cbrt(days.size()))));
  CHECK(daily["metrics"]["final_equity"]["original"].get<double>() ==
        Approx(equity.back()["equity"].get<double>()).epsilon(1e-9));
  CHECK(daily["fan_chart"]["time"].size() == daily["fan_chart"]["step"].size());
  CHECK(daily["fan_chart"]["step"].size() <= 200);
}

TEST_CASE("monte carlo api: 404 for another tenant's job, 409 unless succeeded, 400 by field",
          "[api][monte_carlo]") {
  ApiServer server({{"jobs.workers", "1", "test"}, {"engines.native.concurrency", "1", "test"}});
  const std::string alice = server.NewKey("alice"), bob = server.NewKey("bob");
  const std::string dataset = server.Upload(alice, testing::SharedData("GOOG.csv"), "goog");
  const std::string id = SucceededJob(server, alice, SmaSpec(dataset));
  const std::string path = "/v1/backtests/" + id + "/monte-carlo";

  CheckProblem(server.Call("POST", path, bob, "{}"), 404, "");
  CheckProblem(server.Call("POST", "/v1/backtests/bt_nope/monte-carlo", alice, "{}"), 404, "");
  CHECK(server.Call("POST", path, "", "{}").code == 401);

  CheckProblem(server.Call("POST", path, alice, R"({"simulation": 10})"), 400, "simulation");
  CheckProblem(server.Call("POST", path, alice, R"({"method": "shuffle"})"), 400, "method");
  CheckProblem(server.Call("POST", path, alice, R"({"block_length": 3})"), 400, "block_length");
  CheckProblem(server.Call("POST", path, alice, R"({"ruin_pct": 50})"), 400, "ruin_pct");
  CheckProblem(server.Call("POST", path, alice, R"({"simulations": 0})"), 400, "simulations");
  CheckProblem(server.Call("POST", path, alice, "{nope"), 400, "body");
  // Work bound: 100,000 paths of every day of GOOG are more than 50,000,000 steps.
  const HttpResponse work =
      server.Call("POST", path, alice, R"({"method": "block_bootstrap", "simulations": 100000})");
  CheckProblem(work, 400, "simulations");
  CHECK(work.Json()["detail"].get<std::string>().find("at most 50000000") != std::string::npos);
  CheckProblem(
      server.Call("POST", path, alice, R"({"method": "block_bootstrap", "block_length": 100000})"),
      400, "block_length");

  // A run without 2 closed trades: buy and hold keeps its one position open.
  json hold = SmaSpec(dataset);
  hold["strategy"] = {{"name", "buy_and_hold"}};
  const std::string held = SucceededJob(server, alice, hold);
  const HttpResponse few = server.Call("POST", "/v1/backtests/" + held + "/monte-carlo", alice, "");
  CheckProblem(few, 409, "");
  CHECK(few.Json()["detail"].get<std::string>().find("at least 2") != std::string::npos);

  // A job that did not succeed: the last of a queue cancelled while it waits (a lost race, where
  // it finished first, is tried again with a new queue).
  bool refused = false;
  for (int round = 0; round < 5 && !refused; ++round) {
    std::vector<std::string> ids;
    for (int k = 0; k < 20; ++k) {
      json spec = SmaSpec(dataset);
      spec["cash"] = 10000 + 100 * round + k;
      ids.push_back(server.Call("POST", "/v1/backtests", alice, spec.dump()).Json()["id"]);
    }
    if (server.Call("POST", "/v1/backtests/" + ids.back() + "/cancel", alice).code != 202) continue;
    REQUIRE(server.WaitDone(alice, ids.back())["status"] == "cancelled");
    const HttpResponse r =
        server.Call("POST", "/v1/backtests/" + ids.back() + "/monte-carlo", alice, "{}");
    CheckProblem(r, 409, "status");
    CHECK(r.Json()["detail"].get<std::string>().find("the job is cancelled") != std::string::npos);
    refused = true;
  }
  CHECK(refused);
}

}  // namespace
}  // namespace btr
