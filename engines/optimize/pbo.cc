#include "engines/optimize/pbo.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kWorst = -std::numeric_limits<double>::infinity();
constexpr size_t kMaxBlocks = 24;
// Two signed squared Sharpe ratios within this relative distance are a tie.
constexpr double kTieRelative = 1e-10;
// n·mean within this fraction of its summands' magnitude is rounding noise: a zero mean.
constexpr double kZeroMeanRelative = 1e-12;
// sd ≤ 1e-12·|mean| is undefined, as in SharpeFromMeanVariance; squared here.
constexpr double kZeroVarianceRelative = 1e-24;
// IS sums are recomputed from scratch this often, bounding the drift of the O(1) updates.
constexpr size_t kRefreshEvery = 256;
constexpr size_t kCancelEvery = 64;

// Per-block power sums of each trial, shifted by the trial's overall mean for precision:
// s1 = Σ (x − shift), s2 = Σ (x − shift)². Stored block-major ([block][trial]) so a combination
// step streams two blocks' arrays.
struct ShiftedSums {
  size_t trials = 0, blocks = 0;
  std::vector<double> shift;                   // [trial]
  std::vector<std::vector<double>> n, s1, s2;  // [block][trial]
  std::vector<double> n_all, s1_all, s2_all;   // [trial], over every block
};

bool FiniteMoments(const Moments& m) {
  return std::isfinite(m.n) && m.n >= 0 && std::isfinite(m.mean) && std::isfinite(m.m2) &&
         m.m2 >= 0;
}

ShiftedSums BuildShiftedSums(const std::vector<std::vector<Moments>>& blocks) {
  ShiftedSums s;
  s.trials = blocks.size();
  s.blocks = blocks.front().size();
  s.shift.assign(s.trials, 0.0);
  s.n.assign(s.blocks, std::vector<double>(s.trials, 0.0));
  s.s1 = s.n;
  s.s2 = s.n;
  s.n_all.assign(s.trials, 0.0);
  s.s1_all = s.n_all;
  s.s2_all = s.n_all;
  for (size_t t = 0; t < s.trials; ++t) {
    // A trial with a non-finite block is left empty: undefined (the worst) everywhere.
    if (!std::all_of(blocks[t].begin(), blocks[t].end(), FiniteMoments)) continue;
    Moments all;
    for (const Moments& m : blocks[t]) all = Moments::Merge(all, m);
    s.shift[t] = all.mean;
    for (size_t b = 0; b < s.blocks; ++b) {
      const Moments& m = blocks[t][b];
      const double d = m.mean - all.mean;
      s.n[b][t] = m.n;
      s.s1[b][t] = m.n * d;
      s.s2[b][t] = m.m2 + m.n * d * d;
      s.n_all[t] += s.n[b][t];
      s.s1_all[t] += s.s1[b][t];
      s.s2_all[t] += s.s2[b][t];
    }
  }
  return s;
}

// n·mean of a set from its shifted sums; 0 when within rounding of 0.
double NTimesMean(double n, double s1, double shift) {
  const double a = s1 + shift * n;
  return std::fabs(a) <= kZeroMeanRelative * (std::fabs(s1) + std::fabs(shift * n)) ? 0.0 : a;
}

// Sharpe·|Sharpe| of a set from its shifted sums (monotone in the Sharpe ratio, no square
// root), or −∞ when the Sharpe ratio is undefined. Sharpe² = a²·(n − 1) / (n·(n·s2 − s1²)).
double SignedSquaredSharpe(double n, double s1, double s2, double shift) {
  if (!(n >= 2)) return kWorst;
  const double a = NTimesMean(n, s1, shift);
  const double spread = n * s2 - s1 * s1;  // n·M2
  if (!(spread > kZeroVarianceRelative * a * a * (n - 1) / n)) return kWorst;
  return a * std::fabs(a) * (n - 1) / (n * spread);
}

double SharpeFromSignedSquare(double q) {
  if (q == kWorst) return kNaN;
  return q < 0 ? -std::sqrt(-q) : std::sqrt(q);
}

// Equal, or both finite and within kTieRelative of each other (−∞ ties only with −∞).
bool Tied(double a, double b) {
  if (a == b) return true;
  if (!std::isfinite(a) || !std::isfinite(b)) return false;
  return std::fabs(a - b) <= kTieRelative * std::max(std::fabs(a), std::fabs(b));
}

// The running IS sums of every trial for the current combination; OOS = all − IS.
class CombinationScan {
 public:
  explicit CombinationScan(const ShiftedSums& sums)
      : sums_(sums),
        n_(sums.trials),
        s1_(sums.trials),
        s2_(sums.trials),
        q_is_(sums.trials),
        q_oos_(sums.trials) {}

