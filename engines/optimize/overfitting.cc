#include "engines/optimize/overfitting.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>

#include "engines/optimize/normal.h"

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kEulerGamma = 0.5772156649015329;

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// True when the first `length` values are finite and not all equal (a defined correlation).
bool HasSpread(const std::vector<double>& series, size_t length) {
  bool varies = false;
  for (size_t i = 0; i < length; ++i) {
    if (!std::isfinite(series[i])) return false;
    varies = varies || series[i] != series[0];
  }
  return varies;
}

// Adds the first `length` values, scaled to zero mean and unit Euclidean norm, to `sum`. The
// Pearson correlation of two series is the dot product of their scaled forms.
// REQUIRES: HasSpread(series, length); sum.size() == length.
void AddUnitScaled(const std::vector<double>& series, size_t length, std::vector<double>& sum) {
  double mean = 0;
  for (size_t i = 0; i < length; ++i) mean += series[i];
  mean /= static_cast<double>(length);
  double norm2 = 0;
  for (size_t i = 0; i < length; ++i) norm2 += (series[i] - mean) * (series[i] - mean);
  const double scale = 1 / std::sqrt(norm2);
  for (size_t i = 0; i < length; ++i) sum[i] += (series[i] - mean) * scale;
}

// max_series indices out of count, evenly spaced and increasing; all of them when count fits.
std::vector<size_t> EvenSubsample(size_t count, size_t max_series) {
  std::vector<size_t> out;
  const size_t take = std::min(count, max_series);
  out.reserve(take);
  for (size_t k = 0; k < take; ++k) out.push_back(k * count / take);
  return out;
}

}  // namespace

double ExpectedMaxSharpe(double n_trials) {
  if (std::isnan(n_trials)) return kNaN;
  if (n_trials <= 1) return 0;
  const double value = (1 - kEulerGamma) * StandardNormalQuantile(1 - 1 / n_trials) +
                       kEulerGamma * StandardNormalQuantile(1 - 1 / (n_trials * std::numbers::e));
  return std::max(0.0, value);
}

double ProbabilisticSharpeZ(double sr, double sr_benchmark, double n_obs, double skew,
                            double kurt) {
  if (!(n_obs >= 2)) return kNaN;
  const double variance_term = 1 - skew * sr + (kurt - 1) / 4 * sr * sr;
  if (!(variance_term > 0)) return kNaN;  // also NaN inputs
  return (sr - sr_benchmark) * std::sqrt(n_obs - 1) / std::sqrt(variance_term);
}

double ProbabilisticSharpe(double sr, double sr_benchmark, double n_obs, double skew, double kurt) {
  return StandardNormalCdf(ProbabilisticSharpeZ(sr, sr_benchmark, n_obs, skew, kurt));
}

Result<DeflatedSharpe> ComputeDeflatedSharpe(const DeflatedSharpeInputs& in) {
  const auto bad = [](const char* field, double v, const char* want) {
    return Status::InvalidArgument(std::string(field) + ": expected " + want + ", got " +
                                   Number(v));
  };
  if (!std::isfinite(in.sharpe)) return bad("sharpe", in.sharpe, "a finite per-period Sharpe");
  if (!(in.sharpe_variance >= 0) || !std::isfinite(in.sharpe_variance)) {
    return bad("sharpe_variance", in.sharpe_variance, "a finite number >= 0");
  }
  if (!(in.n_trials >= 1)) return bad("n_trials", in.n_trials, "a count >= 1");
  if (!(in.n_effective >= 1)) return bad("n_effective", in.n_effective, "a count >= 1");
  if (!(in.n_obs >= 2)) return bad("n_obs", in.n_obs, "at least 2 returns");
  if (!std::isfinite(in.skew)) return bad("skew", in.skew, "a finite skewness");
  if (!std::isfinite(in.kurtosis)) return bad("kurtosis", in.kurtosis, "a finite kurtosis");
  DeflatedSharpe out;
  out.n_trials = in.n_trials;
  out.n_effective = in.n_effective;
  out.sharpe = in.sharpe;
  out.sharpe_variance = in.sharpe_variance;
  out.expected_max = ExpectedMaxSharpe(in.n_effective);
  out.sr0 = std::sqrt(in.sharpe_variance) * out.expected_max;
  out.z = ProbabilisticSharpeZ(in.sharpe, out.sr0, in.n_obs, in.skew, in.kurtosis);
  out.dsr = StandardNormalCdf(out.z);
  out.psr0 = ProbabilisticSharpe(in.sharpe, 0, in.n_obs, in.skew, in.kurtosis);
  out.n_obs = in.n_obs;
  out.skew = in.skew;
  out.kurtosis = in.kurtosis;
  return out;
}

