#include "engines/metrics/backtestingpy_stats.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string_view>

namespace btr {
namespace {

struct StatMapping {
  std::string_view library_key;
  std::string_view canonical_key;
  double scale;  // canonical = library value * scale
};

// Drawdowns are negative percents in the library, positive fractions in btrouter.
constexpr StatMapping kMappings[] = {
    {"Duration", "duration_s", 1},
    {"Exposure Time [%]", "exposure_time", 0.01},
    {"Equity Final [$]", "equity_final", 1},
    {"Equity Peak [$]", "equity_peak", 1},
    {"Commissions [$]", "commissions", 1},
    {"Return [%]", "total_return", 0.01},
    {"Buy & Hold Return [%]", "buy_hold_return", 0.01},
    {"Return (Ann.) [%]", "annual_return", 0.01},
    {"Volatility (Ann.) [%]", "annual_volatility", 0.01},
    {"CAGR [%]", "cagr", 0.01},
    {"Sharpe Ratio", "sharpe_ratio", 1},
    {"Sortino Ratio", "sortino_ratio", 1},
    {"Calmar Ratio", "calmar_ratio", 1},
    {"Alpha [%]", "alpha", 0.01},
    {"Beta", "beta", 1},
    {"Max. Drawdown [%]", "max_drawdown", -0.01},
    {"Avg. Drawdown [%]", "avg_drawdown", -0.01},
    {"Max. Drawdown Duration", "max_drawdown_duration_s", 1},
    {"Avg. Drawdown Duration", "avg_drawdown_duration_s", 1},
    {"# Trades", "num_trades", 1},
    {"Win Rate [%]", "win_rate", 0.01},
    {"Best Trade [%]", "best_trade", 0.01},
    {"Worst Trade [%]", "worst_trade", 0.01},
    {"Avg. Trade [%]", "avg_trade", 0.01},
    {"Max. Trade Duration", "max_trade_duration_s", 1},
    {"Avg. Trade Duration", "avg_trade_duration_s", 1},
    {"Profit Factor", "profit_factor", 1},
    {"Expectancy [%]", "expectancy", 0.01},
    {"SQN", "sqn", 1},
    {"Kelly Criterion", "kelly", 1},
};

// A stats value as a double: numbers, "NaN"/"inf"/"-inf", null (NaN), {"seconds": s}.
std::optional<double> StatNumber(const nlohmann::json& value) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (value.is_number()) return value.get<double>();
  if (value.is_null()) return kNaN;
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text == "NaN" || text == "NaT") return kNaN;
    if (text == "inf") return kInf;
    if (text == "-inf") return -kInf;
    return std::nullopt;
  }
  if (value.is_object() && value.contains("seconds")) return StatNumber(value["seconds"]);
  return std::nullopt;
}

}  // namespace

std::map<std::string, double> MapBacktestingPyStats(const nlohmann::json& stats) {
  std::map<std::string, double> out;
  if (!stats.is_object()) return out;
  for (const StatMapping& m : kMappings) {
    auto it = stats.find(m.library_key);
    if (it == stats.end()) continue;
    const std::optional<double> value = StatNumber(*it);
    if (!value) continue;
    // -0.0 * NaN stays NaN; 0 drawdown stays +0 (not -0) for readable JSON.
    const double mapped = *value * m.scale;
    out.emplace(m.canonical_key, mapped == 0 ? 0.0 : mapped);
  }
  return out;
}

std::map<std::string, std::string> BacktestingPyConventions() {
  return {
      {"definitions",
       "backtesting.py 0.6.6 compute_stats: the definitions btrouter's canonical "
       "metrics follow, so every mapped value should agree to rounding"},
      {"units", "percent values divided by 100; drawdowns made positive; durations in seconds"},
      {"annualization",
       "252 periods a year, or 365 when more than 17.14 % of bars fall on a "
       "weekend (52, 12, 1 for weekly, monthly, yearly bars)"},
      {"risk_free_rate", "0"},
      {"trade_count", "closed trades only; an open trade's P&L is in the equity curve"},
  };
}

}  // namespace btr
