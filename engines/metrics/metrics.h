// Canonical metrics: one definition, recomputed by btrouter from any run's equity curve and
// closed trades, so engines are compared on the same footing (DESIGN.md "Canonical metrics";
// docs/metrics.md defines each key). The formulas are backtesting.py 0.6.6's compute_stats
// (reference: backtestingpy-semantics.md §2); the units are ours: fractions not percents,
// drawdowns as positive fractions, durations in seconds, times as TimeNs.
//
// A metric that is undefined (no trades, zero volatility, ...) is NaN; a division by a zero
// downside deviation gives +inf, as in the reference. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engines/core/time.h"
#include "engines/core/trade.h"
#include "engines/metrics/metrics_basis.h"

namespace btr {

struct MetricsInput {
  std::span<const TimeNs> time;         // bar times, strictly increasing, N >= 1
  std::span<const double> equity;       // N points
  std::span<const double> close;        // N closes of the traded instrument (buy & hold, beta)
  size_t first_trading_bar = 0;         // W: the buy & hold base bar (close[W])
  std::span<const TradeRecord> trades;  // closed trades
  double risk_free_rate = 0;            // annual, fraction; backtesting.py uses 0
  double annualization_override = 0;    // periods per year; 0 = infer from the data
};

// How the numbers were computed; reported beside every metrics object.
struct MetricsConventions {
  double annualization_periods = 0;  // A: 252, 365, 52, 12 or 1 (or the override)
  double risk_free_rate = 0;
  std::string return_sampling;        // "D", "W", "ME" or "YE": the period of equity sampling
  TimeNs bar_period_ns = 0;           // median bar spacing over the last 100 bars
  TimeNs duration_resolution_ns = 0;  // durations are rounded up to this
  static constexpr std::string_view kDefinitionVersion = "btr-metrics/1 (backtesting.py 0.6.6)";
};

struct Metrics {
  TimeNs start = 0, end = 0;
  double duration_s = 0;
  double exposure_time = 0;
  double equity_final = 0, equity_peak = 0, commissions = 0;
  double total_return = 0, buy_hold_return = 0, cagr = 0;
  double annual_return = 0, annual_volatility = 0;
  double sharpe_ratio = 0, sortino_ratio = 0, calmar_ratio = 0;
  double alpha = 0, beta = 0;
  double max_drawdown = 0, avg_drawdown = 0;
  double max_drawdown_duration_s = 0, avg_drawdown_duration_s = 0;
  double num_trades = 0, win_rate = 0, best_trade = 0, worst_trade = 0, avg_trade = 0;
  double max_trade_duration_s = 0, avg_trade_duration_s = 0;
  double profit_factor = 0, expectancy = 0, sqn = 0, kelly = 0;
  MetricsConventions conventions;
};

// REQUIRES: time, equity and close (when given) have the same length N >= 1.
Metrics ComputeMetrics(const MetricsInput& input);
// The same, with the bar-only part prepared beforehand: bit-identical to ComputeMetrics(input)
// when `basis` is PrepareMetricsBasis(input.time, input.close).
Metrics ComputeMetrics(const MetricsInput& input, const MetricsBasis& basis);

// The numeric metrics as (canonical key, value) in the documented order (start and end,
// being times, are not in the list).
std::vector<std::pair<std::string_view, double>> MetricsFields(const Metrics& m);

// Per-bar drawdown as a positive fraction: 1 - equity / running peak.
std::vector<double> DrawdownSeries(std::span<const double> equity);

}  // namespace btr
