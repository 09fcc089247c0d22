#include "engines/native/indicators/crossing.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

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

}  // namespace
}  // namespace btr
