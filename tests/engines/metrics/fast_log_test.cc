// The vector helpers of the canonical metrics against their scalar definitions.
#include "engines/metrics/fast_log.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

namespace btr {
namespace {

TEST_CASE("LogInPlace: within 4 ulp of std::log near 1 and elsewhere") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> near(-0x1p-4, 0x1p-4), wide(1e-3, 1e3);
  std::vector<double> v;
  for (int k = 0; k < 4000; ++k) v.push_back(k % 8 == 7 ? wide(rng) : 1 + near(rng));
  v.push_back(1.0);
  std::vector<double> logs = v;
  LogInPlace(logs);
  for (size_t k = 0; k < v.size(); ++k) {
    INFO(k << " " << v[k]);
    const double want = std::log(v[k]);
    CHECK(std::fabs(logs[k] - want) <= 4 * std::fabs(std::nextafter(want, 0.0) - want) + 1e-300);
  }
}

TEST_CASE("MinUntilAtLeast: the first value >= bound and the min before it, NaN ignored") {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 500; ++round) {
    const size_t n = rng() % 40;
    std::vector<double> v(n);
    for (double& x : v) x = rng() % 11 == 0 ? std::nan("") : static_cast<double>(rng() % 20);
    const size_t from = n == 0 ? 0 : rng() % (n + 1);
    const double bound = static_cast<double>(rng() % 24);
    double want_min = rng() % 2 ? 1e9 : static_cast<double>(rng() % 20);
    double got_min = want_min;
    size_t want = from;
    for (; want < n && !(v[want] >= bound); ++want) want_min = std::min(want_min, v[want]);
    INFO("round " << round);
    CHECK(MinUntilAtLeast(v, from, bound, &got_min) == want);
    CHECK(got_min == want_min);
  }
}

}  // namespace
}  // namespace btr
