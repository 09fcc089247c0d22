// Seeded Gaussian noise for the overfitting-statistics tests: SplitMix64 plus Box–Muller, so the
// data sets are the same on every platform and standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace btr::testing {

class GaussianNoise {
 public:
  explicit GaussianNoise(uint64_t seed) : state_(seed) {}

  // A uniform number in (0, 1).
  double Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }

  // A standard normal number (the cosine branch of Box–Muller).
  double Normal() {
    const double radius = std::sqrt(-2 * std::log(Uniform()));
    return radius * std::cos(2 * std::numbers::pi * Uniform());
  }

  // `count` values mean + sd·Z.
  std::vector<double> Series(size_t count, double mean, double sd) {
    std::vector<double> out(count);
    for (double& v : out) v = mean + sd * Normal();
    return out;
  }

 private:
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t state_;
};

}  // namespace btr::testing
