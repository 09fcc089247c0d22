// The building blocks of the Monte Carlo study: the generator, the returns a run is reduced to,
// the index sequences of each method, compounding and percentiles.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "engines/optimize/monte_carlo.h"
#include "engines/optimize/monte_carlo_random.h"

namespace btr {
namespace {

TradeRecord Closed(long entry_bar, long exit_bar, double pnl) {
  TradeRecord t;
  t.entry_bar = entry_bar;
  t.exit_bar = exit_bar;
  t.pnl = pnl;
  t.exit_price = 1;
  return t;
}

TEST_CASE("monte carlo random: SplitMix64 and xoshiro256** give the reference sequences") {
  // Reference values from the published algorithms, computed with an independent Python
  // transcription of them.
  SplitMix64 split(0);
  CHECK(split.Next() == 0xe220a8397b1dcdafULL);
  CHECK(split.Next() == 0x6e789e6aa1b965f4ULL);
  CHECK(split.Next() == 0x06c45d188009454fULL);
  Xoshiro256 rng(42);
  CHECK(rng.Next() == 0x15780b2e0c2ec716ULL);
  CHECK(rng.Next() == 0x6104d9866d113a7eULL);
  CHECK(rng.Next() == 0xae17533239e499a1ULL);
}

TEST_CASE("monte carlo random: bounded and unit draws stay in range and are near uniform") {
  Xoshiro256 rng(7);
  std::vector<int> counts(3, 0);
  constexpr int kDraws = 30000;
  for (int k = 0; k < kDraws; ++k) {
    const uint64_t v = rng.NextBelow(3);
    REQUIRE(v < 3);
    ++counts[v];
    const double u = rng.NextUnit();
    REQUIRE(u >= 0);
    REQUIRE(u < 1);
  }
  // Each count is Binomial(30000, 1/3): sd ≈ 82; 6 sd of slack.
  for (int c : counts) CHECK(std::abs(c - kDraws / 3) < 500);
  CHECK(rng.NextBelow(1) == 0);
}

TEST_CASE("monte carlo: trade returns are pnl over the equity before entry, in closing order") {
  const std::vector<double> equity = {100, 100, 110, 110, 99, 99};
  // Given out of order, with an open trade that must be skipped.
  TradeRecord open = Closed(4, -1, 5);
  open.exit_price = kNoPrice;
  const std::vector<TradeRecord> trades = {Closed(3, 4, -11), open, Closed(1, 2, 10),
                                           Closed(0, 5, 3)};
  MonteCarloRun run{.initial_cash = 100, .equity = equity, .trades = trades};
  Result<std::vector<double>> returns = TradeReturns(run);
  REQUIRE(returns.ok());
  REQUIRE(returns->size() == 3);
  CHECK((*returns)[0] == Approx(10.0 / 100));   // entered on bar 1: equity[0]
  CHECK((*returns)[1] == Approx(-11.0 / 110));  // entered on bar 3: equity[2]
  CHECK((*returns)[2] == Approx(3.0 / 100));    // entered on bar 0: the initial cash

  const std::vector<TradeRecord> beyond = {Closed(9, 10, 1)};
  run.trades = beyond;
  Result<std::vector<double>> bad = TradeReturns(run);
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().rfind("trades[0].entry_bar: ", 0) == 0);

