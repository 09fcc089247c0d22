#include "engines/optimize/moments.h"

#include <cmath>
#include <limits>

#include "engines/core/lane_sum.h"

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A standard deviation at or below this fraction of |mean| is rounding noise, not risk.
constexpr double kZeroSdRelative = 1e-12;

}  // namespace

void Moments::Add(double x) {
  // Pébay (2008), eq. 2.1-2.3, the one-value case of Merge.
  const double n_before = n;
  n += 1;
  const double delta = x - mean;
  const double delta_n = delta / n;
  const double delta_n2 = delta_n * delta_n;
  const double term = delta * delta_n * n_before;
  mean += delta_n;
  m4 += term * delta_n2 * (n * n - 3 * n + 3) + 6 * delta_n2 * m2 - 4 * delta_n * m3;
  m3 += term * delta_n * (n - 2) - 3 * delta_n * m2;
  m2 += term;
}

Moments Moments::Merge(const Moments& a, const Moments& b) {
  if (a.n == 0) return b;
  if (b.n == 0) return a;
  // Chan, Golub & LeVeque (1979) for M2; Pébay (2008) for M3 and M4.
  Moments out;
  out.n = a.n + b.n;
  const double n = out.n;
  const double delta = b.mean - a.mean;
  const double delta2 = delta * delta;
  const double na_nb = a.n * b.n;
  out.mean = a.mean + delta * b.n / n;
  out.m2 = a.m2 + b.m2 + delta2 * na_nb / n;
  out.m3 = a.m3 + b.m3 + delta2 * delta * na_nb * (a.n - b.n) / (n * n) +
           3 * delta * (a.n * b.m2 - b.n * a.m2) / n;
  out.m4 = a.m4 + b.m4 + delta2 * delta2 * na_nb * (a.n * a.n - na_nb + b.n * b.n) / (n * n * n) +
           6 * delta2 * (a.n * a.n * b.m2 + b.n * b.n * a.m2) / (n * n) +
           4 * delta * (a.n * b.m3 - b.n * a.m3) / n;
  return out;
}

double Moments::Variance() const { return n < 2 ? kNaN : m2 / (n - 1); }

double Moments::StdDev() const { return std::sqrt(Variance()); }

double Moments::Skewness() const {
  if (n < 2 || !(m2 > 0)) return kNaN;
  return std::sqrt(n) * m3 / std::pow(m2, 1.5);
}

double Moments::Kurtosis() const {
  if (n < 2 || !(m2 > 0)) return kNaN;
  return n * m4 / (m2 * m2);
}

double Moments::Sharpe() const { return SharpeFromMeanVariance(mean, Variance()); }

double SharpeFromMeanVariance(double mean, double variance) {
  if (!(variance > 0) || std::isnan(mean)) return kNaN;
  const double sd = std::sqrt(variance);
  if (sd <= kZeroSdRelative * std::fabs(mean)) return kNaN;
  return mean / sd;
}

Moments Moments::Of(std::span<const double> values) {
  Moments out;
  if (values.empty()) return out;
  const size_t n = values.size();
  out.n = static_cast<double>(n);
  out.mean = LaneSum(n, [&](size_t i) { return values[i]; }) / out.n;
  // The central sums in four lanes each, as LaneSum does, so the additions pipeline.
  double m2[4] = {0, 0, 0, 0}, m3[4] = {0, 0, 0, 0}, m4[4] = {0, 0, 0, 0};
  auto add = [&](size_t lane, double x) {
    const double d = x - out.mean;
    const double d2 = d * d;
    m2[lane] += d2;
    m3[lane] += d2 * d;
    m4[lane] += d2 * d2;
  };
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (size_t lane = 0; lane < 4; ++lane) add(lane, values[i + lane]);
  }
  for (size_t lane = 0; i < n; ++i, ++lane) add(lane, values[i]);
  out.m2 = (m2[0] + m2[1]) + (m2[2] + m2[3]);
  out.m3 = (m3[0] + m3[1]) + (m3[2] + m3[3]);
  out.m4 = (m4[0] + m4[1]) + (m4[2] + m4[3]);
  return out;
}

std::vector<Moments> BlockMoments(std::span<const double> returns, size_t blocks) {
  std::vector<Moments> out(blocks);
  if (blocks == 0) return out;
  const size_t length = returns.size() / blocks;
  const size_t skip = returns.size() % blocks;
  for (size_t b = 0; b < blocks; ++b) {
    out[b] = Moments::Of(returns.subspan(skip + b * length, length));
  }
  return out;
}

}  // namespace btr
