#include "routing/health/run_history.h"

#include <algorithm>

#include "routing/health/run_window.h"

namespace btr {
namespace {

// Latencies kept per bucket; a busier minute's percentiles come from its first runs.
constexpr size_t kMaxLatencies = 10000;

}  // namespace

RunHistory::RunHistory(TimeNs bucket_ns, size_t buckets)
    : bucket_ns_(std::max<TimeNs>(1, bucket_ns)), buckets_(std::max<size_t>(1, buckets)) {}

void RunHistory::Add(TimeNs at, bool failed, double seconds) {
  const TimeNs start = at - at % bucket_ns_;
  if (history_.empty() || start > history_.back().point.start) {
    if (!history_.empty()) {  // close the previous bucket: its percentiles no longer change
      Bucket& closed = history_.back();
      closed.point = WithPercentiles(closed);
      closed.latencies_ms = {};
    }
    history_.push_back(Bucket{HistoryPoint{start, 0, 0, std::nullopt, std::nullopt}, {}});
    while (history_.size() > buckets_) history_.pop_front();
  }
  Bucket& bucket = history_.back();
  ++bucket.point.runs;
  if (failed) {
    ++bucket.point.failures;
  } else if (bucket.latencies_ms.size() < kMaxLatencies) {
    bucket.latencies_ms.push_back(seconds * 1000);
  }
}

HistoryPoint RunHistory::WithPercentiles(const Bucket& bucket) {
  HistoryPoint point = bucket.point;
  if (!bucket.latencies_ms.empty()) {
    std::vector<double> sorted = bucket.latencies_ms;
    std::sort(sorted.begin(), sorted.end());
    point.p50_ms = NearestRank(sorted, 50);
    point.p99_ms = NearestRank(sorted, 99);
  }
  return point;
}

std::vector<HistoryPoint> RunHistory::Points(TimeNs now) const {
  const TimeNs horizon = now - bucket_ns_ * static_cast<TimeNs>(buckets_);
  std::vector<HistoryPoint> points;
  for (size_t k = 0; k < history_.size(); ++k) {
    const Bucket& bucket = history_[k];
    if (bucket.point.start + bucket_ns_ <= horizon) continue;
    points.push_back(k + 1 == history_.size() ? WithPercentiles(bucket) : bucket.point);
  }
  return points;
}

}  // namespace btr
