// RunWindow: the rolling statistics window of one engine's runs — the last `max_runs` runs that
// ended within `max_age` — for the success rate and p50/p99 run latency of GET /v1/engines.
// Times are TimeNs from the injected clock. Thread-compatible (the HealthMonitor serializes).
#pragma once

#include <deque>
#include <vector>

#include "engines/core/time.h"
#include "routing/health/health_types.h"

namespace btr {

// The nearest-rank percentile `p` (0-100] of `sorted` (ascending, not empty): the smallest value
// with at least p % of the values at or below it.
double NearestRank(const std::vector<double>& sorted, double p);

class RunWindow {
 public:
  // `max_runs` >= 1; `max_age_ns` > 0.
  RunWindow(size_t max_runs, TimeNs max_age_ns);

  // A run that ended at `at`: `failed` on the engine's side or not, taking `seconds`.
  void Add(TimeNs at, bool failed, double seconds);
  // The statistics of the runs still in the window at `now`. Percentiles are nearest-rank
  // (the smallest latency with at least p % of the successful runs at or below it).
  WindowStats Stats(TimeNs now) const;

 private:
  struct Run {
    TimeNs at;
    bool failed;
    double seconds;
  };
  const size_t max_runs_;
  const TimeNs max_age_ns_;
  std::deque<Run> runs_;  // oldest first
};

}  // namespace btr