  // IS = the blocks of `mask`, summed from scratch in block order.
  void Reset(uint32_t mask) {
    std::fill(n_.begin(), n_.end(), 0.0);
    std::fill(s1_.begin(), s1_.end(), 0.0);
    std::fill(s2_.begin(), s2_.end(), 0.0);
    for (size_t b = 0; b < sums_.blocks; ++b) {
      if (mask & (1u << b)) Move(b, +1);
    }
  }

  // IS gains block `in` and loses block `out`.
  void Swap(size_t in, size_t out) {
    Move(in, +1);
    Move(out, -1);
  }

  struct Outcome {
    size_t winner = 0;
    double rank = 0;  // 1 = worst OOS, N = best; average over ties
    double is_q = kWorst, oos_q = kWorst;
    double oos_n_mean = 0;  // n·mean of the winner's OOS returns
  };

  Outcome Evaluate() {
    const size_t trials = sums_.trials;
    size_t top = 0;
    for (size_t t = 0; t < trials; ++t) {
      const double shift = sums_.shift[t];
      q_is_[t] = SignedSquaredSharpe(n_[t], s1_[t], s2_[t], shift);
      q_oos_[t] = SignedSquaredSharpe(sums_.n_all[t] - n_[t], sums_.s1_all[t] - s1_[t],
                                      sums_.s2_all[t] - s2_[t], shift);
      if (q_is_[t] > q_is_[top]) top = t;
    }
    Outcome out;
    out.winner = top;
    for (size_t t = 0; t < top; ++t) {
      if (Tied(q_is_[t], q_is_[top])) {
        out.winner = t;
        break;
      }
    }
    const size_t w = out.winner;
    out.is_q = q_is_[w];
    out.oos_q = q_oos_[w];
    double below = 0, tied = 0;
    for (size_t t = 0; t < trials; ++t) {
      if (Tied(q_oos_[t], out.oos_q)) {
        tied += 1;
      } else if (q_oos_[t] < out.oos_q) {
        below += 1;
      }
    }
    out.rank = below + (tied + 1) / 2;
    out.oos_n_mean = NTimesMean(sums_.n_all[w] - n_[w], sums_.s1_all[w] - s1_[w], sums_.shift[w]);
    return out;
  }

 private:
  void Move(size_t block, double sign) {
    const double* n = sums_.n[block].data();
    const double* s1 = sums_.s1[block].data();
    const double* s2 = sums_.s2[block].data();
    for (size_t t = 0; t < sums_.trials; ++t) {
      n_[t] += sign * n[t];
      s1_[t] += sign * s1[t];
      s2_[t] += sign * s2[t];
    }
  }

  const ShiftedSums& sums_;
  std::vector<double> n_, s1_, s2_;   // IS sums per trial
  std::vector<double> q_is_, q_oos_;  // scratch of Evaluate
};

void EmitRevolvingDoor(size_t n, size_t k, uint32_t extra, bool reversed,
                       std::vector<uint32_t>& out) {
  if (k == 0) {
    out.push_back(extra);
  } else if (k == n) {
    out.push_back(extra | ((1u << n) - 1));
  } else if (!reversed) {  // R(n, k) = R(n−1, k), then R(n−1, k−1) reversed plus element n−1
    EmitRevolvingDoor(n - 1, k, extra, false, out);
    EmitRevolvingDoor(n - 1, k - 1, extra | (1u << (n - 1)), true, out);
  } else {
    EmitRevolvingDoor(n - 1, k - 1, extra | (1u << (n - 1)), false, out);
    EmitRevolvingDoor(n - 1, k, extra, true, out);
  }
}

Status ValidatePboInput(const std::vector<std::vector<Moments>>& blocks, const PboOptions& opts) {
  if (blocks.size() < 2) {
    return Status::InvalidArgument("blocks: PBO needs at least 2 trials, got " +
                                   std::to_string(blocks.size()));
  }
  const size_t s = blocks.front().size();
  for (size_t t = 1; t < blocks.size(); ++t) {
    if (blocks[t].size() != s) {
      return Status::InvalidArgument("blocks[" + std::to_string(t) + "]: has " +
                                     std::to_string(blocks[t].size()) + " blocks, trial 0 has " +
                                     std::to_string(s) +
                                     "; every trial needs the same blocks of the same periods");
    }
  }
  if (s < 2 || s > kMaxBlocks || s % 2 != 0) {
    return Status::InvalidArgument(
        "blocks: the number of blocks per trial must be even and in 2..24 (16 is usual), got " +
        std::to_string(s));
  }
  if (opts.histogram_bins == 0) {
    return Status::InvalidArgument("histogram_bins: expected at least 1, got 0");
  }
  return Status::Ok();
}

