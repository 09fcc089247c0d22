#include "engines/metrics/metrics.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engines/metrics/metrics_json.h"

namespace btr {
namespace {

// Daily times starting on Monday 2024-01-01, skipping weekends when `weekdays_only`.
std::vector<TimeNs> Days(size_t n, bool weekdays_only) {
  std::vector<TimeNs> t;
  TimeNs day = DaysFromCivil(2024, 1, 1) * kNsPerDay;
  while (t.size() < n) {
    if (!weekdays_only || DayOfWeek(day) < 5) t.push_back(day);
    day += kNsPerDay;
  }
  return t;
}

TradeRecord Trade(long entry, long exit, double pnl, double ret, const std::vector<TimeNs>& t) {
  TradeRecord r;
  r.size = 1;
  r.entry_bar = entry;
  r.exit_bar = exit;
  r.entry_time = t[static_cast<size_t>(entry)];
  r.exit_time = t[static_cast<size_t>(exit)];
  r.pnl = pnl;
  r.return_pct = ret;
  r.commission = 1;
  return r;
}

TEST_CASE("drawdown episodes end at the next peak; a one-bar dip at the end is not one") {
  const std::vector<TimeNs> t = Days(7, true);
  const std::vector<double> equity = {100, 110, 99, 105, 110, 120, 90};
  const std::vector<double> close(7, 1.0);
  MetricsInput in{t, equity, close, 0, {}, 0, 0};
  const Metrics m = ComputeMetrics(in);
  CHECK(m.max_drawdown == Approx(0.25));
  CHECK(m.avg_drawdown == Approx(0.1));  // only the 1 -> 4 episode
  // Bars 1 (Tue) and 4 (Fri): three days.
  CHECK(m.max_drawdown_duration_s == 3 * 86400);
  CHECK(m.avg_drawdown_duration_s == 3 * 86400);
  CHECK(m.equity_peak == 120);
  CHECK(m.total_return == Approx(-0.1));
  CHECK(std::isnan(m.win_rate));
  CHECK(m.num_trades == 0);
}

// The drawdown statistics straight from their definition: dd_j = 1 - E_j / max(E_0..E_j), one
// division per bar; episodes between bars with dd == 0, the last bar closing the final one.
struct ReferenceDrawdowns {
  double max = 0, avg = std::nan(""), max_duration = std::nan(""), peak = -INFINITY;
};
ReferenceDrawdowns Reference(const std::vector<TimeNs>& t, const std::vector<double>& e) {
  ReferenceDrawdowns r;
  std::vector<double> depths, durations;
  double depth = 0;
  long zero = -1;
  for (size_t j = 0; j < e.size(); ++j) {
    r.peak = std::max(r.peak, e[j]);
    const double dd = 1 - e[j] / r.peak;
    if (!std::isnan(dd)) r.max = std::max(r.max, dd);
    if (dd != 0 && !std::isnan(dd)) depth = std::max(depth, dd);
    const bool last = j + 1 == e.size();
    if (dd == 0 || (last && zero >= 0)) {
      if (zero >= 0 && static_cast<long>(j) > zero + 1) {
        depths.push_back(depth);
        durations.push_back(static_cast<double>(t[j] - t[static_cast<size_t>(zero)]));
      }
      if (dd == 0) zero = static_cast<long>(j), depth = 0;
    }
  }
  if (!depths.empty()) {
    double sum = 0;
    for (double d : depths) sum += d;
    r.avg = sum / static_cast<double>(depths.size());
    r.max_duration = *std::max_element(durations.begin(), durations.end());
  } else if (depth > 0) {
    r.avg = depth;
  }
  return r;
}

bool SameValue(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

TEST_CASE("drawdowns match the per-bar definition bit for bit, ties, NaN and ruin included") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> step(-0.03, 0.03);
  for (int curve = 0; curve < 300; ++curve) {
    const size_t n = 2 + rng() % 200;
    const std::vector<TimeNs> t = Days(n, false);
    std::vector<double> e(n);
    double v = 1000;
    for (size_t j = 0; j < n; ++j) {
      const uint64_t kind = rng() % 40;
      if (kind == 0 && j > 0) {
        e[j] = e[j - 1];  // a flat bar: ties with the peak
      } else if (kind == 1) {
        e[j] = std::nan("");
      } else {
        v *= 1 + step(rng);
        e[j] = v;
      }
    }
    if (curve % 10 == 0) std::fill(e.begin() + static_cast<long>(n / 2), e.end(), 0.0);  // ruin
    if (curve % 17 == 0) e[0] = 0;  // a peak bar at 0: the per-bar path
    const std::vector<double> close(n, 1.0);
    const Metrics m = ComputeMetrics({t, e, close, 0, {}, 0, 0});
    const ReferenceDrawdowns r = Reference(t, e);
    INFO("curve " << curve << " n " << n);
    CHECK(SameValue(m.max_drawdown, r.max));
    CHECK(SameValue(m.avg_drawdown, r.avg));
    CHECK(SameValue(m.max_drawdown_duration_s, r.max_duration / 1e9));
    CHECK(SameValue(m.equity_peak, std::isnan(e[0]) ? std::nan("") : r.peak));
  }
}

TEST_CASE("metrics on a prepared basis are the metrics, bit for bit") {
  std::mt19937_64 rng(11);
  const std::vector<TimeNs> t = Days(500, true);
  std::vector<double> e(t.size()), close(t.size());
  double v = 100, c = 50;
  for (size_t j = 0; j < t.size(); ++j) {
    v *= 1 + (static_cast<double>(rng() % 2001) - 1000) * 1e-5;
    c *= 1 + (static_cast<double>(rng() % 2001) - 1000) * 1e-5;
    e[j] = v;
    close[j] = c;
  }
  const MetricsInput in{t, e, close, 3, {}, 0, 0};
  const MetricsBasis basis = PrepareMetricsBasis(t, close);
  const auto a = MetricsFields(ComputeMetrics(in));
  const auto b = MetricsFields(ComputeMetrics(in, basis));
  for (size_t k = 0; k < a.size(); ++k) {
    INFO(a[k].first);
    CHECK(SameValue(a[k].second, b[k].second));
  }
  CHECK(std::isfinite(ComputeMetrics(in, basis).beta));
}

TEST_CASE("trade statistics: exposure over bars, geometric average, profit factor on returns") {
  const std::vector<TimeNs> t = Days(10, true);
  const std::vector<double> equity(10, 100.0);
  const std::vector<double> close = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<TradeRecord> trades = {Trade(0, 1, 10, 0.10, t), Trade(1, 3, -4, -0.05, t),
                                           Trade(6, 7, 0, 0.0, t)};
  MetricsInput in{t, equity, close, 2, trades, 0, 0};
  const Metrics m = ComputeMetrics(in);
  CHECK(m.exposure_time == Approx(6.0 / 10));  // bars 0..3 and 6..7
  CHECK(m.num_trades == 3);
  CHECK(m.win_rate == Approx(1.0 / 3));  // a zero-PnL trade is not a win
  CHECK(m.best_trade == 0.10);
  CHECK(m.worst_trade == -0.05);
  CHECK(m.avg_trade == Approx(std::cbrt(1.10 * 0.95 * 1.0) - 1));
  CHECK(m.profit_factor == Approx(0.10 / 0.05));
  CHECK(m.expectancy == Approx(0.05 / 3));
  CHECK(m.commissions == 3);
  CHECK(m.buy_hold_return == Approx((10.0 - 3.0) / 3.0));  // from close[W] with W = 2
  const double mean = 2.0,
               sd = std::sqrt(
                   ((10 - mean) * (10 - mean) + (-4 - mean) * (-4 - mean) + mean * mean) / 2);
  CHECK(m.sqn == Approx(std::sqrt(3.0) * mean / sd));
  CHECK(m.kelly == Approx(1.0 / 3 - (2.0 / 3) / (10.0 / 4.0)));
  // Trade durations: 1 day (Mon->Tue), 2 days, and Mon(6) -> Tue(7).
  CHECK(m.max_trade_duration_s == 2 * 86400);
  CHECK(m.avg_trade_duration_s == Approx(std::ceil(4.0 / 3) * 86400));  // rounded up to days
}

TEST_CASE("annualization is inferred from the bar spacing and weekend share") {
  auto periods = [](const std::vector<TimeNs>& t) {
    const std::vector<double> equity(t.size(), 1.0);
    MetricsInput in{t, equity, {}, 0, {}, 0, 0};
    return ComputeMetrics(in).conventions;
  };
  CHECK(periods(Days(300, true)).annualization_periods == 252);
  CHECK(periods(Days(300, false)).annualization_periods == 365);
  CHECK(periods(Days(300, false)).return_sampling == "D");
  std::vector<TimeNs> weekly, monthly, hourly;
  for (int k = 0; k < 120; ++k)
    weekly.push_back(DaysFromCivil(2020, 1, 5) * kNsPerDay + k * 7 * kNsPerDay);
  for (int k = 0; k < 120; ++k)
    monthly.push_back(DaysFromCivil(2010 + k / 12, 1 + k % 12, 1) * kNsPerDay);
  for (int k = 0; k < 500; ++k)
    hourly.push_back(DaysFromCivil(2020, 1, 6) * kNsPerDay + k * kNsPerHour);
  CHECK(periods(weekly).annualization_periods == 52);
  CHECK(periods(weekly).return_sampling == "W");
  CHECK(periods(monthly).annualization_periods == 12);
  CHECK(periods(monthly).return_sampling == "ME");
  CHECK(periods(hourly).duration_resolution_ns == kNsPerHour);
  CHECK(periods(hourly).annualization_periods == 365);  // 24/7 hourly bars
}

TEST_CASE("returns are compounded from day-end equity; volatility is the product formula") {
  // Two bars a day; only each day's last equity counts.
  std::vector<TimeNs> t;
  std::vector<double> equity;
  double e = 100;
  for (int d = 0; d < 5; ++d) {
    const TimeNs day = (DaysFromCivil(2024, 1, 1) + d) * kNsPerDay;
    t.push_back(day + 10 * kNsPerHour);
    equity.push_back(e * 0.5);  // intraday noise that must be ignored
    e *= d % 2 == 0 ? 1.02 : 0.99;
    t.push_back(day + 16 * kNsPerHour);
    equity.push_back(e);
  }
  const std::vector<double> close(t.size(), 1.0);
  const Metrics m = ComputeMetrics(MetricsInput{t, equity, close, 0, {}, 0, 0});
  // Day-end returns from day 1: 0.99, 1.02, 0.99, 1.02 (day 0's close is the base).
  const std::vector<double> r = {-0.01, 0.02, -0.01, 0.02};
  const double g = std::pow(0.99 * 1.02 * 0.99 * 1.02, 0.25) - 1;
  double mean = 0, var = 0;
  for (double x : r) mean += x / 4;
  for (double x : r) var += (x - mean) * (x - mean) / 3;
  CHECK(m.conventions.annualization_periods == 252);
  CHECK(m.annual_return == Approx(std::pow(1 + g, 252) - 1));
  CHECK(m.annual_volatility ==
        Approx(std::sqrt(std::pow(var + (1 + g) * (1 + g), 252) - std::pow(1 + g, 504))));
  CHECK(m.sharpe_ratio == Approx(m.annual_return / m.annual_volatility));
  CHECK(m.sortino_ratio ==
        Approx(m.annual_return / (std::sqrt(2 * 0.0001 / 4) * std::sqrt(252.0))));
}

TEST_CASE("metrics JSON writes NaN as null and keeps conventions") {
  const std::vector<TimeNs> t = Days(3, true);
  const std::vector<double> equity = {100, 100, 100};
  const nlohmann::json j = MetricsToJson(ComputeMetrics(MetricsInput{t, equity, {}, 0, {}, 0, 0}));
  CHECK(j["win_rate"].is_null());
  CHECK(j["sharpe_ratio"].is_null());
  CHECK(j["total_return"] == 0.0);
  CHECK(j["start"] == "2024-01-01T00:00:00Z");
  CHECK(j["conventions"]["annualization_periods"] == 252.0);
  CHECK(j.contains("kelly"));
}

}  // namespace
}  // namespace btr
