// Moments: the sufficient statistics of a series of per-period returns (count, mean and the
// central moment sums M2..M4), built one value at a time (Welford/Pébay) or by merging the
// statistics of two disjoint parts (Chan/Pébay pairwise update). A sweep keeps one Moments per
// trial and per time block; the Sharpe ratio, skewness and kurtosis of any union of blocks then
// come without the returns themselves (docs/optimization.md, "Overfitting statistics").
//
// Units: a Moments holds whatever the values are in, normally per-period (daily) fractional
// returns (0.01 = +1 %). mean is in those units, m2 in units², m3 in units³, m4 in units⁴.
// Every statistic below is per period: nothing is annualized.
//
// Value type; thread-compatible. Merging is exact in real arithmetic and stable in floating
// point: merging k blocks agrees with adding all values in order to ~1e-12 relative.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace btr {

struct Moments {
  double n = 0;     // number of values added (a count held as a double)
  double mean = 0;  // arithmetic mean of the values; 0 when n == 0
  double m2 = 0;    // Σ (x − mean)²
  double m3 = 0;    // Σ (x − mean)³
  double m4 = 0;    // Σ (x − mean)⁴

  // Adds one value. A NaN or infinite value makes every statistic NaN or infinite; callers
  // filter such values first.
  void Add(double x);

  // The moments of the union of the two value sets a and b (order does not matter). Either may
  // be empty.
  static Moments Merge(const Moments& a, const Moments& b);
  // The moments of `values` in two passes (the mean, then the central power sums): the same
  // numbers as Add() over them up to rounding, several times faster on long spans.
  static Moments Of(std::span<const double> values);

  // Sample variance M2 / (n − 1); NaN when n < 2.
  double Variance() const;
  // √Variance(); NaN when n < 2.
  double StdDev() const;
  // Sample skewness g₁ = √n·M3 / M2^1.5 (the moment ratio, without small-sample correction);
  // NaN when n < 2 or M2 == 0.
  double Skewness() const;
  // NON-excess kurtosis n·M4 / M2² (3 for a normal distribution, the convention of PSR/DSR);
  // NaN when n < 2 or M2 == 0.
  double Kurtosis() const;
  // Per-period Sharpe ratio mean / StdDev(), no risk-free rate, not annualized (multiply by
  // √periods-per-year for that). NaN when n < 2 or the standard deviation is zero; see
  // SharpeFromMeanVariance for what counts as zero.
  double Sharpe() const;
};

// mean / √variance, or NaN when either is NaN, variance ≤ 0, or the standard deviation is
// rounding noise next to the mean (√variance ≤ 1e-12·|mean|: a constant return series merged
// from blocks computed apart). The one definition of "Sharpe undefined" in engines/optimize.
double SharpeFromMeanVariance(double mean, double variance);

// The Moments of `blocks` contiguous, equal-length blocks of `returns`, in time order. As in
// CSCV, the first returns.size() % blocks values are dropped so that every block has
// returns.size() / blocks values. Returns an empty vector when blocks == 0; when
// returns.size() < blocks every block is empty (n == 0).
std::vector<Moments> BlockMoments(std::span<const double> returns, size_t blocks);

}  // namespace btr
