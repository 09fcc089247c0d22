#include "engines/catalogue/catalogue.h"
#include "engines/native/strategies/native_strategies.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "engines/native/native_run.h"

namespace btr {
namespace {

BarSeries Wave(size_t n) {
  BarSeries b;
  for (size_t i = 0; i < n; ++i) {
    const double c = 100 + 10 * std::sin(static_cast<double>(i) / 7.0) + static_cast<double>(i % 5);
    b.Append(static_cast<TimeNs>(i) * kNsPerDay, c - 0.5, c + 1, c - 1.5, c, 1000);
  }
  return b;
}

size_t WarmupOf(const std::string& name, std::map<std::string, double> overrides = {}) {
  const StrategyInfo* info = FindStrategy(name);
  REQUIRE(info != nullptr);
  ParamValues params = ParamValues::Defaults(info->params);
  for (const auto& [k, v] : overrides) REQUIRE(params.SetNumber(info->params, k, v).ok());
  Result<NativeRun> run = RunCatalogueBacktest(Wave(300), name, params, BacktestConfig{});
  REQUIRE(run.ok());
  return run->output.warmup_bars;
}

TEST_CASE("each strategy's warm-up is its indicators' first valid bar") {
  CHECK(WarmupOf("sma_cross") == 19);
  CHECK(WarmupOf("sma_cross", {{"slow", 50}}) == 49);
  CHECK(WarmupOf("rsi_reversion") == 14);
  CHECK(WarmupOf("ema_cross") == 25);
  CHECK(WarmupOf("macd_cross") == 33);
  CHECK(WarmupOf("bollinger_reversion") == 19);
  CHECK(WarmupOf("donchian_breakout") == 20);
  CHECK(WarmupOf("buy_and_hold") == 0);
}

TEST_CASE("every catalogue strategy trades on a wave") {
  for (const StrategyInfo& info : StrategyCatalogue()) {
    INFO(info.name);
    Result<NativeRun> run = RunCatalogueBacktest(
        Wave(600), info.name, ParamValues::Defaults(info.params), BacktestConfig{});
    REQUIRE(run.ok());
    CHECK(run->output.trades.size() + run->output.open_trades.size() > 0);
    CHECK(run->output.equity.size() == 600);
  }
}

TEST_CASE("stop-and-reverse is always in the market after the first cross; long-only never short") {
  Result<NativeRun> reverse = RunCatalogueBacktest(
      Wave(600), "sma_cross", ParamValues::Defaults(SmaCrossInfo().params), {});
  REQUIRE(reverse.ok());
  bool saw_short = false;
  for (const TradeRecord& t : reverse->output.trades) saw_short |= t.size < 0;
  CHECK(saw_short);
  // Consecutive trades in stop-and-reverse hand over on the same bar.
  for (size_t k = 1; k < reverse->output.trades.size(); ++k) {
    CHECK(reverse->output.trades[k].entry_bar == reverse->output.trades[k - 1].exit_bar);
  }
  ParamValues long_only = ParamValues::Defaults(SmaCrossInfo().params);
  REQUIRE(long_only.SetNumber(SmaCrossInfo().params, "long_only", 1).ok());
  REQUIRE(long_only.SetNumber(SmaCrossInfo().params, "sl_pct", 0.02).ok());
  Result<NativeRun> longs = RunCatalogueBacktest(Wave(600), "sma_cross", long_only, {});
  REQUIRE(longs.ok());
  for (const TradeRecord& t : longs->output.trades) {
    CHECK(t.size > 0);
    CHECK_FALSE(std::isnan(t.sl));
  }
}

TEST_CASE("unknown names and bad parameters are rejected before a run") {
  CHECK(CreateStrategy("nope", {}).status().code() == StatusCode::kNotFound);
  CHECK(CreateStrategy("nope", {}).status().message().find("sma_cross") != std::string::npos);
  const std::vector<ParamSpec>& specs = SmaCrossInfo().params;
  ParamValues p = ParamValues::Defaults(specs);
  CHECK(p.SetFromText(specs, "fast", "7").ok());
  CHECK(p.GetInt("fast") == 7);
  CHECK(p.SetFromText(specs, "fast", "7.5").message().find("expected an integer") !=
        std::string::npos);
  CHECK(p.SetFromText(specs, "long_only", "maybe").message().find("true or false") !=
        std::string::npos);
  CHECK(p.SetFromText(specs, "sl_pct", "1.5").message().find("[0, 0.99]") != std::string::npos);
  CHECK(p.SetFromText(specs, "nope", "1").message().find("known parameters: fast") !=
        std::string::npos);
  REQUIRE(p.SetNumber(specs, "fast", 30).ok());
  CHECK(CreateStrategy("sma_cross", p).status().message().find("below 'slow'") !=
        std::string::npos);
  std::string_view name, value;
  CHECK(SplitAssignment("fast=3", &name, &value).ok());
  CHECK(name == "fast");
  CHECK_FALSE(SplitAssignment("fast", &name, &value).ok());
}

}  // namespace
}  // namespace btr
