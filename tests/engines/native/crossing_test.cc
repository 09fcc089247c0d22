#include "engines/native/indicators/crossing.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "engines/catalogue/catalogue.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/indicators/indicators.h"
#include "engines/native/strategies/native_strategies.h"

namespace btr {
namespace {

// The definition, one bar at a time.
size_t NaiveFirstCrossing(const std::vector<double>& a, const std::vector<double>& b, size_t from,
                          size_t end) {
  for (size_t j = std::max<size_t>(from, 1); j < end; ++j) {
    const bool up = a[j - 1] < b[j - 1] && a[j] > b[j];
    const bool down = b[j - 1] < a[j - 1] && b[j] > a[j];
    if (up || down) return j;
  }
  return end;
}

TEST_CASE("FirstCrossing finds the next crossing either way, as the definition") {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    const size_t n = 1 + rng() % 90;
    std::vector<double> a(n), b(n);
    for (size_t j = 0; j < n; ++j) {
      // Few distinct levels: touches and ties (which do not cross) are common.
      a[j] = static_cast<double>(rng() % 4);
      b[j] = static_cast<double>(rng() % 4);
      if (rng() % 25 == 0) a[j] = std::nan("");
    }
    for (size_t from = 0; from <= n; from += 1 + rng() % 7) {
      const size_t end = from + rng() % (n - from + 1);
      INFO("n " << n << " from " << from << " end " << end);
      CHECK(FirstCrossing(a, b, from, end) == NaiveFirstCrossing(a, b, from, end));
    }
  }
}

TEST_CASE("FirstCrossing: a touch is not a crossing; bar 0 never crosses") {
  const std::vector<double> a = {1, 2, 2, 3, 2, 2, 2, 2, 2, 2};
  const std::vector<double> b = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  CHECK(FirstCrossing(a, b, 0, a.size()) == 10);  // 1 -> 2 touches, 2 -> 3 from a tie
  const std::vector<double> c = {3, 1, 1, 1, 1, 1, 1, 1, 1, 3};
  CHECK(FirstCrossing(c, b, 0, c.size()) == 1);
  CHECK(FirstCrossing(c, b, 2, c.size()) == 9);
  CHECK(FirstCrossing(c, b, 2, 9) == 9);  // none before end
}

// sma_cross's NextActiveBar (which looks one crossing ahead and keeps it) answers queries as
// the runner makes them -- from increasing bars, with ends that move -- as the definition does.
TEST_CASE("sma_cross NextActiveBar: the next crossing, whatever the query order") {
  const BarSeries bars = GenerateGbmBars(20000);
  const Series fast_series = Sma(bars.close, 3), slow_series = Sma(bars.close, 17);
  const std::vector<double> fast(fast_series.begin(), fast_series.end());
  const std::vector<double> slow(slow_series.begin(), slow_series.end());
  Result<ResolvedStrategy> resolved = ResolveStrategy({"sma_cross", {{"fast", 3}, {"slow", 17}}});
  REQUIRE(resolved.ok());
  Result<std::unique_ptr<Strategy>> strategy = CreateStrategy("sma_cross", resolved->params);
  REQUIRE(strategy.ok());
  (*strategy)->Bind(&bars, nullptr);
  REQUIRE((*strategy)->Init().ok());
  std::mt19937_64 rng(11);
  size_t checked = 0;
  for (int round = 0; round < 20; ++round) {
    size_t i = rng() % 100;
    while (i < bars.size()) {
      // Ends as the runner's progress checks make them: sometimes short of the next crossing.
      const size_t end = std::min(bars.size(), i + 1 + rng() % 400);
      const size_t want = NaiveFirstCrossing(fast, slow, i, end);
      INFO("round " << round << " i " << i << " end " << end);
      REQUIRE((*strategy)->NextActiveBar(i, end) == want);
      ++checked;
      i = want < end ? want + 1 + rng() % 3 : end;  // on past the crossing and its fill
    }
  }
  CHECK(checked > 1000);
}

}  // namespace
}  // namespace btr
