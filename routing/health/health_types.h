// The vocabulary of engine health (docs/routing.md): the options of the health.* configuration,
// the states an engine is reported in, and the snapshot the API and the CLI show.
// Plain value types; thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/time.h"
#include "routing/health/run_history.h"

namespace btr {

// The health.* keys. ServerApp fills every field from the configuration, whose schema
// (services/config/schema.cc) holds the defaults and config/btrouter.conf documents them; the
// initializers here only mirror those defaults for tests. Durations are seconds.
struct HealthOptions {
  double interval_s = 10;             // between probes of an engine that carries traffic
  double timeout_s = 2;               // a probe slower than this failed
  int unhealthy_threshold = 3;        // failed probes in a row that eject a healthy engine
  int healthy_threshold = 2;          // good probes in a row that bring it back (1 at startup)
  double no_traffic_interval_s = 60;  // between probes of a healthy engine without traffic
  double jitter_pct = 10;             // each wait is stretched by a random 0..jitter_pct %
  int consecutive_failures = 5;       // failed runs in a row that eject (outlier detection)
  double base_ejection_s = 30;        // ejection time = base x number of ejections ...
  double max_ejection_s = 300;        // ... capped here
  double max_ejection_pct = 50;       // share of enabled engines that may be ejected at once
  size_t window_runs = 100;           // the statistics window: the last N runs ...
  double window_s = 300;              // ... that ended within this many seconds
};

// What GET /v1/engines reports, from best to worst:
//   healthy   routable, no recent failure;
//   degraded  routable, but failures were seen below the thresholds, an ejection was refused by
//             max_ejection_pct, or the circuit is half-open (one trial run allowed);
//   ejected   not routable: active checks failed past unhealthy_threshold (or never passed),
//             or outlier detection opened the circuit; `reason` says which ("active: ...",
//             "outlier: ...");
//   draining  an admin drain: running jobs finish, no new ones are admitted;
//   disabled  an admin disable: no new jobs, no probes.
enum class EngineState { kHealthy, kDegraded, kEjected, kDraining, kDisabled };
// Outlier detection's circuit: closed (normal), open (ejected until a time), half-open (the
// ejection time passed; the next run is a trial that closes or re-opens it).
enum class CircuitState { kClosed, kOpen, kHalfOpen };
enum class AdminState { kActive, kDraining, kDisabled };

std::string_view EngineStateName(EngineState state);    // "healthy", ...
std::string_view CircuitStateName(CircuitState state);  // "closed", "open", "half_open"

// Whether one engine's run may start now.
struct Admission {
  bool admitted = false;
  bool trial = false;  // the half-open circuit's one trial run
  // Not admitted only because the half-open trial is in flight: its verdict comes soon, so a
  // caller may wait rather than give up.
  bool retry_soon = false;
  EngineState state = EngineState::kHealthy;
  std::string reason;  // why not admitted: "ejected (active: 3 failed probes in a row ...)"
};

struct ProbeRecord {
  TimeNs at = 0;  // when it ended
  double latency_ms = 0;
  bool ok = false;  // answered healthy within timeout_s
  std::string detail;
};

// Success rate and run latency over the window (docs/routing.md). A run counts as failed when
// it failed on the engine's side (the kinds outlier detection counts); invalid input is the
// caller's fault and counts as a success; cancelled runs are left out. Latencies are those of
// the runs that succeeded.
struct WindowStats {
  size_t runs = 0;
  size_t failures = 0;
  std::optional<double> success_rate;    // none without runs
  std::optional<double> p50_ms, p99_ms;  // none without successful runs
};

// One engine's health as of a moment.
struct EngineHealthStatus {
  std::string name;
  EngineState state = EngineState::kHealthy;
  std::string reason;  // empty when healthy
  CircuitState circuit = CircuitState::kClosed;
  bool up = false;  // passes its health checks and its circuit is not open (admin aside)
  std::optional<ProbeRecord> last_probe;
  int probe_failures_in_row = 0;
  int run_failures_in_row = 0;
  uint64_t ejections = 0;       // outlier ejections since start
  TimeNs ejected_until = 0;     // while the circuit is open; 0 otherwise
  TimeNs next_probe_at = 0;     // 0 while disabled
  double probe_interval_s = 0;  // the interval in use (interval_s or no_traffic_interval_s)
  WindowStats window;
  std::vector<HistoryPoint> history;  // per minute over the last hour (RunHistory)
  TimeNs history_bucket_ns = 0;
  size_t running = 0;  // admitted runs not finished yet
};

}  // namespace btr
