// The Probability of Backtest Overfitting by combinatorially symmetric cross-validation (CSCV;
// Bailey, Borwein, López de Prado & Zhu 2014/2016), computed from per-block return moments.
//
// Input: for each of N trials, the Moments of its per-period returns over the same S contiguous
// time blocks (BlockMoments). For every one of the C(S, S/2) ways to pick S/2 blocks as
// in-sample (IS) — the other S/2 are out-of-sample (OOS):
//   * the metric of a trial on a set of blocks is the per-period Sharpe ratio of the merged
//     moments of those blocks;
//   * n* = the IS winner (highest IS Sharpe; among ties, the lowest trial index);
//   * ω = rank of n*'s OOS Sharpe among all N OOS Sharpes / (N + 1), rank 1 = worst, N = best,
//     ties get their average rank; λ = ln(ω / (1 − ω)), the logit;
//   * PBO = the fraction of combinations with λ ≤ 0 (the IS winner at or below the OOS median).
// A trial whose Sharpe is undefined on a set of blocks (fewer than 2 returns, zero variance, or
// non-finite moments) counts as the worst on that set: below every defined trial, tied with
// the other undefined ones. Two Sharpe ratios within ~5e-11 relative of each other are a tie
// (so trials with proportional returns, e.g. a position-size parameter, tie as they should).
// docs/optimization.md ("Overfitting statistics") explains how to read the outputs.
//
// Cost: O(C(S, S/2)·N) time (12,870·N for S = 16), O(S·N) memory, one thread. Consecutive
// combinations differ by one block in and one out (revolving-door order), so each trial's IS
// sums are updated in O(1) per combination from shifted power sums; bench/pbo_bench.cc prints
// the figures. Deterministic: the same input gives bit-identical output.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "engines/core/status.h"
#include "engines/optimize/moments.h"

namespace btr {

struct PboOptions {
  // Bins of the logit histogram, spread evenly over [−ln N, ln N] (the range λ can take). An
  // even count keeps 0 an edge. Must be ≥ 1. Default 20.
  size_t histogram_bins = 20;
  // When set and true, ComputePbo stops within 64 combinations and returns kCancelled. Not
  // owned; must outlive the call. Default: none.
  const std::atomic<bool>* cancel = nullptr;
  // Called on the calling thread with (combinations done, total) about every 1 % and at the
  // end. Default: none.
  std::function<void(size_t done, size_t total)> progress;
};

struct PboResult {
  size_t trials = 0;        // N
  size_t blocks = 0;        // S
  size_t combinations = 0;  // C(S, S/2)
  double pbo = 0;           // fraction of combinations with λ ≤ 0, in [0, 1]
  // λ of every combination, in enumeration order (treat as an unordered sample), each in
  // [−ln N, ln N].
  std::vector<double> logits;
  // The IS winner's per-period Sharpe ratio IS and OOS, per combination (same order as
  // logits); NaN where undefined.
  std::vector<double> winner_is_sharpe, winner_oos_sharpe;
  // Ordinary least squares of the winner's OOS Sharpe on its IS Sharpe over the combinations
  // where both are defined: OOS ≈ intercept + slope·IS (per-period Sharpe units; slope is
  // dimensionless). NaN when fewer than 2 points or the IS values do not vary; r2 is NaN when
  // the OOS values do not vary either.
  double degradation_slope = 0, degradation_intercept = 0, degradation_r2 = 0;
  size_t degradation_points = 0;  // combinations used in the regression
  // Fraction of combinations whose IS winner lost money OOS (OOS mean return < 0), in [0, 1].
  double prob_oos_loss = 0;
  // Histogram of the logits: histogram_bins + 1 increasing edges from −ln N to ln N; bin k
  // counts λ in (edge k, edge k+1], the first bin also counts λ == −ln N. With an even bin
  // count, the bins left of 0 hold exactly the combinations counted in pbo.
  std::vector<double> histogram_edges;
  std::vector<size_t> histogram_counts;
};

// CSCV over blocks[trial][block]. InvalidArgument (naming the field) when there are fewer than 2
// trials, the trials have different block counts, the block count is odd or outside 2..24, or
// histogram_bins is 0; kCancelled when opts.cancel was raised.
Result<PboResult> ComputePbo(const std::vector<std::vector<Moments>>& blocks,
                             const PboOptions& opts = {});

// All C(blocks, blocks/2) subsets of {0..blocks−1} of size blocks/2 as bit masks (bit b = block
// b is in-sample), in revolving-door order: consecutive masks differ by exactly one block in and
// one block out. The first is the lowest blocks/2 bits. REQUIRES: blocks ≤ 24 and even.
std::vector<uint32_t> HalfCombinations(size_t blocks);

}  // namespace btr
