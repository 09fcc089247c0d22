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

namespace btr::compare {

// How a value is shown.
enum class Unit {
  kFraction,  // 0.1234 -> "12.34 %" (differences in percentage points, "pp")
  kMoney,     // "12,345.68"
  kRatio,     // Sharpe, beta, ...: "1.23" from 1 up, 3 significant digits below
  kNumber,    // prices, sizes, correlations: up to 6 significant digits, "12,345.7"
  kCount,     // "1,234"
  kSeconds,   // "350 ms", "5.2 s", "3 min 5 s", "2 h 30 min", "3 days 4 h", "680 days"
  kTime,      // ISO-8601 text: "2004-08-19" at midnight, else "2004-08-19 15:30"
  kText,      // as it is
};

// The label and unit of a canonical metric or convention key (docs/metrics.md), e.g.
// "max_drawdown_duration_s" -> {"Longest drawdown", kSeconds}. A key not listed gets a label
// made from its words, and kSeconds when it ends in "_s", else kNumber.
struct KeyFormat {
  std::string label;
  Unit unit;
};
KeyFormat FormatOfKey(std::string_view key);

// `v` with `decimals` fixed decimals and commas between thousands: Grouped(-1234.5, 2) ==
// "-1,234.50". A value that rounds to zero has no minus sign.
std::string Grouped(double v, int decimals);

std::string FormatPercent(double fraction);  // 2 decimals; a tiny non-zero one 2 significant
std::string FormatMoney(double v);
std::string FormatRatio(double v);
std::string FormatNumber(double v);
std::string FormatCount(double v);
std::string FormatSeconds(double seconds);
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
