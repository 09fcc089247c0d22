#include "engines/native/indicators/indicators.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

namespace btr {
namespace {

std::vector<double> Values(std::initializer_list<double> v) { return v; }

TEST_CASE("Sma has a warm-up of n-1 and averages the window") {
  const Series s = Sma(Values({1, 2, 3, 4, 5}), 2);
  CHECK(std::isnan(s[0]));
  CHECK(s[1] == 1.5);
  CHECK(s[4] == 4.5);
  CHECK(std::isnan(Sma(Values({1, 2}), 3)[1]));
}

TEST_CASE("Sma reproduces pandas' corrections") {
  // A window of equal values returns that value exactly, whatever the running sum drifted to.
  std::vector<double> x = {0.1, 0.7, 1e9, 0.3, 0.3, 0.3};
  CHECK(Sma(x, 3)[5] == 0.3);
  // A naive running sum leaves cancellation residue; pandas' Kahan steps do not.
  std::vector<double> y = {1e16, 1, 1, 1, 1};
  const Series s = Sma(y, 1);
  CHECK(s[4] == 1);
  // Compensated removal: 0.1 + 0.2 + 0.3 windows.
  std::vector<double> z = {0.1, 0.2, 0.3, 0.1, 0.2, 0.3};
  const Series sz = Sma(z, 3);
  CHECK(sz[2] == sz[5]);
}

TEST_CASE("Ema seeds with the mean and skips leading NaN") {
  const Series e = Ema(Values({1, 2, 3, 4}), 3);
  CHECK(std::isnan(e[1]));
  CHECK(e[2] == 2.0);
  CHECK(e[3] == 0.5 * 4 + 0.5 * 2.0);
  const Series shifted = Ema(Values({NAN, NAN, 1, 2, 3}), 3);
  CHECK(std::isnan(shifted[3]));
  CHECK(shifted[4] == 2.0);
}

TEST_CASE("Rsi follows Wilder's smoothing") {
  // Changes: +1, -1, +2 then +1; period 2.
  const Series r = Rsi(Values({10, 11, 10, 12, 13}), 2);
  CHECK(std::isnan(r[1]));
  // Seed at t=2: gain (1+0)/2 = 0.5, loss (0+1)/2 = 0.5 -> 50.
  CHECK(r[2] == Approx(50.0));
  // t=3: gain (0.5+2)/2 = 1.25, loss 0.25 -> 100 - 100/(1+5).
  CHECK(r[3] == Approx(100.0 - 100.0 / 6.0));
  CHECK(Rsi(Values({1, 2, 3, 4}), 2)[3] == 100.0);
  CHECK(Rsi(Values({1, 1, 1, 1}), 2)[3] == 50.0);
}

TEST_CASE("Macd and its signal start where their EMAs do") {
  std::vector<double> x;
  for (int i = 0; i < 60; ++i) x.push_back(100 + std::sin(i / 3.0) * 5);
  const MacdLines m = Macd(x, 12, 26, 9);
  CHECK(std::isnan(m.macd[24]));
  CHECK_FALSE(std::isnan(m.macd[25]));
  CHECK(std::isnan(m.signal[32]));
  CHECK_FALSE(std::isnan(m.signal[33]));
  CHECK(FirstValidIndex(m.signal) == 33);
}

TEST_CASE("Bollinger bands use the population standard deviation") {
  const BollingerBands b = Bollinger(Values({1, 2, 3, 4}), 4, 2);
  const double sd = std::sqrt(1.25);
  CHECK(b.middle[3] == 2.5);
  CHECK(b.upper[3] == Approx(2.5 + 2 * sd));
  CHECK(b.lower[3] == Approx(2.5 - 2 * sd));
  CHECK(Bollinger(Values({2, 2, 2}), 3, 2).upper[2] == 2.0);
}

TEST_CASE("Donchian excludes the current bar by default") {
  const std::vector<double> high = {5, 7, 6, 9, 8}, low = {4, 5, 3, 6, 7};
  const DonchianChannel c = Donchian(high, low, 2);
  CHECK(std::isnan(c.upper[1]));
  CHECK(c.upper[2] == 7);
  CHECK(c.lower[2] == 4);
  CHECK(c.upper[4] == 9);
  CHECK(c.lower[4] == 3);
  const DonchianChannel inclusive = Donchian(high, low, 2, true);
  CHECK(inclusive.upper[1] == 7);
}

TEST_CASE("RollingMax and RollingMin match a brute-force scan") {
  std::vector<double> x;
  for (int i = 0; i < 200; ++i) x.push_back(std::fmod(i * 37.0, 101.0));
  const Series mx = RollingMax(x, 7), mn = RollingMin(x, 7);
  for (size_t i = 6; i < x.size(); ++i) {
    double hi = x[i], lo = x[i];
    for (size_t k = i - 6; k <= i; ++k) hi = std::max(hi, x[k]), lo = std::min(lo, x[k]);
    REQUIRE(mx[i] == hi);
    REQUIRE(mn[i] == lo);
  }
}

TEST_CASE("Atr and Stochastic") {
  const std::vector<double> h = {10, 12, 11}, l = {8, 9, 9}, c = {9, 11, 10};
  const Series atr = Atr(h, l, c, 2);
  CHECK(atr[1] == Approx((2.0 + 3.0) / 2));  // TR0 = 2, TR1 = max(3, 3, 0) = 3
  CHECK(atr[2] == Approx((2.5 + 2.0) / 2));  // TR2 = max(2, 0, 2) = 2
  const StochasticLines s = Stochastic(h, l, c, 2, 2);
  CHECK(s.k[1] == Approx(100.0 * (11 - 8) / (12 - 8)));
  CHECK(s.k[2] == Approx(100.0 * (10 - 9) / (12 - 9)));
  CHECK(s.d[2] == Approx((s.k[1] + s.k[2]) / 2));
}

}  // namespace
}  // namespace btr
