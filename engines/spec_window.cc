#include "engines/spec_window.h"

#include "engines/core/utf8.h"

namespace btr {
namespace {

// A date alone: "YYYY-MM-DD" or "YYYYMMDD" (ParseIsoTime's two date forms without a clock).
bool IsDateOnly(std::string_view text) {
  return (text.size() == 10 && text[4] == '-') || text.size() == 8;
}

std::string Quoted(std::string_view text) { return "'" + Utf8Excerpt(text, 80) + "'"; }

// The instant a bound stands for: a date's midnight, or as `end` its last nanosecond.
Result<TimeNs> ParseBound(std::string_view field, std::string_view text, bool is_end) {
  const std::optional<TimeNs> t = ParseIsoTime(text);
  if (!t) {
    return Status::InvalidArgument(
        std::string(field) +
        ": expected an ISO-8601 date (2015-01-01) or date-time (2015-01-01T09:30:00Z) in the "
        "dataset's own clock (no offset other than Z or +00:00), got " +
        Quoted(text));
  }
  if (is_end && IsDateOnly(text)) return *t + (kNsPerDay - 1);
  return *t;
}

std::string BarTime(TimeNs t) { return FormatIsoTime(t, true); }

// "the dataset's bars run from <first> to <last>".
std::string DataSpan(TimeNs first, TimeNs last) {
  return "the dataset's bars run from " + BarTime(first) + " to " + BarTime(last);
}

std::string WindowText(const BacktestSpec& spec) {
  return "the window from " + (spec.start.empty() ? "the first bar" : spec.start) + " to " +
         (spec.end.empty() ? "the last bar" : spec.end);
}

}  // namespace

Result<std::string> NormalizeWindowBound(std::string_view field, std::string_view text) {
  if (text.empty()) return std::string();
  Result<TimeNs> t = ParseBound(field, text, false);
  if (!t.ok()) return t.status();
  if (IsDateOnly(text)) return FormatIsoTime(*t).substr(0, 10);
  return FormatIsoTime(*t, true);
}

Result<TimeWindow> SpecWindow(const BacktestSpec& spec) {
  TimeWindow window;
  if (!spec.start.empty()) {
    Result<TimeNs> first = ParseBound("start", spec.start, false);
    if (!first.ok()) return first.status();
    window.first = *first;
  }
  if (!spec.end.empty()) {
    Result<TimeNs> last = ParseBound("end", spec.end, true);
    if (!last.ok()) return last.status();
    window.last = *last;
  }
  if (window.first > window.last) {
    return Status::InvalidArgument("start: " + spec.start + " is after end " + spec.end +
                                   "; start must not be after end");
  }
  return window;
}

Result<BarWindow> CutToWindow(const BarSeries& bars, const BacktestSpec& spec) {
  if (!HasWindow(spec)) return BarWindow(bars, {0, bars.size()});
  Result<TimeWindow> window = SpecWindow(spec);
  if (!window.ok()) return window.status();
  const BarRange range = BarsInTimeRange(bars, window->first, window->last);
  if (range.size() >= 2) return BarWindow(bars, range);
  if (bars.empty()) return Status::InvalidArgument("dataset: holds no bars");
  const TimeNs first = bars.time.front(), last = bars.time.back();
  const char* field = window->first > last   ? "start"
                      : window->last < first ? "end"
                      : spec.start.empty()   ? "end"
                                             : "start";
  return Status::InvalidArgument(
      std::string(field) + ": " + WindowText(spec) + " holds " + std::to_string(range.size()) +
      (range.size() == 1 ? " bar" : " bars") + "; a backtest needs at least 2 (" +
      DataSpan(first, last) + "): choose start and end within them");
}

size_t BarsInWindowIfWhole(const BacktestSpec& spec, size_t bars, TimeNs first, TimeNs last) {
  if (!HasWindow(spec)) return bars;
  Result<TimeWindow> window = SpecWindow(spec);
  if (!window.ok()) return 0;
  return window->first <= first && window->last >= last ? bars : 0;
}

Status CheckWindowOverlaps(const BacktestSpec& spec, TimeNs first, TimeNs last) {
  if (!HasWindow(spec)) return Status::Ok();
  Result<TimeWindow> window = SpecWindow(spec);
  if (!window.ok()) return window.status();
  if (window->first > last) {
    return Status::InvalidArgument("start: " + spec.start + " is after the dataset's last bar (" +
                                   DataSpan(first, last) + "): choose a start within them");
  }
  if (window->last < first) {
    return Status::InvalidArgument("end: " + spec.end + " is before the dataset's first bar (" +
                                   DataSpan(first, last) + "): choose an end within them");
  }
  return Status::Ok();
}

}  // namespace btr
