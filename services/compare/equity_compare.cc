#include "services/compare/equity_compare.h"

#include <algorithm>

#include "engines/metrics/metrics.h"

namespace btr::compare {
namespace {

using nlohmann::json;

json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json ExtremeJson(const Extreme& e, std::span<const TimeNs> time) {
  const bool known = e.index >= 0 && static_cast<size_t>(e.index) < time.size();
  return {{"value", Number(e.value)},
          {"bar", known ? json(e.index) : json(nullptr)},
          {"time",
           known ? json(FormatIsoTime(time[static_cast<size_t>(e.index)], true)) : json(nullptr)}};
}

void Track(Extreme* e, double value, size_t index) {
  if (!std::isfinite(value)) return;
  if (std::isnan(e->value) || value > e->value) {
    e->value = value;
    e->index = static_cast<long>(index);
  }
}

}  // namespace

std::vector<std::pair<size_t, size_t>> AlignByTime(std::span<const TimeNs> a,
                                                   std::span<const TimeNs> b) {
  std::vector<std::pair<size_t, size_t>> out;
  out.reserve(std::min(a.size(), b.size()));
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      out.emplace_back(i++, j++);
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

double Correlation(std::span<const double> x, std::span<const double> y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0, my = 0;
  for (size_t k = 0; k < n; ++k) {
    mx += x[k];
    my += y[k];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t k = 0; k < n; ++k) {
    const double dx = x[k] - mx, dy = y[k] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return std::numeric_limits<double>::quiet_NaN();
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

json EquityComparison::ToJson(std::span<const TimeNs> time_a) const {
  const bool known = first_difference >= 0 && static_cast<size_t>(first_difference) < time_a.size();
  return {
      {"points", points},
      {"bars_differing", bars_differing},
      {"first_difference",
       known ? json{{"bar", first_difference},
                    {"time", FormatIsoTime(time_a[static_cast<size_t>(first_difference)], true)}}
             : json(nullptr)},
      {"correlation", Number(correlation)},
      {"max_gap", ExtremeJson(max_gap, time_a)},
      {"max_gap_rel", ExtremeJson(max_gap_rel, time_a)},
      {"final_gap", Number(final_gap)},
      {"drawdown_correlation", Number(drawdown_correlation)},
      {"max_drawdown_gap", ExtremeJson(max_drawdown_gap, time_a)},
  };
}

EquityComparison CompareEquity(std::span<const double> equity_a, std::span<const TimeNs> time_a,
                               std::span<const double> equity_b, std::span<const TimeNs> time_b,
                               const Tolerance& tol) {
  EquityComparison out;
  const bool same_axis =
      time_a.size() == time_b.size() && std::equal(time_a.begin(), time_a.end(), time_b.begin());
  std::vector<std::pair<size_t, size_t>> aligned;
  if (same_axis) {
    aligned.reserve(time_a.size());
    for (size_t k = 0; k < time_a.size(); ++k) aligned.emplace_back(k, k);
  } else {
    aligned = AlignByTime(time_a, time_b);
  }
  aligned.erase(std::remove_if(aligned.begin(), aligned.end(),
                               [&](const auto& p) {
                                 return p.first >= equity_a.size() || p.second >= equity_b.size();
                               }),
                aligned.end());
  out.points = aligned.size();
  if (aligned.empty()) return out;
  std::vector<double> xa(aligned.size()), xb(aligned.size());
  for (size_t k = 0; k < aligned.size(); ++k) {
    xa[k] = equity_a[aligned[k].first];
    xb[k] = equity_b[aligned[k].second];
  }
  const std::vector<double> dda = DrawdownSeries(xa), ddb = DrawdownSeries(xb);
  for (size_t k = 0; k < aligned.size(); ++k) {
    const size_t bar = aligned[k].first;
    const double gap = std::fabs(xb[k] - xa[k]);
    if (!tol.Equal(xa[k], xb[k])) {
      ++out.bars_differing;
      if (out.first_difference < 0) out.first_difference = static_cast<long>(bar);
    }
    Track(&out.max_gap, gap, bar);
    if (xa[k] != 0) Track(&out.max_gap_rel, gap / std::fabs(xa[k]), bar);
    Track(&out.max_drawdown_gap, std::fabs(ddb[k] - dda[k]), bar);
  }
  out.final_gap = xb.back() - xa.back();
  out.correlation = Correlation(xa, xb);
  out.drawdown_correlation = Correlation(dda, ddb);
  return out;
}

std::vector<size_t> ChartIndices(const std::vector<std::span<const double>>& series, size_t n,
                                 size_t max_points) {
  std::vector<size_t> out;
  if (n == 0) return out;
  if (n <= max_points || max_points < 4) {
    out.resize(n);
    for (size_t k = 0; k < n; ++k) out[k] = k;
    return out;
  }
  const size_t per_bucket_points = std::max<size_t>(2, 2 * std::max<size_t>(1, series.size()));
  const size_t buckets = std::max<size_t>(1, (max_points - 2) / per_bucket_points);
  out.push_back(0);
  out.push_back(n - 1);
  for (size_t b = 0; b < buckets; ++b) {
    const size_t lo = b * n / buckets, hi = (b + 1) * n / buckets;
    if (lo >= hi) continue;
    for (const std::span<const double>& s : series) {
      if (s.size() < hi) continue;
      size_t lo_at = lo, hi_at = lo;
      for (size_t k = lo; k < hi; ++k) {
        if (s[k] < s[lo_at]) lo_at = k;
        if (s[k] > s[hi_at]) hi_at = k;
      }
      out.push_back(lo_at);
      out.push_back(hi_at);
    }
    if (series.empty()) out.push_back(lo);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace btr::compare
