// MetricsBasis: the part of the canonical metrics that depends on the bars alone — the bar
// period and duration resolution, the annualization, which equity points the period returns
// sample, and the market's log returns that beta regresses on. ComputeMetrics(input) prepares
// one per call; a parameter sweep, running thousands of backtests over one series, prepares it
// once and passes it to ComputeMetrics(input, basis). Both give bit-identical metrics.
//
// Immutable once prepared; thread-safe to share.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engines/core/time.h"

namespace btr {

struct MetricsBasis {
  size_t bars = 0;              // N, the length of the series it was prepared for
  TimeNs bar_period = 0;        // median spacing of the last 100 bars (0 for one bar)
  TimeNs resolution = 0;        // durations are rounded up to this
  double periods_per_year = 0;  // 252, 365, 52, 12 or 1, before any override
  const char* sampling = "D";   // "D", "W", "ME" or "YE"
  // The last bar of each sampling period that has bars, in order: period returns are taken
  // between the equity at consecutive entries.
  std::vector<size_t> period_ends;
  // ln(close[j+1] / close[j]) for j = 0..N-2, with their sum and sum of squares (LaneSum);
  // empty when no closes were given or N < 3 (beta is then NaN).
  std::vector<double> market_log_returns;
  double market_sum = 0, market_sum_squares = 0;
};

// REQUIRES: time strictly increasing, N >= 1; close empty or of length N.
MetricsBasis PrepareMetricsBasis(std::span<const TimeNs> time, std::span<const double> close);

}  // namespace btr
