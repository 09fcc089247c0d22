#include "engines/metrics/backtestingpy_stats.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "tests/test_util.h"

namespace btr {
namespace {

// A real backtesting.py 0.6.6 statistics object (tests/parity/reference, written by the library).
nlohmann::json ReferenceStats(const std::string& case_id) {
  return nlohmann::json::parse(testing::ReadFile(
      std::string(BTR_SOURCE_DIR) + "/tests/parity/reference/" + case_id + "/stats.json"));
}

TEST_CASE("backtesting.py statistics map to canonical keys and units", "[metrics]") {
  const nlohmann::json stats = ReferenceStats("goog_sma_cross_comm");
  const std::map<std::string, double> m = MapBacktestingPyStats(stats);
  CHECK(m.size() == 30);  // every numeric key of the library's list
  CHECK(m.at("total_return") == stats["Return [%]"].get<double>() * 0.01);
  CHECK(m.at("max_drawdown") == -stats["Max. Drawdown [%]"].get<double>() * 0.01);
  CHECK(m.at("max_drawdown") > 0);
  CHECK(m.at("avg_drawdown") > 0);
  CHECK(m.at("commissions") == stats["Commissions [$]"].get<double>());
  CHECK(m.at("duration_s") == stats["Duration"]["seconds"].get<double>());
  CHECK(m.at("max_trade_duration_s") == stats["Max. Trade Duration"]["seconds"].get<double>());
  CHECK(m.at("num_trades") == stats["# Trades"].get<double>());
  CHECK(m.at("kelly") == stats["Kelly Criterion"].get<double>());
  CHECK(m.count("start") == 0);
}

TEST_CASE("undefined and infinite library values", "[metrics]") {
  const nlohmann::json stats = {{"SQN", "NaN"},
                                {"Sortino Ratio", "inf"},
                                {"Profit Factor", nullptr},
                                {"Max. Drawdown [%]", -0.0},
                                {"Avg. Drawdown Duration", {{"seconds", "NaN"}}},
                                {"Sharpe Ratio", "garbage"}};
  const std::map<std::string, double> m = MapBacktestingPyStats(stats);
  CHECK(std::isnan(m.at("sqn")));
  CHECK(std::isinf(m.at("sortino_ratio")));
  CHECK(std::isnan(m.at("profit_factor")));
  CHECK(m.at("max_drawdown") == 0.0);
  CHECK_FALSE(std::signbit(m.at("max_drawdown")));
  CHECK(std::isnan(m.at("avg_drawdown_duration_s")));
  CHECK(m.count("sharpe_ratio") == 0);
  CHECK(MapBacktestingPyStats(nlohmann::json::array()).empty());
}

}  // namespace
}  // namespace btr
