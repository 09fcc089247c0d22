#include "engines/optimize/moments.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "tests/engines/optimize/overfit_noise.h"

namespace btr {
namespace {

Moments AddAll(const std::vector<double>& values) {
  Moments m;
  for (double x : values) m.Add(x);
  return m;
}

// Central moment sums by the textbook two-pass method in long double: an independent reference.
struct TwoPass {
  long double n = 0, mean = 0, m2 = 0, m3 = 0, m4 = 0;
};

TwoPass Reference(const std::vector<double>& values) {
  TwoPass r;
  r.n = static_cast<long double>(values.size());
  for (double x : values) r.mean += static_cast<long double>(x);
  r.mean /= r.n;
  for (double x : values) {
    const long double d = static_cast<long double>(x) - r.mean;
    r.m2 += d * d;
    r.m3 += d * d * d;
    r.m4 += d * d * d * d;
  }
  return r;
}

// |a − b| ≤ 1e-12·scale.
bool Close(double a, long double b, long double scale) {
  return std::fabs(static_cast<long double>(a) - b) <= 1e-12L * scale;
}

// Values far from 0 relative to their spread lose digits in any double computation (the
// deviations are rounded): the tolerance grows with that condition number, 1 + |mean|/sd.
void CheckAgainstReference(const Moments& m, const std::vector<double>& values) {
  const TwoPass r = Reference(values);
  const long double sd = std::sqrt(r.m2 / r.n);
  const long double condition = 1 + std::fabs(r.mean) / sd;
  CHECK(m.n == static_cast<double>(values.size()));
  CHECK(Close(m.mean, r.mean, std::fabs(r.mean) + sd));
  CHECK(Close(m.m2, r.m2, condition * r.m2));
  CHECK(Close(m.m3, r.m3, condition * r.n * sd * sd * sd));
  CHECK(Close(m.m4, r.m4, condition * r.m4));
}

TEST_CASE("moments of a small set match the hand-computed statistics") {
  // {1, 2, 3, 4}: mean 2.5, deviations ±0.5, ±1.5: M2 = 5, M3 = 0, M4 = 2·(0.0625 + 5.0625).
  const Moments m = AddAll({1, 2, 3, 4});
  CHECK(m.mean == 2.5);
  CHECK(m.m2 == Approx(5.0));
  CHECK(m.m3 == Approx(0.0).margin(1e-12));
  CHECK(m.m4 == Approx(10.25));
  CHECK(m.Variance() == Approx(5.0 / 3));
  CHECK(m.StdDev() == Approx(std::sqrt(5.0 / 3)));
  CHECK(m.Skewness() == Approx(0.0).margin(1e-12));
  CHECK(m.Kurtosis() == Approx(4 * 10.25 / 25));  // 1.64, non-excess
  CHECK(m.Sharpe() == Approx(2.5 / std::sqrt(5.0 / 3)));

  // {1, 2, 10}: mean 13/3, deviations −10/3, −7/3, 17/3: M2 = 438/9, M3 = 3570/27.
  const Moments s = AddAll({1, 2, 10});
  CHECK(s.Skewness() == Approx(std::sqrt(3.0) * (3570.0 / 27) / std::pow(438.0 / 9, 1.5)));
}

TEST_CASE("adding values one by one matches a two-pass computation, even far from zero") {
  testing::GaussianNoise noise(7);
  for (double offset : {0.0, 0.05, 1e3, -50.0}) {
    std::vector<double> values = noise.Series(2000, offset, 0.01);
    for (size_t i = 0; i < values.size(); i += 97) values[i] += 0.2;  // skew it
    CheckAgainstReference(AddAll(values), values);
  }
}

TEST_CASE("merging blocks equals adding every value, whatever the block sizes") {
  testing::GaussianNoise noise(11);
  std::vector<double> values = noise.Series(1001, 0.0005, 0.02);
  for (size_t i = 0; i < values.size(); i += 31) values[i] -= 0.1;
  const Moments whole = AddAll(values);
  // Blocks of uneven sizes, one of them empty, merged left to right and as a balanced tree.
  const std::vector<size_t> cuts = {0, 1, 1, 250, 600, 601, 1001};
  std::vector<Moments> parts;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    parts.push_back(AddAll(std::vector<double>(values.begin() + static_cast<long>(cuts[k]),
                                               values.begin() + static_cast<long>(cuts[k + 1]))));
  }
  Moments left_to_right;
  for (const Moments& p : parts) left_to_right = Moments::Merge(left_to_right, p);
  const Moments tree = Moments::Merge(Moments::Merge(Moments::Merge(parts[0], parts[1]), parts[2]),
                                      Moments::Merge(parts[3], Moments::Merge(parts[4], parts[5])));
  for (const Moments& merged : {left_to_right, tree}) {
    CheckAgainstReference(merged, values);
    CHECK(merged.Sharpe() == Approx(whole.Sharpe()).epsilon(1e-12));
    CHECK(merged.Skewness() == Approx(whole.Skewness()).epsilon(1e-10));
    CHECK(merged.Kurtosis() == Approx(whole.Kurtosis()).epsilon(1e-12));
  }
  // Merging with an empty set changes nothing.
  const Moments same = Moments::Merge(Moments(), whole);
  CHECK(same.m4 == whole.m4);
  CHECK(Moments::Merge(whole, Moments()).mean == whole.mean);
}

TEST_CASE("Moments::Of over a span equals adding its values one by one") {
  testing::GaussianNoise noise(23);
  std::vector<double> values = noise.Series(2500, 0.01, 0.02);
  for (size_t i = 0; i < values.size(); i += 89) values[i] -= 0.15;  // skew it
  Moments added;
  for (double v : values) added.Add(v);
  const Moments of = Moments::Of(values);
  CHECK(of.n == added.n);
  CHECK(of.mean == Approx(added.mean).epsilon(1e-12));
  CHECK(of.m2 == Approx(added.m2).epsilon(1e-12));
  CHECK(of.m3 == Approx(added.m3).epsilon(1e-10));
  CHECK(of.m4 == Approx(added.m4).epsilon(1e-12));
  CHECK(Moments::Of({}).n == 0);
}

TEST_CASE("statistics are NaN when undefined") {
  CHECK(std::isnan(Moments().Variance()));
  CHECK(std::isnan(AddAll({0.01}).Sharpe()));
  CHECK(std::isnan(AddAll({0.01}).Kurtosis()));
  // Constant returns: no risk, so no Sharpe ratio, skewness or kurtosis.
  const Moments flat = AddAll({0.001, 0.001, 0.001, 0.001});
  CHECK(flat.Variance() == 0);
  CHECK(std::isnan(flat.Sharpe()));
  CHECK(std::isnan(flat.Skewness()));
  CHECK(std::isnan(flat.Kurtosis()));
  CHECK(std::isnan(SharpeFromMeanVariance(1.0, -1e-30)));
  CHECK(std::isnan(SharpeFromMeanVariance(1.0, 1e-30)));  // sd 1e-15 next to a mean of 1
  CHECK(SharpeFromMeanVariance(-1.0, 4.0) == -0.5);
}

TEST_CASE("block moments drop the leading remainder and split the rest evenly in time order") {
  // 11 values into 3 blocks: drop the first 2, then blocks {2,3,4}, {5,6,7}, {8,9,10}.
  const std::vector<double> values = {100, 100, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<Moments> blocks = BlockMoments(values, 3);
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].n == 3);
  CHECK(blocks[0].mean == 3);
  CHECK(blocks[1].mean == 6);
  CHECK(blocks[2].mean == 9);
  CHECK(blocks[2].m2 == Approx(2.0));
  CHECK(BlockMoments(values, 0).empty());
  const std::vector<Moments> too_many = BlockMoments(values, 12);
  REQUIRE(too_many.size() == 12);
  CHECK(too_many[5].n == 0);
}

}  // namespace
}  // namespace btr
