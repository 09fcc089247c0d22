// EngineHealth: one engine's health as a pure state machine, modelled on Envoy's active health
// checking, outlier detection and circuit breaking (docs/routing.md). It has no threads and no
// clock of its own: every method takes `now` (TimeNs from the injected Clock), so tests drive it
// on simulated time. The HealthMonitor owns one per engine and serializes the calls.
//
// Active checks: a probe that fails (unhealthy, or slower than timeout_s) adds to a streak;
//   unhealthy_threshold failures in a row eject a healthy engine ("active: ..."), and
//   healthy_threshold successes in a row bring it back. At startup the engine is not routable
//   until a probe passes, and the first success marks it healthy at once. Probes run every
//   interval_s, or every no_traffic_interval_s while the engine passes its probes but no run
//   was admitted in the last no_traffic_interval_s; each wait is stretched by a random
//   0..jitter_pct %.
// Outlier detection: consecutive_failures failed runs in a row (CountsAsEngineFailure) open the
//   circuit for base_ejection_s x the number of ejections, capped at max_ejection_s; the
//   multiplier drops by one per interval_s spent closed. When the time passes the circuit is
//   half-open: one trial run is admitted; its success (or an engine answer of invalid input)
//   closes the circuit, its failure re-opens it for longer. The caller decides whether an
//   ejection is allowed (OutlierEjectionAllowed); a refused ejection leaves the engine degraded.
//   A successful probe does not end an outlier ejection (unlike Envoy's default): probes only
//   prove liveness, runs prove the engine works.
// Admin: drain (running jobs finish, no new ones), resume, disable (no new jobs, no probes),
//   enable.
//
// Thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "routing/health/health_types.h"
#include "routing/health/run_history.h"
#include "routing/health/run_window.h"

namespace btr {

// The failures outlier detection counts: the engine could not serve the run (Unavailable,
// ResourceExhausted), ran out of time (DeadlineExceeded), lost contact (UnknownOutcome) or
// answered nonsense (Internal). Never InvalidArgument (the caller's fault) or Cancelled.
bool CountsAsEngineFailure(StatusCode code);

// The ejection cap. With `enabled` engines not disabled, of which `already_ejected` have an
// open or half-open circuit, and `routable_others` other engines taking traffic now, one more
// outlier ejection is allowed when already_ejected + 1 <= floor(enabled x max_ejection_pct /
// 100) and routable_others >= 1 — so a lone routable engine is never ejected (1 engine: never;
// 2 engines at 50 %: one at a time; 4 engines at 50 %: two). When refused, `why` (if not null)
// says which rule held.
bool OutlierEjectionAllowed(size_t enabled, size_t already_ejected, size_t routable_others,
                            double max_ejection_pct, std::string* why);

class EngineHealth {
 public:
  EngineHealth(std::string name, const HealthOptions& options);

  const std::string& name() const { return name_; }

  // --- active checks ---
  // Whether a probe is due at `now` (never while disabled).
  bool ProbeDue(TimeNs now) const;
  // Records a probe that ended at `now`. `ok`: it answered healthy within timeout_s.
  void RecordProbe(TimeNs now, bool ok, double latency_s, std::string detail);
  // Schedules the next probe at now + ProbeIntervalS(now) x (1 + jitter_pct / 100 x u), with
  // `u` a random number in [0, 1).
  void ScheduleProbe(TimeNs now, double u);
  // interval_s, or no_traffic_interval_s while passing its probes without traffic.
  double ProbeIntervalS(TimeNs now) const;
  TimeNs next_probe_at() const { return next_probe_at_; }

  // --- routing ---
  // Whether a run would be admitted now, without admitting it.
  Admission Check(TimeNs now) const;
  // Admits a run when Check does: counts it as running (and as the half-open trial).
  Admission Admit(TimeNs now);
  // An admitted run that never reached the engine (cancelled, dataset unreadable).
  void Release(const Admission& admission);
  // Records the end of an admitted run with its status code. Returns true when an ejection is
  // now due (consecutive_failures reached with the circuit closed, or a failed trial): the
  // caller then calls Eject, or RefuseEjection when the cap forbids it (never for a trial).
  bool RecordRun(TimeNs now, const Admission& admission, const Status& status, double seconds);
  void Eject(TimeNs now);
  void RefuseEjection(std::string why);

  // --- admin --- (FailedPrecondition for a transition that does not apply)
  Status Drain();
  Status Resume();
  Status Disable();
  Status Enable(TimeNs now);

  // --- reading ---
  EngineState State(TimeNs now) const;
  EngineHealthStatus Snapshot(TimeNs now) const;
  bool enabled() const { return admin_ != AdminState::kDisabled; }
  // The circuit is open or half-open (counts toward max_ejection_pct).
  bool outlier_ejected(TimeNs now) const { return Circuit(now) != CircuitState::kClosed; }
  // Admin active, passing active checks, circuit closed.
  bool routable(TimeNs now) const;
  uint64_t probes() const { return probes_; }  // probes recorded so far

 private:
  CircuitState Circuit(TimeNs now) const;
  int EffectiveMultiplier(TimeNs now) const;
  std::string ActiveReason() const;
  std::string OutlierReason(TimeNs now) const;
  std::string Reason(TimeNs now) const;

  const std::string name_;
  const HealthOptions options_;

  AdminState admin_ = AdminState::kActive;

  // Active checks.
  bool ever_healthy_ = false;
  bool active_healthy_ = false;
  int probe_failures_in_row_ = 0;
  int probe_successes_in_row_ = 0;
  uint64_t probes_ = 0;
  ProbeRecord last_probe_;
  TimeNs next_probe_at_ = 0;  // due at once

  // Traffic.
  TimeNs last_admitted_at_ = 0;  // 0 = never
  size_t running_ = 0;

  // Outlier detection.
  bool open_ = false;  // half-open is derived: open_ and now >= ejected_until_
  TimeNs ejected_until_ = 0;
  bool trial_in_flight_ = false;
  int run_failures_in_row_ = 0;
  int failures_at_ejection_ = 0;
  std::string last_failure_;
  std::string refused_;  // why the last due ejection was refused
  int multiplier_ = 0;
  TimeNs decay_from_ = 0;  // when the circuit last closed
  uint64_t ejections_ = 0;

  RunWindow window_;
  RunHistory history_;
};

}  // namespace btr