  const std::vector<double> ruined = {100, 0, 0};
  const std::vector<TradeRecord> after_ruin = {Closed(2, 2, 1)};
  run.equity = ruined;
  run.trades = after_ruin;
  CHECK(TradeReturns(run).status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("monte carlo: daily returns take each calendar day's last equity, from the cash") {
  const TimeNs day = kNsPerDay, hour = kNsPerHour;
  const TimeNs d0 = DaysFromCivil(2024, 3, 4) * day;
  const std::vector<TimeNs> times = {d0 + 10 * hour, d0 + 15 * hour, d0 + day + 10 * hour,
                                     d0 + 2 * day + 12 * hour, d0 + 2 * day + 16 * hour};
  const std::vector<double> equity = {100, 102, 101, 105, 99};
  const MonteCarloRun run{.initial_cash = 100, .equity = equity, .bar_times = times};
  Result<DailyReturns> daily = DailyEquityReturns(run);
  REQUIRE(daily.ok());
  REQUIRE(daily->returns.size() == 3);
  CHECK(daily->returns[0] == Approx(102.0 / 100 - 1));
  CHECK(daily->returns[1] == Approx(101.0 / 102 - 1));
  CHECK(daily->returns[2] == Approx(99.0 / 101 - 1));
  CHECK(daily->day_end == std::vector<TimeNs>{times[1], times[2], times[4]});

  // A day that ends at zero equity ends the series with −1.
  const std::vector<double> wiped = {100, 102, 0, 5, 6};
  const MonteCarloRun ruined{.initial_cash = 100, .equity = wiped, .bar_times = times};
  Result<DailyReturns> cut = DailyEquityReturns(ruined);
  REQUIRE(cut.ok());
  CHECK(cut->returns.size() == 2);
  CHECK(cut->returns.back() == -1.0);

  const std::vector<TimeNs> short_times = {d0};
  const MonteCarloRun mismatched{.initial_cash = 100, .equity = equity, .bar_times = short_times};
  CHECK(DailyEquityReturns(mismatched).status().message().rfind("bar_times: ", 0) == 0);
}

TEST_CASE("monte carlo: the default block length is the ceiling of the cube root") {
  CHECK(DefaultBlockLength(1) == 1);
  CHECK(DefaultBlockLength(2) == 2);
  CHECK(DefaultBlockLength(8) == 2);
  CHECK(DefaultBlockLength(9) == 3);
  CHECK(DefaultBlockLength(64) == 4);
  CHECK(DefaultBlockLength(65) == 5);
  CHECK(DefaultBlockLength(1000) == 10);
  CHECK(DefaultBlockLength(1001) == 11);
}

TEST_CASE("monte carlo: shuffles are permutations; bootstrap draws stay in range") {
  Xoshiro256 rng(3);
  std::vector<size_t> order(50);
  std::iota(order.begin(), order.end(), size_t{0});
  const std::vector<size_t> identity = order;
  bool moved = false;
  for (int k = 0; k < 20; ++k) {
    ShuffleIndices(rng, &order);
    std::vector<size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == identity);
    moved = moved || order != identity;
  }
  CHECK(moved);
  std::vector<size_t> draws;
  BootstrapIndices(rng, 7, &draws);
  REQUIRE(draws.size() == 7);
  for (size_t d : draws) CHECK(d < 7);
}

TEST_CASE("monte carlo: a circular block of the whole length is a rotation of the original") {
  Xoshiro256 rng(11);
  constexpr size_t kN = 17;
  std::vector<size_t> starts;
  for (int k = 0; k < 30; ++k) {
    std::vector<size_t> out;
    BlockIndices(rng, kN, kN, BlockScheme::kCircular, &out);
    REQUIRE(out.size() == kN);
    for (size_t j = 0; j < kN; ++j) CHECK(out[j] == (out[0] + j) % kN);
    starts.push_back(out[0]);
  }
  std::sort(starts.begin(), starts.end());
  CHECK(std::unique(starts.begin(), starts.end()) - starts.begin() > 5);  // not one rotation
}

TEST_CASE("monte carlo: circular blocks have length L; stationary blocks have mean length L") {
  Xoshiro256 rng(5);
  std::vector<size_t> out;
  BlockIndices(rng, 100, 4, BlockScheme::kCircular, &out);
  for (size_t block = 0; block < 25; ++block) {
    for (size_t j = 1; j < 4; ++j) {
      CHECK(out[block * 4 + j] == (out[block * 4] + j) % 100);
    }
  }
  // A stationary path breaks after each index with probability 1/L (a new start lands on the
  // successor with probability 1/n, too rare to matter): breaks ≈ (n − 1)/L, sd ≈ 95 here.
  constexpr size_t kN = 100000, kL = 10;
  BlockIndices(rng, kN, kL, BlockScheme::kStationary, &out);
  size_t breaks = 0;
  for (size_t j = 1; j < kN; ++j) breaks += out[j] != (out[j - 1] + 1) % kN ? 1 : 0;
  CHECK(std::abs(static_cast<double>(breaks) - (kN - 1) / static_cast<double>(kL)) < 600);
}

TEST_CASE("monte carlo: compounding is floored at zero, and zero absorbs") {
  const std::vector<double> returns = {0.5, -1.5, 2.0, 0.1};
  const std::vector<size_t> order = {0, 1, 2, 3, 0};
  const std::vector<double> path = CompoundPath(returns, order, 100);
  REQUIRE(path.size() == 6);
  CHECK(path[0] == 100);
  CHECK(path[1] == Approx(150));
  for (size_t k = 2; k < path.size(); ++k) CHECK(path[k] == 0.0);
  const std::vector<size_t> later = {0, 3, 2};
  CHECK(CompoundPath(returns, later, 100).back() == Approx(100 * 1.5 * 1.1 * 3.0));
}

TEST_CASE("monte carlo: percentiles interpolate linearly; ranks count ties half") {
  const std::vector<double> values = {5, 1, 4, 2, 3, std::nan("")};
  // Sorted 1..5: position (5 − 1)·p/100 → p5 at 0.2: 1.2; p25 at 1: 2; p95 at 3.8: 4.8.
  const MonteCarloDistribution d = Summarize(values, 3);
  CHECK(d.paths == 5);
  CHECK(d.mean == Approx(3));
  CHECK(d.percentiles[0] == Approx(1.2));
  CHECK(d.percentiles[1] == Approx(2));
  CHECK(d.percentiles[2] == Approx(3));
  CHECK(d.percentiles[3] == Approx(4));
  CHECK(d.percentiles[4] == Approx(4.8));
  CHECK(d.original_rank == Approx(50));  // 2 below, 1 tie: (2 + 0.5) / 5
  CHECK(Summarize(values, 0.5).original_rank == 0);
  CHECK(Summarize(values, 9).original_rank == 100);
  CHECK(Summarize(values, 3 * (1 + 1e-12)).original_rank == Approx(50));  // a rounding tie
  const std::vector<double> single = {7};
  CHECK(Percentile(single, 95) == 7);
  const std::vector<double> undefined = {std::nan("")};
  const MonteCarloDistribution none = Summarize(undefined, std::nan(""));
  CHECK(none.paths == 0);
  CHECK(std::isnan(none.percentiles[2]));
  CHECK(std::isnan(none.original_rank));
}

}  // namespace
}  // namespace btr
