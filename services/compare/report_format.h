// Numbers, durations, times and axis ticks of the comparison page (report_html.h), written for
// people: fractions as percentages, money with thousands separators, durations in days, hours
// and minutes, other numbers to 6 significant digits — never a 17-digit float. Axis ticks are
// "nice": steps of 1, 2 or 5 times a power of ten, and whole minutes, hours, days, months or
// years on time axes. The page keeps every exact value in data-value attributes; these are
// only what is shown. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/time.h"
#include "engines/metrics/metric_format.h"

namespace btr::compare {

// How a value is shown, and the label and unit of a canonical key: one table for every human
// surface (engines/metrics/metric_format.h), under the names this page's code uses.
using Unit = MetricUnit;
using KeyFormat = MetricDisplay;
inline KeyFormat FormatOfKey(std::string_view key) { return DisplayOf(key); }
inline std::string Grouped(double v, int decimals) { return FormatGrouped(v, decimals); }
inline std::string FormatSeconds(double seconds) { return FormatDuration(seconds); }

// "2004-11-17" for a time at midnight, else "2004-11-17 15:59".
std::string FormatIsoShort(std::string_view iso);

// A JSON value in `unit`: null "—", "inf"/"-inf" (and infinities) "∞"/"-∞", NaN "—", numbers as
// above, strings as they are (kTime strings shortened), anything else as JSON.
std::string FormatValue(const nlohmann::json& v, Unit unit);
// A difference in `unit`, with its sign: "+1.23 pp" (fractions), "-12.50" (money), "+3"
// (counts), "+2 days"; zero is "0". Non-numbers as FormatValue.
std::string FormatDelta(const nlohmann::json& v, Unit unit);

// A value axis over data in [lo, hi]: `step` is 1, 2 or 5 times a power of ten, the smallest
// that needs at most `max_ticks` ticks; `lo`/`hi` are the data's bounds widened to multiples of
// the step; ticks run from lo to hi, labelled in `unit` (kFraction as percents, kMoney and
// kNumber with separators) with as many decimals as the step needs. An empty or non-finite range
// is widened around its value. REQUIRES: max_ticks >= 2.
struct AxisTick {
  double value;
  std::string label;
};
struct NiceScale {
  double lo, hi, step;
  std::vector<AxisTick> ticks;
};
NiceScale MakeNiceScale(double lo, double hi, int max_ticks, Unit unit);

// Ticks on a time axis over [t0, t1]: the smallest step among whole seconds, minutes, hours,
// days, weeks (Mondays), months and years (1, 2, 5, ... of each, aligned: months 1/4/7/10 for a
// quarter step, years divisible by the step) giving at most `max_ticks` ticks inside the range.
// Labels follow the step: "2006" (years), "2006-04" (months), "2006-04-17" (days and weeks),
// "2006-04-17 15:00" (hours and minutes), "15:00:05" (seconds). When no tick of the smallest
// step that fits falls inside the range, the two ends are the ticks. REQUIRES: max_ticks >= 2.
struct TimeTick {
  TimeNs time;
  std::string label;
};
std::vector<TimeTick> MakeTimeTicks(TimeNs t0, TimeNs t1, int max_ticks);

}  // namespace btr::compare
