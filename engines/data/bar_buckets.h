// Bars reduced for display: the bars of a time range, merged into at most N OHLC buckets of
// consecutive bars (a price chart needs no more points than it has pixels). Pure functions,
// thread-safe on a const BarSeries.
#pragma once

#include <cstddef>
#include <vector>

#include "engines/core/time.h"
#include "engines/data/bars.h"

namespace btr {

// One bucket: the time and open of its first bar, the highest high, the lowest low, the close
// of its last bar and the summed volume.
struct OhlcBucket {
  TimeNs time = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
};

// Bars [begin, end) of a series.
struct BarRange {
  size_t begin = 0, end = 0;
  size_t size() const { return end - begin; }
};

// The bars whose time lies in [from, to], both inclusive (times are increasing); an empty
// range when from > to or no bar is inside.
BarRange BarsInTimeRange(const BarSeries& bars, TimeNs from, TimeNs to);

struct DownsampledBars {
  size_t step = 1;  // bars per bucket (the last bucket may hold fewer)
  std::vector<OhlcBucket> buckets;
};

// The bars of `range` (which must lie inside `bars`) in consecutive buckets of
// step = max(1, ceil(range.size() / max_points)) bars, so at most max_points buckets (a
// max_points of 0 counts as 1). With max_points >= range.size() every bar is its own bucket.
DownsampledBars DownsampleBars(const BarSeries& bars, BarRange range, size_t max_points);

}  // namespace btr
