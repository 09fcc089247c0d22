#include "engines/data/bar_buckets.h"

#include <catch2/catch.hpp>

namespace btr {
namespace {

// Bar i at time 10 * (i + 1): open 100 + i, high 101 + i (bar 3 spikes to 500), low 99 + i
// (bar 5 dips to 1), close 100.5 + i, volume i + 1.
BarSeries Sample(size_t n) {
  BarSeries bars;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    bars.Append(static_cast<TimeNs>(10 * (i + 1)), 100 + x, i == 3 ? 500 : 101 + x,
                i == 5 ? 1 : 99 + x, 100.5 + x, x + 1);
  }
  bars.has_volume = true;
  return bars;
}

TEST_CASE("DownsampleBars keeps every bar when max_points covers the range", "[bar_buckets]") {
  const BarSeries bars = Sample(7);
  const DownsampledBars d = DownsampleBars(bars, {0, 7}, 7);
  CHECK(d.step == 1);
  REQUIRE(d.buckets.size() == 7);
  for (size_t i = 0; i < 7; ++i) {
    CHECK(d.buckets[i].time == bars.time[i]);
    CHECK(d.buckets[i].open == bars.open[i]);
    CHECK(d.buckets[i].high == bars.high[i]);
    CHECK(d.buckets[i].low == bars.low[i]);
    CHECK(d.buckets[i].close == bars.close[i]);
    CHECK(d.buckets[i].volume == bars.volume[i]);
  }
}

TEST_CASE("DownsampleBars merges consecutive bars into OHLC buckets", "[bar_buckets]") {
  const BarSeries bars = Sample(7);
  // 7 bars into at most 3 buckets: step 3, buckets [0,3) [3,6) [6,7).
  const DownsampledBars d = DownsampleBars(bars, {0, 7}, 3);
  CHECK(d.step == 3);
  REQUIRE(d.buckets.size() == 3);
  const OhlcBucket& mid = d.buckets[1];
  CHECK(mid.time == 40);      // first bar's time
  CHECK(mid.open == 103);     // first bar's open
  CHECK(mid.high == 500);     // the spike of bar 3
  CHECK(mid.low == 1);        // the dip of bar 5
  CHECK(mid.close == 105.5);  // last bar's close
  CHECK(mid.volume == 4 + 5 + 6);
  CHECK(d.buckets[0].high == 103);  // max of 101, 102, 103
  CHECK(d.buckets[0].low == 99);
  CHECK(d.buckets[0].close == 102.5);
  CHECK(d.buckets[2].time == 70);  // the short last bucket: bar 6 alone
  CHECK(d.buckets[2].close == 106.5);
  CHECK(d.buckets[2].volume == 7);

  // 7 bars into at most 2: step 4, so 2 buckets, never more than asked.
  CHECK(DownsampleBars(bars, {0, 7}, 2).buckets.size() == 2);
  const DownsampledBars one = DownsampleBars(bars, {0, 7}, 0);  // 0 counts as 1
  CHECK(one.step == 7);
  REQUIRE(one.buckets.size() == 1);
  CHECK(one.buckets[0].open == 100);
  CHECK(one.buckets[0].close == 106.5);
  CHECK(one.buckets[0].volume == 28);
}

TEST_CASE("DownsampleBars works on a sub-range and an empty one", "[bar_buckets]") {
  const BarSeries bars = Sample(7);
  const DownsampledBars d = DownsampleBars(bars, {2, 5}, 10);
  REQUIRE(d.buckets.size() == 3);
  CHECK(d.buckets.front().time == 30);
  CHECK(d.buckets.back().time == 50);
  const DownsampledBars none = DownsampleBars(bars, {4, 4}, 10);
  CHECK(none.buckets.empty());
  CHECK(none.step == 1);
}

TEST_CASE("BarsInTimeRange selects by time, both ends inclusive", "[bar_buckets]") {
  const BarSeries bars = Sample(7);  // times 10..70
  auto range = [&](TimeNs from, TimeNs to) {
    const BarRange r = BarsInTimeRange(bars, from, to);
    return std::pair<size_t, size_t>(r.begin, r.end);
  };
  CHECK(range(20, 40) == std::pair<size_t, size_t>(1, 4));
  CHECK(range(15, 45) == std::pair<size_t, size_t>(1, 4));
  CHECK(range(0, 1000) == std::pair<size_t, size_t>(0, 7));
  CHECK(BarsInTimeRange(bars, 71, 1000).size() == 0);
  CHECK(BarsInTimeRange(bars, 0, 9).size() == 0);
  CHECK(BarsInTimeRange(bars, 50, 40).size() == 0);
  CHECK(range(70, 70) == std::pair<size_t, size_t>(6, 7));
}

}  // namespace
}  // namespace btr
