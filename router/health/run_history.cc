#include "router/health/run_history.h"

#include <algorithm>

#include "router/health/run_window.h"

namespace btr {
namespace {

// Latencies kept per bucket; a busier minute's percentiles come from its first runs.
constexpr size_t kMaxLatencies = 10000;

}  // namespace

RunHistory::RunHistory(TimeNs bucket_ns, size_t buckets)
    : bucket_ns_(std::max<TimeNs>(1, bucket_ns)), buckets_(std::max<size_t>(1, buckets)) {}

void RunHistory::Add(TimeNs at, bool failed, double seconds) {
  const TimeNs start = at - at % bucket_ns_;
  if (history_.empty() || start > history_.back().start) {
    history_.push_back(Bucket{start, 0, 0, {}});
    while (history_.size() > buckets_) history_.pop_front();
  }
  Bucket& bucket = history_.back();
  ++bucket.runs;
  if (failed) {
    ++bucket.failures;
  } else if (bucket.latencies_ms.size() < kMaxLatencies) {
    bucket.latencies_ms.push_back(seconds * 1000);
  }
}

std::vector<HistoryPoint> RunHistory::Points(TimeNs now) const {
  const TimeNs horizon = now - bucket_ns_ * static_cast<TimeNs>(buckets_);
  std::vector<HistoryPoint> points;
  for (const Bucket& bucket : history_) {
    if (bucket.start + bucket_ns_ <= horizon) continue;
    HistoryPoint point;
    point.start = bucket.start;
    point.runs = bucket.runs;
    point.failures = bucket.failures;
    if (!bucket.latencies_ms.empty()) {
      std::vector<double> sorted = bucket.latencies_ms;
      std::sort(sorted.begin(), sorted.end());
      point.p50_ms = NearestRank(sorted, 50);
      point.p99_ms = NearestRank(sorted, 99);
    }
    points.push_back(point);
  }
  return points;
}

}  // namespace btr
