// The JSON of the Monte Carlo study: request options (defaults, each field's checks, unknown
// fields named), the report's shape, and closed trades read back from a stored result.
#include "engines/optimize/monte_carlo_json.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "engines/metrics/metrics_json.h"

namespace btr {
namespace {

using nlohmann::json;

// The field a refusal names: the message up to its first ':'.
std::string RefusedField(const json& body) {
  Result<MonteCarloOptions> o = MonteCarloOptionsFromJson(body);
  REQUIRE(!o.ok());
  CHECK(o.status().code() == StatusCode::kInvalidArgument);
  const std::string m = o.status().message();
  return m.substr(0, m.find(':'));
}

TEST_CASE("monte carlo json: an empty body is the defaults; each field is read") {
  for (const json& empty : {json(nullptr), json::object()}) {
    Result<MonteCarloOptions> o = MonteCarloOptionsFromJson(empty);
    REQUIRE(o.ok());
    CHECK(o->method == MonteCarloMethod::kPermute);
    CHECK(o->simulations == 1000);
    CHECK(o->seed == kDefaultMonteCarloSeed);
    CHECK(o->ruin_pct == 0.5);
    CHECK(o->block_length == 0);
  }
  Result<MonteCarloOptions> o = MonteCarloOptionsFromJson({{"method", "block_bootstrap"},
                                                           {"simulations", 250},
                                                           {"seed", 9007199254740991ULL},
                                                           {"block_length", 7},
                                                           {"block_scheme", "circular"},
                                                           {"ruin_pct", 0.3}});
  REQUIRE(o.ok());
  CHECK(o->method == MonteCarloMethod::kBlockBootstrap);
  CHECK(o->simulations == 250);
  CHECK(o->seed == 9007199254740991ULL);
  CHECK(o->block_length == 7);
  CHECK(o->block_scheme == BlockScheme::kCircular);
  CHECK(o->ruin_pct == 0.3);
  CHECK(MonteCarloOptionsFromJson({{"simulations", 2e3}})->simulations == 2000);
}

TEST_CASE("monte carlo json: bad and unknown fields are refused by name") {
  CHECK(RefusedField({{"simulation", 10}}) == "simulation");
  CHECK(RefusedField({{"ed", 10}}) == "ed");
  CHECK(RefusedField({{"method", "shuffle"}}) == "method");
  CHECK(RefusedField({{"method", 1}}) == "method");
  CHECK(RefusedField({{"simulations", 0}}) == "simulations");
  CHECK(RefusedField({{"simulations", 100001}}) == "simulations");
  CHECK(RefusedField({{"simulations", 10.5}}) == "simulations");
  CHECK(RefusedField({{"simulations", "10"}}) == "simulations");
  CHECK(RefusedField({{"seed", -1}}) == "seed");
  CHECK(RefusedField({{"seed", 9007199254740992ULL}}) == "seed");
  CHECK(RefusedField({{"ruin_pct", 0}}) == "ruin_pct");
  CHECK(RefusedField({{"ruin_pct", 50}}) == "ruin_pct");
  CHECK(RefusedField({{"method", "block_bootstrap"}, {"block_length", 0}}) == "block_length");
  CHECK(RefusedField({{"method", "block_bootstrap"}, {"block_scheme", "moving"}}) ==
        "block_scheme");
  CHECK(RefusedField({{"block_length", 5}}) == "block_length");  // permute has no blocks
  CHECK(RefusedField({{"method", "bootstrap"}, {"block_scheme", "circular"}}) == "block_scheme");
  CHECK(RefusedField(json::array()) == "body");
  Result<MonteCarloOptions> unknown = MonteCarloOptionsFromJson({{"n", 5}});
  CHECK(unknown.status().message().find("expected method, simulations") != std::string::npos);
}

TEST_CASE("monte carlo json: the report carries every documented member") {
  std::vector<double> equity = {100};
  std::vector<TradeRecord> trades;
  for (int k = 0; k < 4; ++k) {
    TradeRecord t;
    t.entry_bar = 2 * k + 1;
    t.exit_bar = 2 * k + 2;
    t.exit_price = 1;
    t.pnl = 10;  // constant pnl on a growing account
    equity.push_back(equity.back());
    equity.push_back(equity.back() + 10);
    trades.push_back(t);
  }
  const MonteCarloRun run{.initial_cash = 100, .equity = equity, .trades = trades};
  MonteCarloOptions options;
  options.simulations = 20;
  Result<MonteCarloReport> r = RunMonteCarlo(run, options);
  REQUIRE(r.ok());
  const json doc = MonteCarloReportToJson(*r);
  CHECK(doc["method"] == "permute");
  CHECK(doc["unit"] == "trade");
  CHECK(doc["simulations"] == 20);
  CHECK(doc["seed"] == kDefaultMonteCarloSeed);
  CHECK(doc["block_length"].is_null());
  CHECK(doc["block_scheme"].is_null());
  CHECK(doc["steps"] == 4);
  CHECK(doc["start_equity"] == 100);
  CHECK(doc["run_final_equity"] == 140);
  for (const char* metric : {"final_equity", "total_return", "max_drawdown", "sharpe"}) {
    INFO(metric);
    for (const char* key :
         {"original", "mean", "p5", "p25", "p50", "p75", "p95", "original_rank", "paths"}) {
      CHECK(doc["metrics"][metric].contains(key));
    }
  }
  // 100 → 110 → 120 → 130 → 140: f = 0.1, 1/11, 1/12, 1/13, compounding back to 140.
  CHECK(doc["metrics"]["final_equity"]["original"].get<double>() == Approx(140));
  CHECK(doc["metrics"]["max_drawdown"]["original"] == 0.0);
  CHECK(doc["ruin"]["threshold_equity"] == 50.0);
  CHECK(doc["ruin"]["paths"] == 0);
  CHECK(doc["ruin"]["probability"].get<double>() == Approx(1.0 / 21));
  CHECK(doc["ruin"]["original"] == false);
  CHECK(doc["final_below_start"]["probability"].get<double>() == Approx(1.0 / 21));
  CHECK(doc["fan_chart"]["step"] == json({0, 1, 2, 3, 4}));
  CHECK(!doc["fan_chart"].contains("time"));
  CHECK(doc["fan_chart"]["p50"].size() == 5);
  CHECK(doc["fan_chart"]["original"][4].get<double>() == Approx(140));
  CHECK(doc["invariant"]["note"].get<std::string>().find("permutation") != std::string::npos);
  CHECK(doc["invariant"]["final_equity_spread"].get<double>() <= 1e-9);

  // Equal trade returns: no spread, so the Sharpe ratio is undefined and written as null.
  std::vector<double> flat = {100, 100, 110, 110, 121};
  std::vector<TradeRecord> same(2);
  same[0].entry_bar = 1, same[0].exit_bar = 2, same[0].pnl = 10, same[0].exit_price = 1;
  same[1].entry_bar = 3, same[1].exit_bar = 4, same[1].pnl = 11, same[1].exit_price = 1;
  const MonteCarloRun constant{.initial_cash = 100, .equity = flat, .trades = same};
  Result<MonteCarloReport> c = RunMonteCarlo(constant, options);
  REQUIRE(c.ok());
  const json cdoc = MonteCarloReportToJson(*c);
  CHECK(cdoc["metrics"]["sharpe"]["original"].is_null());
  CHECK(cdoc["metrics"]["sharpe"]["p50"].is_null());
  CHECK(cdoc["metrics"]["sharpe"]["paths"] == 0);
}

TEST_CASE("monte carlo json: closed trades are read back from TradeToJson") {
  TradeRecord t;
  t.size = 3;
  t.entry_bar = 4;
  t.exit_bar = 9;
  t.entry_price = 10;
  t.exit_price = 12;
  t.entry_time = DaysFromCivil(2024, 5, 1) * kNsPerDay;
  t.exit_time = DaysFromCivil(2024, 5, 6) * kNsPerDay;
  t.pnl = 5.5;
  const std::vector<TradeRecord> stored = {t};
  Result<std::vector<TradeRecord>> back = ClosedTradesFromJson(TradesToJson(stored));
  REQUIRE(back.ok());
  REQUIRE(back->size() == 1);
  CHECK((*back)[0].entry_bar == 4);
  CHECK((*back)[0].exit_bar == 9);
  CHECK((*back)[0].pnl == 5.5);
  CHECK((*back)[0].exit_time == t.exit_time);
  CHECK(!(*back)[0].is_open());

  json broken = TradesToJson(stored);
  broken[0]["pnl"] = nullptr;  // an undefined pnl is stored as null
  CHECK(ClosedTradesFromJson(broken).status().message().rfind("trades[0].pnl: ", 0) == 0);
  broken = TradesToJson(stored);
  broken[0]["exit_bar"] = 2.5;
  CHECK(ClosedTradesFromJson(broken).status().message().rfind("trades[0].exit_bar: ", 0) == 0);
  CHECK(!ClosedTradesFromJson(json::object()).ok());
}

TEST_CASE("monte carlo: the largest allowed request finishes in seconds") {
  // kMaxSimulatedSteps at 500 trades a path: the bound a request cannot exceed.
  std::vector<double> equity = {100};
  std::vector<TradeRecord> trades;
  for (int k = 0; k < 500; ++k) {
    TradeRecord t;
    t.entry_bar = 2 * k + 1;
    t.exit_bar = 2 * k + 2;
    t.exit_price = 1;
    t.pnl = (k % 3 == 0 ? -0.02 : 0.015) * equity.back();
    equity.push_back(equity.back());
    equity.push_back(equity.back() + t.pnl);
    trades.push_back(t);
  }
  const MonteCarloRun run{.initial_cash = 100, .equity = equity, .trades = trades};
  MonteCarloOptions options;
  options.method = MonteCarloMethod::kBootstrap;
  options.simulations = kMaxSimulatedSteps / 500;
  const auto start = std::chrono::steady_clock::now();
  Result<MonteCarloReport> r = RunMonteCarlo(run, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(r.ok());
  CHECK(r->fan_chart.paths == kMaxFanPaths);
  CHECK(seconds < 10);
}

}  // namespace
}  // namespace btr
