// Equity curves of a comparison side by side: aligned by bar time, their correlation, the
// largest gap between them, the first bar where they part, the same for their drawdown curves,
// and the points of the report's charts. Pure functions; thread-safe.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>
#include <vector>

#include "services/compare/compare_types.h"

namespace btr::compare {

// (index in a, index in b) of the bars with equal times, in time order. Both time axes must be
// strictly increasing (as datasets are).
std::vector<std::pair<size_t, size_t>> AlignByTime(std::span<const TimeNs> a,
                                                   std::span<const TimeNs> b);

// Pearson correlation of the pairs; NaN when fewer than two points or either side is constant.
double Correlation(std::span<const double> x, std::span<const double> y);

struct Extreme {
  double value = std::numeric_limits<double>::quiet_NaN();
  long index = -1;  // bar of run a
};

struct EquityComparison {
  size_t points = 0;           // bars present in both runs
  size_t bars_differing = 0;   // of those, with equity apart beyond the tolerance
  long first_difference = -1;  // first such bar of run a; -1 when none
  double correlation = std::numeric_limits<double>::quiet_NaN();
  Extreme max_gap;                                              // largest |b − a| in cash
  Extreme max_gap_rel;                                          // largest |b − a| / |a|
  double final_gap = std::numeric_limits<double>::quiet_NaN();  // b − a at the last common bar
  double drawdown_correlation = std::numeric_limits<double>::quiet_NaN();
  Extreme max_drawdown_gap;  // largest |dd_b − dd_a| (positive fractions)

  nlohmann::json ToJson(std::span<const TimeNs> time_a) const;
};

// Compares two equity curves over their common bars; `tol` decides which bars differ.
EquityComparison CompareEquity(std::span<const double> equity_a, std::span<const TimeNs> time_a,
                               std::span<const double> equity_b, std::span<const TimeNs> time_b,
                               const Tolerance& tol);

// The bar indices a chart draws for curves of `n` points: all of them when n <= max_points;
// otherwise the first and last bar and, in each of about max_points / (2 · series) buckets, the
// bars holding each series' minimum and maximum (so no peak or trough is lost), sorted.
std::vector<size_t> ChartIndices(const std::vector<std::span<const double>>& series, size_t n,
                                 size_t max_points);

}  // namespace btr::compare
