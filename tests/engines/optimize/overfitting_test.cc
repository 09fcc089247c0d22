#include "engines/optimize/overfitting.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "engines/optimize/normal.h"

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST_CASE("the standard normal CDF and quantile match table values and invert each other") {
  // Table values: Φ(1) = 0.841344746068543, Φ⁻¹(0.975) = 1.959963984540054.
  CHECK(StandardNormalCdf(0) == 0.5);
  CHECK(StandardNormalCdf(1) == Approx(0.841344746068543).epsilon(1e-14));
  CHECK(StandardNormalCdf(-1) == Approx(1 - 0.841344746068543).epsilon(1e-13));
  CHECK(StandardNormalQuantile(0.975) == Approx(1.959963984540054).epsilon(1e-13));
  CHECK(StandardNormalQuantile(0.025) == Approx(-1.959963984540054).epsilon(1e-13));
  CHECK(StandardNormalQuantile(0.5) == 0);
  CHECK(StandardNormalQuantile(0.841344746068543) == Approx(1.0).epsilon(1e-13));
  CHECK(StandardNormalQuantile(0) == -kInf);
  CHECK(StandardNormalQuantile(1) == kInf);
  CHECK(std::isnan(StandardNormalQuantile(1.5)));
  CHECK(std::isnan(StandardNormalQuantile(kNaN)));
  // Round trips across both tails and the centre, including Acklam's region boundaries.
  for (double p : {1e-300, 1e-12, 1e-6, 0.001, 0.02425, 0.0243, 0.2, 0.5 - 1e-9, 0.7, 0.97575,
                   0.999, 1 - 1e-9}) {
    const double x = StandardNormalQuantile(p);
    const double q = StandardNormalCdf(x);
    // x itself is rounded; Φ's relative sensitivity to that rounding grows like x².
    CHECK(std::fabs(q - p) <= 1e-13 * std::max(1.0, x * x) * std::min(p, 1 - p) + 2e-16);
    // 1 − p is itself rounded (by up to 1e-16), hence the margin.
    if (p >= 1e-9) CHECK(StandardNormalQuantile(1 - p) == Approx(-x).epsilon(1e-9).margin(1e-15));
  }
}

TEST_CASE("expected maximum Sharpe matches the reference test vectors") {
  // Test vectors of the reference note (§3.3), 4 decimals.
  CHECK(ExpectedMaxSharpe(2) == Approx(0.5198).margin(5e-5));
  CHECK(ExpectedMaxSharpe(10) == Approx(1.5746).margin(5e-5));
  CHECK(ExpectedMaxSharpe(100) == Approx(2.5306).margin(5e-5));
  CHECK(ExpectedMaxSharpe(1000) == Approx(3.2551).margin(5e-5));
  CHECK(ExpectedMaxSharpe(10000) == Approx(3.8607).margin(5e-5));
  // N = 2 by hand: Φ⁻¹(1/2) = 0, so γ·Φ⁻¹(1 − 1/(2e)).
  CHECK(ExpectedMaxSharpe(2) ==
        Approx(0.5772156649015329 * StandardNormalQuantile(1 - 1 / (2 * std::numbers::e)))
            .epsilon(1e-14));
  CHECK(ExpectedMaxSharpe(1) == 0);
  CHECK(ExpectedMaxSharpe(0.3) == 0);
  CHECK(std::isnan(ExpectedMaxSharpe(kNaN)));
  double previous = 0;
  for (double n = 1.05; n < 1e6; n *= 1.7) {
    const double e = ExpectedMaxSharpe(n);
    CHECK(e >= previous);  // non-decreasing in N, fractional N included
    CHECK(e <= std::sqrt(2 * std::log(n)));
    previous = e;
  }
}

TEST_CASE("PSR follows its formula") {
  // SR 0.1 over 101 returns, normal (skew 0, kurtosis 3): z = 0.1·√100 / √(1 + 0.01·2/4).
  const double z = 0.1 * 10 / std::sqrt(1.005);
  CHECK(ProbabilisticSharpeZ(0.1, 0, 101, 0, 3) == Approx(z).epsilon(1e-14));
  CHECK(ProbabilisticSharpe(0.1, 0, 101, 0, 3) == Approx(StandardNormalCdf(z)).epsilon(1e-14));
  CHECK(ProbabilisticSharpe(0.1, 0.1, 101, 0, 3) == 0.5);
  CHECK(std::isnan(ProbabilisticSharpe(0.1, 0, 1, 0, 3)));
  CHECK(std::isnan(ProbabilisticSharpe(0.1, 0, 100, kNaN, 3)));
  // 1 − skew·SR + (kurt − 1)/4·SR² ≤ 0: undefined.
  CHECK(std::isnan(ProbabilisticSharpe(1, 0, 100, 2, 1)));
}

