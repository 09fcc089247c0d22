// RunHistory: runs bucketed per minute with each minute's own p50/p99, only the last hour kept,
// minutes without runs absent.
#include "routing/health/run_history.h"

#include <catch2/catch.hpp>

namespace btr {
namespace {

constexpr TimeNs kMinute = 60 * kNsPerSecond;

TEST_CASE("run history: per-minute buckets over the last hour", "[health]") {
  RunHistory history(kMinute, 60);
  const TimeNs t0 = 1'700'000'000 * kNsPerSecond - 1'700'000'000 * kNsPerSecond % kMinute;
  for (int k = 1; k <= 100; ++k) history.Add(t0 + k * kNsPerSecond / 10, false, k / 1000.0);
  history.Add(t0 + 20 * kNsPerSecond, true, 9.0);  // a failure: counted, no latency
  history.Add(t0 + 3 * kMinute + 5, false, 0.5);   // minutes 1 and 2 have no runs

  std::vector<HistoryPoint> points = history.Points(t0 + 3 * kMinute + 10);
  REQUIRE(points.size() == 2);
  CHECK(points[0].start == t0);
  CHECK(points[0].runs == 101);
  CHECK(points[0].failures == 1);
  CHECK(*points[0].p50_ms == Approx(50));  // 1..100 ms: nearest rank 50
  CHECK(*points[0].p99_ms == Approx(99));
  CHECK(points[1].start == t0 + 3 * kMinute);
  CHECK(*points[1].p50_ms == Approx(500));

  // An hour later the first minute has left; a failed-only minute has no percentiles.
  history.Add(t0 + 61 * kMinute, true, 1.0);
  points = history.Points(t0 + 61 * kMinute + 1);
  REQUIRE(points.size() == 2);
  CHECK(points[0].start == t0 + 3 * kMinute);
  CHECK(points[1].runs == 1);
  CHECK_FALSE(points[1].p50_ms.has_value());
  CHECK(history.Points(t0 + 200 * kMinute).empty());
}

TEST_CASE("run history: keeps at most the configured number of buckets", "[health]") {
  RunHistory history(kMinute, 3);
  for (int m = 0; m < 10; ++m) history.Add(m * kMinute, false, 0.001);
  std::vector<HistoryPoint> points = history.Points(9 * kMinute);
  REQUIRE(points.size() == 3);
  CHECK(points.front().start == 7 * kMinute);
  CHECK(points.back().start == 9 * kMinute);
}

}  // namespace
}  // namespace btr
