#include "engines/data/bar_buckets.h"

#include <algorithm>

namespace btr {

BarRange BarsInTimeRange(const BarSeries& bars, TimeNs from, TimeNs to) {
  if (from > to) return {};
  const auto first = std::lower_bound(bars.time.begin(), bars.time.end(), from);
  const auto last = std::upper_bound(first, bars.time.end(), to);
  return {static_cast<size_t>(first - bars.time.begin()),
          static_cast<size_t>(last - bars.time.begin())};
}

namespace {

OhlcBucket Merge(const BarSeries& bars, size_t begin, size_t end) {
  OhlcBucket b{bars.time[begin], bars.open[begin],    bars.high[begin],
               bars.low[begin],  bars.close[end - 1], 0.0};
  for (size_t i = begin; i < end; ++i) {
    b.high = std::max(b.high, bars.high[i]);
    b.low = std::min(b.low, bars.low[i]);
    b.volume += bars.volume[i];
  }
  return b;
}

}  // namespace

DownsampledBars DownsampleBars(const BarSeries& bars, BarRange range, size_t max_points) {
  DownsampledBars out;
  const size_t n = range.size();
  const size_t cap = std::max<size_t>(1, max_points);
  out.step = std::max<size_t>(1, (n + cap - 1) / cap);
  out.buckets.reserve((n + out.step - 1) / out.step);
  for (size_t begin = range.begin; begin < range.end; begin += out.step) {
    out.buckets.push_back(Merge(bars, begin, std::min(range.end, begin + out.step)));
  }
  return out;
}

}  // namespace btr