TEST_CASE("DSR reproduces the paper's example") {
  // Bailey & López de Prado (2014): SR_ann 2.5 over T = 1,250 daily returns (250 a year),
  // N = 100 trials whose annualized Sharpe ratios have variance 0.5, skew −3, kurtosis 10.
  DeflatedSharpeInputs in;
  in.sharpe = 2.5 / std::sqrt(250.0);
  in.sharpe_variance = 0.5 / 250;
  in.n_trials = 100;
  in.n_effective = 100;
  in.n_obs = 1250;
  in.skew = -3;
  in.kurtosis = 10;
  const Result<DeflatedSharpe> d = ComputeDeflatedSharpe(in);
  REQUIRE(d.ok());
  CHECK(d->expected_max == Approx(2.5306).margin(5e-5));
  CHECK(d->sr0 == Approx(0.11317).margin(5e-6));
  CHECK(d->sr0 * std::sqrt(250.0) == Approx(1.789).margin(5e-4));
  CHECK(d->z == Approx(1.2838).margin(5e-5));
  CHECK(d->dsr == Approx(0.9004).margin(5e-5));
  CHECK(d->psr0 == Approx(0.999997).margin(5e-7));
  CHECK(d->n_trials == 100);
  CHECK(d->kurtosis == 10);
}

TEST_CASE("DSR rejects numbers out of range and names the field") {
  DeflatedSharpeInputs in;
  in.sharpe = 0.1;
  in.sharpe_variance = 0.001;
  in.n_trials = 10;
  in.n_effective = 0.5;
  in.n_obs = 100;
  Result<DeflatedSharpe> d = ComputeDeflatedSharpe(in);
  REQUIRE(!d.ok());
  CHECK(d.status().code() == StatusCode::kInvalidArgument);
  CHECK(d.status().message().find("n_effective") == 0);
  in.n_effective = 10;
  in.sharpe_variance = -1;
  CHECK(ComputeDeflatedSharpe(in).status().message().find("sharpe_variance") == 0);
}

TEST_CASE("DSR of a sweep uses the cross-trial variance and the selected trial's moments") {
  // Sharpe ratios 0.1, 0.2, 0.3 (and two trials without one): sample variance 0.01.
  const std::vector<double> sharpes = {0.1, kNaN, 0.2, kInf, 0.3};
  Moments selected;
  for (double r : {0.02, -0.01, 0.03, 0.0, 0.05, -0.02, 0.01, 0.04}) selected.Add(r);
  const Result<DeflatedSharpe> d = ComputeDeflatedSharpe(sharpes, 2.5, selected);
  REQUIRE(d.ok());
  CHECK(d->n_trials == 3);
  CHECK(d->sharpe_variance == Approx(0.01).epsilon(1e-12));
  CHECK(d->n_obs == 8);
  CHECK(d->sr0 == Approx(0.1 * ExpectedMaxSharpe(2.5)).epsilon(1e-12));
  CHECK(d->dsr == Approx(ProbabilisticSharpe(selected.Sharpe(), d->sr0, 8, selected.Skewness(),
                                             selected.Kurtosis()))
                      .epsilon(1e-12));
  CHECK(d->psr0 > d->dsr);

  CHECK(!ComputeDeflatedSharpe(std::vector<double>{0.1, kNaN}, 1, selected).ok());
  Moments flat;
  for (int i = 0; i < 5; ++i) flat.Add(0.01);
  const Result<DeflatedSharpe> no_risk = ComputeDeflatedSharpe(sharpes, 3, flat);
  CHECK(no_risk.status().message().find("selected_returns") == 0);
}

TEST_CASE("effective trials interpolate between 1 and N with the mean correlation") {
  CHECK(EffectiveTrials(100, 0) == 100);
  CHECK(EffectiveTrials(100, 1) == 1);
  CHECK(EffectiveTrials(100, 0.5) == Approx(50.5));
  CHECK(EffectiveTrials(100, -0.2) == 100);  // clamped to N
  CHECK(EffectiveTrials(100, kNaN) == 100);
  CHECK(EffectiveTrials(0.5, 0.3) == 1);
}

TEST_CASE("mean pairwise correlation over series, skipping undefined ones") {
  // a = (1,2,3), b = (1,3,2), c = (3,2,1): corr(a,b) = 0.5, corr(a,c) = −1, corr(b,c) = −0.5.
  const std::vector<double> a = {1, 2, 3}, b = {1, 3, 2}, c = {3, 2, 1};
  CHECK(MeanPairwiseCorrelation({a, b, c}) == Approx(-1.0 / 3));
  CHECK(MeanPairwiseCorrelation({a, {2, 4, 6, 100}}) == Approx(1.0));  // first 3 values only
  // A constant series and one with a NaN have no correlation and are skipped.
  CHECK(MeanPairwiseCorrelation({a, {5, 5, 5}, b, {1, kNaN, 2}}) == Approx(0.5));
  CHECK(std::isnan(MeanPairwiseCorrelation({a, {5, 5, 5}})));
  CHECK(std::isnan(MeanPairwiseCorrelation({{1}, {2}})));
  // Subsample of 2 out of 4 usable series: indices 0 and 2 (evenly spaced), i.e. a and c.
  CHECK(MeanPairwiseCorrelation({a, b, c, b}, 2) == Approx(-1.0));
}

TEST_CASE("minimum backtest length matches the reference table") {
  CHECK(MinBacktestLengthYears(45, 1) == Approx(5.0).margin(0.05));
  CHECK(MinBacktestLengthYears(1000, 1) == Approx(10.6).margin(0.05));
  CHECK(MinBacktestLengthYears(10000, 1) == Approx(14.9).margin(0.05));
  CHECK(MinBacktestLengthYears(1000, 2) == Approx(MinBacktestLengthYears(1000, 1) / 4));
  CHECK(std::isnan(MinBacktestLengthYears(10, 0)));
}

}  // namespace
}  // namespace btr