// OLS of y on x over the pairs where both are finite.
void FitDegradation(const std::vector<double>& x, const std::vector<double>& y, PboResult& r) {
  double count = 0, mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    count += 1;
    mean_x += (x[i] - mean_x) / count;
    mean_y += (y[i] - mean_y) / count;
  }
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    syy += (y[i] - mean_y) * (y[i] - mean_y);
  }
  r.degradation_points = static_cast<size_t>(count);
  r.degradation_slope = r.degradation_intercept = r.degradation_r2 = kNaN;
  if (count < 2 || !(sxx > 0)) return;
  r.degradation_slope = sxy / sxx;
  r.degradation_intercept = mean_y - r.degradation_slope * mean_x;
  if (syy > 0) r.degradation_r2 = sxy * sxy / (sxx * syy);
}

void FillHistogram(size_t bins, PboResult& r) {
  const double half_range = std::log(static_cast<double>(r.trials));
  const double b = static_cast<double>(bins);
  r.histogram_edges.resize(bins + 1);
  for (size_t k = 0; k <= bins; ++k) {
    // Written so that the middle edge of an even count is exactly 0.
    r.histogram_edges[k] = half_range * (2 * static_cast<double>(k) - b) / b;
  }
  r.histogram_counts.assign(bins, 0);
  for (double lambda : r.logits) {
    // The first edge ≥ λ closes λ's bin (bins are (e_k, e_k+1]).
    const auto edge = std::lower_bound(r.histogram_edges.begin(), r.histogram_edges.end(), lambda);
    const size_t closing = static_cast<size_t>(edge - r.histogram_edges.begin());
    r.histogram_counts[std::clamp<size_t>(closing, 1, bins) - 1] += 1;
  }
}

}  // namespace

std::vector<uint32_t> HalfCombinations(size_t blocks) {
  std::vector<uint32_t> out;
  EmitRevolvingDoor(blocks, blocks / 2, 0, false, out);
  return out;
}

Result<PboResult> ComputePbo(const std::vector<std::vector<Moments>>& blocks,
                             const PboOptions& opts) {
  BTR_RETURN_IF_ERROR(ValidatePboInput(blocks, opts));
  const ShiftedSums sums = BuildShiftedSums(blocks);
  const std::vector<uint32_t> masks = HalfCombinations(sums.blocks);
  PboResult r;
  r.trials = sums.trials;
  r.blocks = sums.blocks;
  r.combinations = masks.size();
  r.logits.reserve(masks.size());
  r.winner_is_sharpe.reserve(masks.size());
  r.winner_oos_sharpe.reserve(masks.size());
  const double trials = static_cast<double>(r.trials);
  const size_t progress_every = std::max<size_t>(1, masks.size() / 100);
  double overfit = 0, losses = 0;
  CombinationScan scan(sums);
  for (size_t c = 0; c < masks.size(); ++c) {
    if (c % kCancelEvery == 0 && opts.cancel && opts.cancel->load(std::memory_order_relaxed)) {
      return Status::Cancelled("PBO computation cancelled after " + std::to_string(c) + " of " +
                               std::to_string(masks.size()) + " combinations");
    }
    if (c % kRefreshEvery == 0) {
      scan.Reset(masks[c]);
    } else {
      const uint32_t changed = masks[c] ^ masks[c - 1];
      scan.Swap(static_cast<size_t>(std::countr_zero(changed & masks[c])),
                static_cast<size_t>(std::countr_zero(changed & masks[c - 1])));
    }
    const CombinationScan::Outcome o = scan.Evaluate();
    const double omega = o.rank / (trials + 1);
    r.logits.push_back(std::log(omega / (1 - omega)));
    if (o.rank <= (trials + 1) / 2) overfit += 1;
    if (o.oos_n_mean < 0) losses += 1;
    r.winner_is_sharpe.push_back(SharpeFromSignedSquare(o.is_q));
    r.winner_oos_sharpe.push_back(SharpeFromSignedSquare(o.oos_q));
    if (opts.progress && ((c + 1) % progress_every == 0 || c + 1 == masks.size())) {
      opts.progress(c + 1, masks.size());
    }
  }
  const double combinations = static_cast<double>(r.combinations);
  r.pbo = overfit / combinations;
  r.prob_oos_loss = losses / combinations;
  FitDegradation(r.winner_is_sharpe, r.winner_oos_sharpe, r);
  FillHistogram(opts.histogram_bins, r);
  return r;
}

}  // namespace btr
