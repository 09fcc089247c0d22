// RunHistory: one engine's runs over the last hour in one-minute buckets — runs, failures and
// the p50/p99 latency of each minute — so GET /v1/engines can show latency over time (the
// dashboard's engine chart) rather than only the current window. In memory, per process.
// Times are TimeNs from the injected clock. Thread-compatible (the HealthMonitor serializes).
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include "engines/core/time.h"

namespace btr {

struct HistoryPoint {
  TimeNs start = 0;  // the bucket's first instant
  size_t runs = 0;
  size_t failures = 0;
  std::optional<double> p50_ms, p99_ms;  // of the successful runs; none without any
};

class RunHistory {
 public:
  // `bucket_ns` > 0 wide buckets, the last `buckets` of them kept.
  explicit RunHistory(TimeNs bucket_ns = 60 * kNsPerSecond, size_t buckets = 60);

  // A run that ended at `at` (the clock only moves forward; an older `at` joins the last
  // bucket), `failed` on the engine's side or not, taking `seconds`.
  void Add(TimeNs at, bool failed, double seconds);
  // The buckets with runs that started within `buckets` x `bucket_ns` before `now`, oldest
  // first. Minutes without runs are absent.
  std::vector<HistoryPoint> Points(TimeNs now) const;
  TimeNs bucket_ns() const { return bucket_ns_; }

 private:
  struct Bucket {
    HistoryPoint point;                // percentiles set once the bucket is closed
    std::vector<double> latencies_ms;  // of the open bucket's successful runs (capped)
  };
  // The point of `bucket` with its percentiles (computed from its latencies).
  static HistoryPoint WithPercentiles(const Bucket& bucket);
  const TimeNs bucket_ns_;
  const size_t buckets_;
  std::deque<Bucket> history_;  // oldest first; only the newest is open (keeps latencies)
};

}  // namespace btr
