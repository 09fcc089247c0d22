#include "engines/optimize/pbo.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "tests/engines/optimize/overfit_noise.h"

namespace btr {
namespace {

using Returns = std::vector<std::vector<double>>;  // [trial][period]

std::vector<std::vector<Moments>> Blocks(const Returns& returns, size_t s) {
  std::vector<std::vector<Moments>> out;
  for (const auto& r : returns) out.push_back(BlockMoments(r, s));
  return out;
}

// ---- An independent, brute-force CSCV on the raw returns -----------------------------------

// Sharpe of the values by the two-pass method in long double; −∞ when undefined.
double NaiveSharpe(const std::vector<double>& v) {
  if (v.size() < 2) return -std::numeric_limits<double>::infinity();
  long double mean = 0, ss = 0;
  for (double x : v) mean += static_cast<long double>(x);
  mean /= static_cast<long double>(v.size());
  for (double x : v) {
    const long double d = static_cast<long double>(x) - mean;
    ss += d * d;
  }
  const long double sd = std::sqrt(ss / static_cast<long double>(v.size() - 1));
  if (sd <= 1e-12L * std::fabs(mean)) return -std::numeric_limits<double>::infinity();
  return static_cast<double>(mean / sd);
}

bool NaiveTie(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

struct NaivePbo {
  double pbo = 0;
  std::vector<double> logits;  // sorted
};

NaivePbo NaiveCscv(const Returns& returns, size_t s) {
  const size_t n = returns.size(), t = returns[0].size(), len = t / s, skip = t % s;
  std::vector<bool> in_sample(s, false);
  std::fill(in_sample.begin(), in_sample.begin() + static_cast<long>(s / 2), true);
  NaivePbo out;
  double overfit = 0;
  do {  // every arrangement of S/2 "true" among S
    std::vector<double> is(n), oos(n);
    for (size_t k = 0; k < n; ++k) {
      std::vector<double> a, b;
      for (size_t blk = 0; blk < s; ++blk) {
        for (size_t i = skip + blk * len; i < skip + (blk + 1) * len; ++i) {
          (in_sample[blk] ? a : b).push_back(returns[k][i]);
        }
      }
      is[k] = NaiveSharpe(a);
      oos[k] = NaiveSharpe(b);
    }
    const double top = *std::max_element(is.begin(), is.end());
    size_t winner = 0;
    while (!NaiveTie(is[winner], top)) ++winner;
    // Average ranks by sorting: runs of tied values share the mean of their positions.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return oos[x] < oos[y]; });
    double rank = 0;
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && NaiveTie(oos[order[j]], oos[order[i]])) ++j;
      for (size_t p = i; p < j; ++p) {
        if (order[p] == winner) rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
      }
      i = j;
    }
    const double omega = rank / static_cast<double>(n + 1);
    out.logits.push_back(std::log(omega / (1 - omega)));
    if (omega <= 0.5) overfit += 1;
  } while (std::prev_permutation(in_sample.begin(), in_sample.end()));
  out.pbo = overfit / static_cast<double>(out.logits.size());
  std::sort(out.logits.begin(), out.logits.end());
  return out;
}

// ---- Tests -------------------------------------------------------------------------------

TEST_CASE("half combinations come in revolving-door order and cover every subset once") {
  const size_t expected[] = {0, 2, 6, 20, 70, 252, 924, 3432, 12870};
  for (size_t s = 2; s <= 16; s += 2) {
    const std::vector<uint32_t> masks = HalfCombinations(s);
    REQUIRE(masks.size() == expected[s / 2]);
    CHECK(masks.front() == (1u << (s / 2)) - 1);
    CHECK(std::set<uint32_t>(masks.begin(), masks.end()).size() == masks.size());
    for (size_t c = 0; c < masks.size(); ++c) {
      CHECK(static_cast<size_t>(std::popcount(masks[c])) == s / 2);
      CHECK(masks[c] < (1u << s));
      if (c > 0) CHECK(std::popcount(masks[c] ^ masks[c - 1]) == 2);
    }
  }
  CHECK(HalfCombinations(24).size() == 2704156);
}

TEST_CASE("a hand-computed case: ranks with a tie, PBO, degradation and OOS loss") {
  // Five trials, two blocks of two returns. Per-block Sharpe ratios (mean / sample sd):
  //   {1,3}: 2/√2 = √2   {0,2}: 1/√2   {−1,1}: 0   {−3,−1}: −√2   {0,4}: 2/(2√2) = 1/√2
  //   {−2,1}: −0.5/(3/√2) = −√2/6   {1,5}: 3/(2√2)
  //          block 0      block 1
  //   A      √2           1/√2
  //   B      −√2/6        3/(2√2)
  //   C      1/√2         0
  //   D      1/√2         −√2
  //   E      −√2          1/√2
  const Returns returns = {
      {1, 3, 0, 2}, {-2, 1, 1, 5}, {0, 2, -1, 1}, {0, 2, -3, -1}, {-3, -1, 0, 4}};
  const Result<PboResult> r = ComputePbo(Blocks(returns, 2));
  REQUIRE(r.ok());
  CHECK(r->trials == 5);
  CHECK(r->blocks == 2);
  REQUIRE(r->combinations == 2);
  // Combination 1, IS = block 0: A wins (√2). OOS ascending: D −√2 (1), C 0 (2), A and E tie at
  // 1/√2 (3 and 4: 3.5 each), B (5). ω = 3.5/6, λ = ln(3.5/2.5) = ln 1.4 > 0.
  CHECK(r->logits[0] == Approx(std::log(1.4)).epsilon(1e-12));
  // Combination 2, IS = block 1: B wins (3/(2√2)). OOS ascending: E −√2 (1), B −√2/6 (2), C and
  // D (3.5), A (5). ω = 2/6, λ = ln(0.5) ≤ 0: overfit.
  CHECK(r->logits[1] == Approx(std::log(0.5)).epsilon(1e-12));
  CHECK(r->pbo == 0.5);
  // The OOS winner lost money in combination 2 only (B's block 0 mean is −0.5).
  CHECK(r->prob_oos_loss == 0.5);
  const double rt2 = std::sqrt(2.0);
  CHECK(r->winner_is_sharpe[0] == Approx(rt2));
  CHECK(r->winner_oos_sharpe[0] == Approx(1 / rt2));
  CHECK(r->winner_is_sharpe[1] == Approx(3 / (2 * rt2)));
  CHECK(r->winner_oos_sharpe[1] == Approx(-rt2 / 6));
  // Line through (√2, √2/2) and (3√2/4, −√2/6): slope (2√2/3)/(√2/4) = 8/3,
  // intercept √2/2 − 8√2/3 = −13√2/6; two points fit exactly.
  CHECK(r->degradation_points == 2);
  CHECK(r->degradation_slope == Approx(8.0 / 3).epsilon(1e-12));
  CHECK(r->degradation_intercept == Approx(-13 * rt2 / 6).epsilon(1e-12));
  CHECK(r->degradation_r2 == Approx(1.0));
  // Histogram: 20 bins over ±ln 5, 0 an edge; ln 1.4 lands in bin 12, ln 0.5 in bin 5.
  REQUIRE(r->histogram_edges.size() == 21);
  CHECK(r->histogram_edges.front() == Approx(-std::log(5.0)));
  CHECK(r->histogram_edges[10] == 0);
  CHECK(r->histogram_counts[12] == 1);
  CHECK(r->histogram_counts[5] == 1);
  CHECK(std::accumulate(r->histogram_counts.begin(), r->histogram_counts.end(), size_t{0}) == 2);
}

TEST_CASE("a trial without a defined Sharpe ratio counts as the worst") {
  // P: {1,3 | 0,2} → √2, 1/√2.  Q: {0,2 | 5,5} → 1/√2, undefined (constant).
  // R: {−1,1 | −3,−1} → 0, −√2.  S: a non-finite block 0 and a splendid block 1 → undefined in
  // every set it belongs to (non-finite moments poison the whole trial).
  std::vector<std::vector<Moments>> blocks =
      Blocks({{1, 3, 0, 2}, {0, 2, 5, 5}, {-1, 1, -3, -1}}, 2);
  Moments broken;
  broken.n = 2;
  broken.mean = std::numeric_limits<double>::quiet_NaN();
  Moments splendid;
  for (double x : {10.0, 10.1}) splendid.Add(x);
  blocks.push_back({broken, splendid});
  const Result<PboResult> r = ComputePbo(blocks);
  REQUIRE(r.ok());
  // IS block 0: P wins. OOS block 1: Q and S undefined tie at the bottom (1.5), R (3), P (4).
  CHECK(r->logits[0] == Approx(std::log(4.0)));
  // IS block 1: P (1/√2) wins, not the undefined Q nor S. OOS block 0: S (1), R (2), Q (3),
  // P (4).
  CHECK(r->winner_is_sharpe[1] == Approx(1 / std::sqrt(2.0)));
  CHECK(r->logits[1] == Approx(std::log(4.0)));
  CHECK(r->pbo == 0);
}

TEST_CASE("PBO and the logits equal a brute-force CSCV on the raw returns") {
  testing::GaussianNoise noise(2024);
  // S = 16 runs 12,870 combinations: past the periodic recomputation of the running sums.
  for (size_t s : {4, 6, 8, 16}) {
    for (int dataset = 0; dataset < (s == 16 ? 1 : 4); ++dataset) {
      Returns returns;
      for (int k = 0; k < 7; ++k) returns.push_back(noise.Series(61, 0.0003 * k, 0.01));
      returns.push_back(returns[2]);  // an exact duplicate: ties everywhere
      std::vector<double> tripled = returns[4];
      for (double& x : tripled) x *= 3;  // same Sharpe ratios up to rounding
      returns.push_back(tripled);
      std::vector<double> flat_block = noise.Series(61, 0.001, 0.02);
      std::fill(flat_block.begin(), flat_block.begin() + 25, 0.0);  // an undefined first block
      returns.push_back(flat_block);
      const Result<PboResult> r = ComputePbo(Blocks(returns, s));
      REQUIRE(r.ok());
      const NaivePbo naive = NaiveCscv(returns, s);
      CHECK(r->pbo == naive.pbo);
      std::vector<double> logits = r->logits;
      std::sort(logits.begin(), logits.end());
      REQUIRE(logits.size() == naive.logits.size());
      for (size_t c = 0; c < logits.size(); ++c) {
        CHECK(logits[c] == Approx(naive.logits[c]).margin(1e-12));
      }
    }
  }
}

double NoisePbo(testing::GaussianNoise& noise, double drift_of_trial_17) {
  Returns returns;
  for (int k = 0; k < 50; ++k)
    returns.push_back(noise.Series(800, k == 17 ? drift_of_trial_17 : 0, 1));
  const Result<PboResult> r = ComputePbo(Blocks(returns, 8));
  REQUIRE(r.ok());
  const size_t total =
      std::accumulate(r->histogram_counts.begin(), r->histogram_counts.end(), size_t{0});
  CHECK(total == r->combinations);
  const size_t left_of_zero =
      std::accumulate(r->histogram_counts.begin(), r->histogram_counts.begin() + 10, size_t{0});
  CHECK(r->pbo == static_cast<double>(left_of_zero) / static_cast<double>(r->combinations));
  return r->pbo;
}

TEST_CASE("pure noise gives a PBO near one half on average") {
  testing::GaussianNoise noise(99);
  double sum = 0;
  for (int dataset = 0; dataset < 20; ++dataset) {
    const double pbo = NoisePbo(noise, 0);
    CHECK(pbo >= 0);
    CHECK(pbo <= 1);
    sum += pbo;
  }
  const double mean = sum / 20;
  CHECK(mean > 0.35);
  CHECK(mean < 0.65);
}

TEST_CASE("one trial with a real edge gives a PBO of zero") {
  testing::GaussianNoise noise(5);
  for (int dataset = 0; dataset < 3; ++dataset) CHECK(NoisePbo(noise, 0.3) == 0);
}

TEST_CASE("PBO checks its input, reports progress and stops when cancelled") {
  const Returns two = {{1, 2, 3, 4}, {2, 1, 4, 3}};
  CHECK(ComputePbo(Blocks({{1, 2, 3, 4}}, 2)).status().message().find("at least 2 trials") !=
        std::string::npos);
  std::vector<std::vector<Moments>> ragged = Blocks(two, 2);
  ragged[1].pop_back();
  CHECK(ComputePbo(ragged).status().message().find("blocks[1]") == 0);
  CHECK(ComputePbo(Blocks(two, 3)).status().code() == StatusCode::kInvalidArgument);
  CHECK(ComputePbo(Blocks(two, 26)).status().message().find("2..24") != std::string::npos);
  PboOptions no_bins;
  no_bins.histogram_bins = 0;
  CHECK(ComputePbo(Blocks(two, 2), no_bins).status().message().find("histogram_bins") == 0);

  testing::GaussianNoise noise(3);
  Returns returns;
  for (int k = 0; k < 5; ++k) returns.push_back(noise.Series(160, 0, 1));
  PboOptions opts;
  std::vector<size_t> done;
  opts.progress = [&](size_t d, size_t total) {
    CHECK(total == 12870);
    done.push_back(d);
  };
  REQUIRE(ComputePbo(Blocks(returns, 16), opts).ok());
  REQUIRE(!done.empty());
  CHECK(std::is_sorted(done.begin(), done.end()));
  CHECK(done.back() == 12870);
  CHECK(done.size() <= 101);

  std::atomic<bool> cancel{true};
  opts.cancel = &cancel;
  CHECK(ComputePbo(Blocks(returns, 16), opts).status().code() == StatusCode::kCancelled);
}

}  // namespace
}  // namespace btr
