#include "routing/health/run_window.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace btr {

double NearestRank(const std::vector<double>& sorted, double p) {
  const double r = std::ceil(p / 100 * static_cast<double>(sorted.size()));
  const size_t k = static_cast<size_t>(std::max(1.0, r)) - 1;
  return sorted[std::min(k, sorted.size() - 1)];
}

RunWindow::RunWindow(size_t max_runs, TimeNs max_age_ns)
    : max_runs_(std::max<size_t>(1, max_runs)), max_age_ns_(std::max<TimeNs>(1, max_age_ns)) {}

void RunWindow::Add(TimeNs at, bool failed, double seconds) {
  runs_.push_back({at, failed, seconds});
  while (runs_.size() > max_runs_) runs_.pop_front();
}

WindowStats RunWindow::Stats(TimeNs now) const {
  WindowStats stats;
  std::vector<double> latencies;
  for (const Run& run : runs_) {
    if (now - run.at > max_age_ns_) continue;
    ++stats.runs;
    if (run.failed) {
      ++stats.failures;
    } else {
      latencies.push_back(run.seconds * 1000);
    }
  }
  if (stats.runs > 0) {
    stats.success_rate =
        static_cast<double>(stats.runs - stats.failures) / static_cast<double>(stats.runs);
  }
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    stats.p50_ms = NearestRank(latencies, 50);
    stats.p99_ms = NearestRank(latencies, 99);
  }
  return stats;
}

}  // namespace btr
