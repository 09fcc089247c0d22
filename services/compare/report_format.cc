#include "services/compare/report_format.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "services/compare/explanations.h"

namespace btr::compare {
namespace {

using nlohmann::json;

bool EndsWith(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// The power of ten of |v| (v != 0): 0.2 -> -1, 5 -> 0, 100 -> 2; the slack keeps exact powers of
// ten whose logarithm comes out a hair low (log10(0.1) = -0.99999...) on their own exponent.
int Exponent(double v) { return static_cast<int>(std::floor(std::log10(std::fabs(v)) + 1e-9)); }

// The decimals that tell ticks `step` apart (step a power of ten times 1, 2 or 5).
int DecimalsFor(double step) { return std::max(0, -Exponent(step)); }

std::string TickLabel(double value, double step, Unit unit) {
  if (unit == Unit::kFraction) return Grouped(value * 100, DecimalsFor(step * 100)) + " %";
  return Grouped(value, DecimalsFor(step));
}

// A step of a time axis: a fixed number of nanoseconds (aligned to multiples of it since
// `offset`), or a number of calendar months or years.
struct TimeStep {
  enum Kind { kFixed, kMonths, kYears } kind;
  int64_t amount;
  int64_t offset = 0;
};

const std::vector<TimeStep>& TimeSteps() {
  static const std::vector<TimeStep> steps = [] {
    std::vector<TimeStep> list;
    for (int64_t s : {1, 2, 5, 10, 15, 30}) list.push_back({TimeStep::kFixed, s * kNsPerSecond});
    for (int64_t m : {1, 2, 5, 10, 15, 30}) list.push_back({TimeStep::kFixed, m * kNsPerMinute});
    for (int64_t h : {1, 2, 3, 6, 12}) list.push_back({TimeStep::kFixed, h * kNsPerHour});
    for (int64_t d : {1, 2}) list.push_back({TimeStep::kFixed, d * kNsPerDay});
    list.push_back({TimeStep::kFixed, 7 * kNsPerDay, 4 * kNsPerDay});  // 1970-01-05, a Monday
    for (int64_t m : {1, 2, 3, 6}) list.push_back({TimeStep::kMonths, m});
    for (int64_t y : {1, 2, 5, 10, 20, 50, 100, 200, 500}) list.push_back({TimeStep::kYears, y});
    return list;
  }();
  return steps;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// Calendar months (or years) since year 0 at or after t0, as month indexes year * 12 + month - 1.
int64_t FirstMonth(TimeNs t0, int64_t months_per_tick) {
  const CivilTime c = ToCivil(t0);
  int64_t month = int64_t{c.year} * 12 + c.month - 1;
  if (DaysFromCivil(c.year, c.month, 1) * kNsPerDay < t0) ++month;
  return CeilDiv(month, months_per_tick) * months_per_tick;
}

TimeNs MonthStart(int64_t month) {
  return DaysFromCivil(static_cast<int>(FloorDiv(month, 12)),
                       static_cast<unsigned>(month - FloorDiv(month, 12) * 12 + 1), 1) *
         kNsPerDay;
}

// The tick times of `step` in [t0, t1], or nullopt when there would be more than `max_ticks`.
std::optional<std::vector<TimeNs>> TicksOf(const TimeStep& step, TimeNs t0, TimeNs t1,
                                           int max_ticks) {
  std::vector<TimeNs> times;
  if (step.kind == TimeStep::kFixed) {
    const int64_t first = CeilDiv(t0 - step.offset, step.amount);
    const int64_t last = FloorDiv(t1 - step.offset, step.amount);
    if (last - first + 1 > max_ticks) return std::nullopt;
    for (int64_t k = first; k <= last; ++k) times.push_back(k * step.amount + step.offset);
    return times;
  }
  const int64_t months = step.kind == TimeStep::kMonths ? step.amount : 12 * step.amount;
  const CivilTime end = ToCivil(t1);
  const int64_t last_month = int64_t{end.year} * 12 + end.month - 1;
  const int64_t first = FirstMonth(t0, months);
  if (first <= last_month && (last_month - first) / months + 1 > max_ticks) return std::nullopt;
  for (int64_t m = first; m <= last_month; m += months) times.push_back(MonthStart(m));
  return times;
}

std::string TimeLabel(TimeNs t, const TimeStep& step) {
  const std::string iso = FormatIsoTime(t);
  if (step.kind == TimeStep::kYears) return iso.substr(0, 4);
  if (step.kind == TimeStep::kMonths) return iso.substr(0, 7);
  if (step.amount >= kNsPerDay) return iso.substr(0, 10);
  if (step.amount >= kNsPerMinute) return iso.substr(0, 10) + " " + iso.substr(11, 5);
  return iso.substr(11, 8);
}

}  // namespace

std::string FormatIsoShort(std::string_view iso) {
  const std::optional<TimeNs> t = ParseIsoTime(iso);
  return t ? ShortTime(*t) : std::string(iso);
}

std::string FormatValue(const json& v, Unit unit) {
  if (v.is_null()) return "—";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) {
    const std::string text = v.get<std::string>();
    if (text == "inf") return "∞";
    if (text == "-inf") return "-∞";
    if (text == "nan" || text == "NaN") return "—";
    return unit == Unit::kTime ? FormatIsoShort(text) : text;
  }
  if (!v.is_number()) return v.dump();
  return FormatInUnit(unit, v.get<double>());
}

std::string FormatDelta(const json& v, Unit unit) {
  if (!v.is_number()) return FormatValue(v, unit);
  const double d = v.get<double>();
  if (d == 0) return "0";
  std::string text = FormatValue(v, unit);
  if (unit == Unit::kFraction && EndsWith(text, " %")) text.replace(text.size() - 1, 1, "pp");
  return d > 0 && std::isfinite(d) ? "+" + text : text;
}

NiceScale MakeNiceScale(double lo, double hi, int max_ticks, Unit unit) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = hi = 0;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= std::fabs(hi) * 1e-12) {
    const double pad = hi != 0 ? std::fabs(hi) * 0.05 : 1;
    lo -= pad;
    hi += pad;
  }
  const double unit_step = std::pow(10.0, Exponent((hi - lo) / max_ticks));
  // The smallest step that fits; one of 2 times the larger bound always does.
  NiceScale scale{lo, hi, unit_step, {}};
  for (double base = unit_step;; base *= 10) {
    bool found = false;
    for (double m : {1.0, 2.0, 5.0}) {
      const double step = base * m;
      const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
      if (last - first + 1 <= max_ticks) {
        scale = {first * step, last * step, step, {}};
        found = true;
        break;
      }
    }
    if (found) break;
  }
  const long long first = std::llround(scale.lo / scale.step);
  const long long last = std::llround(scale.hi / scale.step);
  for (long long k = first; k <= last; ++k) {
    const double value = static_cast<double>(k) * scale.step;
    scale.ticks.push_back({value, TickLabel(value, scale.step, unit)});
  }
  return scale;
}

std::vector<TimeTick> MakeTimeTicks(TimeNs t0, TimeNs t1, int max_ticks) {
  if (t1 < t0) std::swap(t0, t1);
  for (const TimeStep& step : TimeSteps()) {
    const std::optional<std::vector<TimeNs>> times = TicksOf(step, t0, t1, max_ticks);
    if (!times) continue;
    if (times->empty()) break;  // a range inside one step of the smallest that fits
    std::vector<TimeTick> ticks;
    for (TimeNs t : *times) ticks.push_back({t, TimeLabel(t, step)});
    return ticks;
  }
  return {{t0, FormatIsoShort(FormatIsoTime(t0))}, {t1, FormatIsoShort(FormatIsoTime(t1))}};
}

}  // namespace btr::compare
