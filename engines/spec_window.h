// The period of a backtest: BacktestSpec::start and ::end, both optional and inclusive.
//
// A bound is ISO-8601 text as the rest of btrouter reads times (ParseIsoTime): a date
// "2015-01-01" (also "20150101"), or a date-time "2015-01-01T09:30", "2015-01-01 09:30:00",
// "2015-01-01T09:30:00.5Z", with an optional UTC suffix "Z", "+00:00" or "+0000". Times are the
// dataset's own wall-clock times (bars carry no zone), so other offsets are refused rather than
// shifted. `end` given as a date includes that whole day (its last nanosecond); `start` as a
// date is its midnight. The run then uses the bars with start <= time <= end: the same bars as
// pandas' df.loc[start:end], so indicators warm up inside the window.
//
// Normalized text (what the spec stores and hashes): a date as "YYYY-MM-DD", a date-time as
// "YYYY-MM-DDTHH:MM:SS[.fffffffff]Z". Errors are InvalidArgument naming the field ("start",
// "end", or the CLI's flag after AsFlagError) and the fix. Pure; thread-safe.
#pragma once

#include <limits>
#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "engines/core/time.h"
#include "engines/data/bar_window.h"
#include "engines/data/bars.h"
#include "engines/spec.h"

namespace btr {

// The instants a spec's window covers, both inclusive; unbounded ends are the int64 extremes.
struct TimeWindow {
  TimeNs first = std::numeric_limits<TimeNs>::min();
  TimeNs last = std::numeric_limits<TimeNs>::max();
};

// `text` as normalized text for the spec field `field` ("start" or "end"); empty stays empty.
// InvalidArgument "<field>: expected an ISO-8601 date ... got '<text>'" otherwise.
Result<std::string> NormalizeWindowBound(std::string_view field, std::string_view text);

// The window of `spec` (start and end as the parser left them, normalized or not).
// InvalidArgument naming the field: a bound that does not parse, or start after end.
Result<TimeWindow> SpecWindow(const BacktestSpec& spec);

// True when the spec names a start or an end.
inline bool HasWindow(const BacktestSpec& spec) { return !spec.start.empty() || !spec.end.empty(); }

// The bars of `bars` inside the spec's window: `bars` itself (no copy) when the spec has no
// window or the window holds every bar. InvalidArgument when the window holds fewer than 2 bars,
// naming the field, the window and the dataset's first and last bar times, so the user can
// choose start and end within them.
Result<BarWindow> CutToWindow(const BarSeries& bars, const BacktestSpec& spec);

// The bars a run on a dataset of `bars` bars from `first` to `last` uses, when the spec's window
// is known to hold them all (or names none): `bars`; else 0 (unknown until the bars are read).
size_t BarsInWindowIfWhole(const BacktestSpec& spec, size_t bars, TimeNs first, TimeNs last);

// OK when the window can hold bars of a dataset whose bars run from `first` to `last`;
// otherwise InvalidArgument naming the field and the dataset's first and last bar times (a
// submit-time check that needs no bars; CutToWindow checks the count at run time).
Status CheckWindowOverlaps(const BacktestSpec& spec, TimeNs first, TimeNs last);

}  // namespace btr