Result<DeflatedSharpe> ComputeDeflatedSharpe(std::span<const double> trial_sharpes,
                                             double n_effective, const Moments& selected_returns) {
  Moments across;
  for (double sr : trial_sharpes) {
    if (std::isfinite(sr)) across.Add(sr);
  }
  if (across.n < 2) {
    return Status::InvalidArgument(
        "trial_sharpes: the Deflated Sharpe Ratio needs at least 2 trials with a defined "
        "Sharpe ratio, got " +
        Number(across.n) + " (of " + std::to_string(trial_sharpes.size()) + ")");
  }
  const double sharpe = selected_returns.Sharpe();
  if (std::isnan(sharpe)) {
    return Status::InvalidArgument(
        "selected_returns: the selected trial has no defined Sharpe ratio (fewer than 2 returns "
        "or zero variance); select a trial with varying returns");
  }
  DeflatedSharpeInputs in;
  in.sharpe = sharpe;
  in.sharpe_variance = across.Variance();
  in.n_trials = across.n;
  in.n_effective = n_effective;
  in.n_obs = selected_returns.n;
  in.skew = selected_returns.Skewness();
  in.kurtosis = selected_returns.Kurtosis();
  return ComputeDeflatedSharpe(in);
}

double EffectiveTrials(double n, double mean_correlation) {
  if (std::isnan(n)) return kNaN;
  const double trials = std::max(1.0, n);
  if (std::isnan(mean_correlation)) return trials;
  const double effective = mean_correlation + (1 - mean_correlation) * trials;
  return std::clamp(effective, 1.0, trials);
}

double MeanPairwiseCorrelation(const std::vector<std::vector<double>>& series, size_t max_series) {
  if (series.size() < 2 || max_series < 2) return kNaN;
  size_t length = series.front().size();
  for (const auto& s : series) length = std::min(length, s.size());
  if (length < 2) return kNaN;
  std::vector<size_t> usable;
  for (size_t i = 0; i < series.size(); ++i) {
    if (HasSpread(series[i], length)) usable.push_back(i);
  }
  if (usable.size() < 2) return kNaN;
  // With unit vectors z_i: Σ_{i≠j} z_i·z_j = |Σ z_i|² − n, so the mean over the n(n − 1)
  // ordered pairs costs O(n·L) instead of O(n²·L).
  const std::vector<size_t> picked = EvenSubsample(usable.size(), max_series);
  std::vector<double> sum(length, 0.0);
  for (size_t k : picked) AddUnitScaled(series[usable[k]], length, sum);
  double norm2 = 0;
  for (double v : sum) norm2 += v * v;
  const double n = static_cast<double>(picked.size());
  return std::clamp((norm2 - n) / (n * (n - 1)), -1.0, 1.0);
}

double MinBacktestLengthYears(double n_trials, double sharpe_annual) {
  if (!(sharpe_annual > 0)) return kNaN;
  const double ratio = ExpectedMaxSharpe(n_trials) / sharpe_annual;
  return ratio * ratio;
}

}  // namespace btr
