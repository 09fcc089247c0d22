#include "engines/metrics/metrics_basis.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "engines/core/lane_sum.h"
#include "engines/metrics/fast_log.h"

namespace btr {
namespace {

// The median spacing of the last 100 bars (pandas Series.diff().median()).
TimeNs BarPeriod(std::span<const TimeNs> time) {
  const size_t first = time.size() > 100 ? time.size() - 100 : 0;
  std::vector<TimeNs> diffs;
  for (size_t i = first + 1; i < time.size(); ++i) diffs.push_back(time[i] - time[i - 1]);
  if (diffs.empty()) return 0;
  std::sort(diffs.begin(), diffs.end());
  const size_t mid = diffs.size() / 2;
  if (diffs.size() % 2 == 1) return diffs[mid];
  return static_cast<TimeNs>(
      (static_cast<double>(diffs[mid - 1]) + static_cast<double>(diffs[mid])) / 2);
}

// The finest non-zero unit of a timedelta (pandas Timedelta.resolution_string), in ns.
TimeNs Resolution(TimeNs period) {
  // (unit, number of units in the next coarser one): ns, us, ms, s, min, h.
  static constexpr std::pair<TimeNs, TimeNs> kUnits[] = {{1, 1000},          {1000, 1000},
                                                         {1000000, 1000},    {kNsPerSecond, 60},
                                                         {kNsPerMinute, 60}, {kNsPerHour, 24}};
  for (const auto& [unit, per_coarser] : kUnits) {
    if ((period / unit) % per_coarser != 0) return unit;
  }
  return kNsPerDay;
}

// Consecutive bars on one calendar day: the day (days since epoch), its last bar, its bar count.
struct DayRun {
  int64_t day;
  size_t last;
  size_t bars;
};

// One pass over sorted times; the day is computed only when a bar crosses midnight.
std::vector<DayRun> DayRuns(std::span<const TimeNs> time) {
  std::vector<DayRun> runs;
  TimeNs day_end = std::numeric_limits<TimeNs>::min();
  for (size_t i = 0; i < time.size(); ++i) {
    if (time[i] >= day_end) {
      const int64_t day = DayNumber(time[i]);
      runs.push_back({day, i, 0});
      day_end = (day + 1) * kNsPerDay;
    }
    runs.back().last = i;
    ++runs.back().bars;
  }
  return runs;
}

// Sampling period of the equity curve and its grouping key for a day number.
struct Sampling {
  const char* name;
  int64_t (*key)(int64_t day);
};

Sampling ChooseSampling(int64_t freq_days) {
  switch (freq_days) {
    case 7:  // weeks ending on Sunday
      return {"W", [](int64_t day) { return day - DayOfWeek(day * kNsPerDay); }};
    case 31:
      return {"ME", [](int64_t day) {
                const CivilTime c = ToCivil(day * kNsPerDay);
                return static_cast<int64_t>(c.year) * 12 + c.month;
              }};
    case 365:
      return {"YE",
              [](int64_t day) { return static_cast<int64_t>(ToCivil(day * kNsPerDay).year); }};
    default:
      return {"D", [](int64_t day) { return day; }};
  }
}

// The last bar of each sampling period with bars (the equity points the returns compare).
std::vector<size_t> PeriodEnds(const std::vector<DayRun>& days, const Sampling& sampling) {
  std::vector<size_t> ends;
  int64_t current = 0;
  for (size_t k = 0; k < days.size(); ++k) {
    const int64_t key = sampling.key(days[k].day);
    if (k == 0 || key != current) {
      ends.push_back(days[k].last);
      current = key;
    } else {
      ends.back() = days[k].last;
    }
  }
  return ends;
}

// Periods per year: from the bar spacing, and for intraday or daily bars from the share of
// weekend bars (crypto trades every day).
double PeriodsPerYear(int64_t freq_days, const std::vector<DayRun>& days, size_t bars) {
  if (freq_days == 7) return 52;
  if (freq_days == 31) return 12;
  if (freq_days == 365) return 1;
  size_t weekend_bars = 0;
  for (const DayRun& d : days) weekend_bars += DayOfWeek(d.day * kNsPerDay) >= 5 ? d.bars : 0;
  const bool has_weekends =
      static_cast<double>(weekend_bars) / static_cast<double>(bars) > 2.0 / 7 * .6;
  return has_weekends ? 365 : 252;
}

}  // namespace

MetricsBasis PrepareMetricsBasis(std::span<const TimeNs> time, std::span<const double> close) {
  MetricsBasis basis;
  basis.bars = time.size();
  basis.bar_period = BarPeriod(time);
  basis.resolution = basis.bar_period > 0 ? Resolution(basis.bar_period) : kNsPerDay;
  const int64_t freq_days = basis.bar_period / kNsPerDay;
  const std::vector<DayRun> days = DayRuns(time);
  basis.periods_per_year = PeriodsPerYear(freq_days, days, time.size());
  const Sampling sampling = ChooseSampling(freq_days);
  basis.sampling = sampling.name;
  basis.period_ends = PeriodEnds(days, sampling);

  if (close.size() == time.size() && close.size() >= 3) {
    std::vector<double>& m = basis.market_log_returns;
    m.resize(close.size() - 1);
    AdjacentRatios(close, m);
    LogInPlace(m);
    basis.market_sum = LaneSum(m.size(), [&](size_t j) { return m[j]; });
    basis.market_sum_squares = LaneSum(m.size(), [&](size_t j) { return m[j] * m[j]; });
  }
  return basis;
}

}  // namespace btr
