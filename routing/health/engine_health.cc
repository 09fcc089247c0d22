#include "routing/health/engine_health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace btr {
namespace {

TimeNs Ns(double seconds) { return static_cast<TimeNs>(std::llround(seconds * 1e9)); }

std::string Plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

void Join(std::string* out, const std::string& part) {
  if (part.empty()) return;
  if (!out->empty()) *out += "; ";
  *out += part;
}

}  // namespace

std::string_view EngineStateName(EngineState state) {
  switch (state) {
    case EngineState::kHealthy:
      return "healthy";
    case EngineState::kDegraded:
      return "degraded";
    case EngineState::kEjected:
      return "ejected";
    case EngineState::kDraining:
      return "draining";
    case EngineState::kDisabled:
      return "disabled";
  }
  return "unknown";
}

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

bool CountsAsEngineFailure(StatusCode code) {
  switch (code) {
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kUnknownOutcome:
    case StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

bool OutlierEjectionAllowed(size_t enabled, size_t already_ejected, size_t routable_others,
                            double max_ejection_pct, std::string* why) {
  // The small epsilon keeps 3 x 33.333... % from rounding down to 0.99999.
  const double share = static_cast<double>(enabled) * max_ejection_pct / 100 + 1e-9;
  const auto cap = static_cast<size_t>(std::floor(std::max(0.0, share)));
  if (routable_others == 0) {
    if (why != nullptr) *why = "not ejected: it is the only engine taking traffic";
    return false;
  }
  if (already_ejected + 1 > cap) {
    if (why != nullptr) {
      char pct[32];
      std::snprintf(pct, sizeof pct, "%g", max_ejection_pct);
      *why = "not ejected: health.max_ejection_pct = " + std::string(pct) + " % of " +
             std::to_string(enabled) + " enabled engines allows " + std::to_string(cap) +
             " ejected at once, and " + std::to_string(already_ejected) + " already are";
    }
    return false;
  }
  return true;
}

EngineHealth::EngineHealth(std::string name, const HealthOptions& options)
    : name_(std::move(name)),
      options_(options),
      window_(options.window_runs, Ns(options.window_s)) {}

// --- active checks ------------------------------------------------------------------------------

bool EngineHealth::ProbeDue(TimeNs now) const {
  return admin_ != AdminState::kDisabled && now >= next_probe_at_;
}

void EngineHealth::RecordProbe(TimeNs now, bool ok, double latency_s, std::string detail) {
  ++probes_;
  last_probe_ = {now, latency_s * 1000, ok, std::move(detail)};
  if (ok) {
    probe_failures_in_row_ = 0;
    ++probe_successes_in_row_;
    // Startup: one success suffices; after a failure, healthy_threshold in a row.
    if (!active_healthy_ &&
        (!ever_healthy_ || probe_successes_in_row_ >= options_.healthy_threshold)) {
      active_healthy_ = true;
      ever_healthy_ = true;
    }
    return;
  }
  probe_successes_in_row_ = 0;
  ++probe_failures_in_row_;
  if (active_healthy_ && probe_failures_in_row_ >= options_.unhealthy_threshold) {
    active_healthy_ = false;
  }
}

double EngineHealth::ProbeIntervalS(TimeNs now) const {
  const bool no_traffic =
      last_admitted_at_ == 0 || now - last_admitted_at_ >= Ns(options_.no_traffic_interval_s);
  // An engine failing probes is probed at the normal rate, so a failure is confirmed (and a
  // recovery seen) soon.
  return active_healthy_ && probe_failures_in_row_ == 0 && no_traffic
             ? options_.no_traffic_interval_s
             : options_.interval_s;
}

void EngineHealth::ScheduleProbe(TimeNs now, double u) {
  u = std::clamp(u, 0.0, 1.0);
  next_probe_at_ = now + Ns(ProbeIntervalS(now) * (1 + options_.jitter_pct / 100 * u));
}

// --- routing ------------------------------------------------------------------------------------

CircuitState EngineHealth::Circuit(TimeNs now) const {
  if (!open_) return CircuitState::kClosed;
  return now < ejected_until_ ? CircuitState::kOpen : CircuitState::kHalfOpen;
}

bool EngineHealth::routable(TimeNs now) const {
  return admin_ == AdminState::kActive && active_healthy_ && Circuit(now) == CircuitState::kClosed;
}

Admission EngineHealth::Check(TimeNs now) const {
  Admission a;
  a.state = State(now);
  const CircuitState circuit = Circuit(now);
  if (admin_ != AdminState::kActive || !active_healthy_ || circuit == CircuitState::kOpen ||
      (circuit == CircuitState::kHalfOpen && trial_in_flight_)) {
    a.reason = std::string(EngineStateName(a.state)) + " (" + Reason(now) + ")";
    a.retry_soon = admin_ == AdminState::kActive && active_healthy_ &&
                   circuit == CircuitState::kHalfOpen && trial_in_flight_;
    return a;
  }
  a.admitted = true;
  a.trial = circuit == CircuitState::kHalfOpen;
  return a;
}

Admission EngineHealth::Admit(TimeNs now) {
  Admission a = Check(now);
  if (!a.admitted) return a;
  if (a.trial) trial_in_flight_ = true;
  ++running_;
  last_admitted_at_ = now;
  return a;
}

void EngineHealth::Release(const Admission& admission) {
  if (!admission.admitted) return;
  if (running_ > 0) --running_;
  if (admission.trial) trial_in_flight_ = false;
}

bool EngineHealth::RecordRun(TimeNs now, const Admission& admission, const Status& status,
                             double seconds) {
  Release(admission);
  const StatusCode code = status.code();
  if (code == StatusCode::kCancelled) return false;  // says nothing about the engine
  const bool failed = CountsAsEngineFailure(code);
  window_.Add(now, failed, seconds);
  history_.Add(now, failed, seconds);
  if (!failed) {
    // The engine answered (a result, or its verdict on invalid input).
    if (code != StatusCode::kOk && code != StatusCode::kInvalidArgument) return false;
    run_failures_in_row_ = 0;
    refused_.clear();
    if (admission.trial && open_) {
      open_ = false;
      ejected_until_ = 0;
      decay_from_ = now;
    }
    return false;
  }
  last_failure_ = status.ToString();
  ++run_failures_in_row_;
  if (admission.trial && open_) return true;  // a failed trial re-ejects
  return !open_ && run_failures_in_row_ >= options_.consecutive_failures;
}

int EngineHealth::EffectiveMultiplier(TimeNs now) const {
  if (open_ || multiplier_ == 0) return multiplier_;
  const TimeNs step = std::max<TimeNs>(1, Ns(options_.interval_s));
  const TimeNs steps = std::max<TimeNs>(0, now - decay_from_) / step;
  return static_cast<int>(std::max<TimeNs>(0, multiplier_ - steps));
}

void EngineHealth::Eject(TimeNs now) {
  multiplier_ = EffectiveMultiplier(now) + 1;
  ++ejections_;
  const double cap = std::max(options_.base_ejection_s, options_.max_ejection_s);
  const double seconds = std::min(options_.base_ejection_s * multiplier_, cap);
  open_ = true;
  ejected_until_ = now + Ns(seconds);
  trial_in_flight_ = false;
  failures_at_ejection_ = run_failures_in_row_;
  run_failures_in_row_ = 0;
  refused_.clear();
}

void EngineHealth::RefuseEjection(std::string why) { refused_ = std::move(why); }

// --- admin --------------------------------------------------------------------------------------

Status EngineHealth::Drain() {
  if (admin_ == AdminState::kDisabled) {
    return Status::FailedPrecondition("engine '" + name_ +
                                      "' is disabled; enable it first (POST .../enable)");
  }
  admin_ = AdminState::kDraining;
  return Status::Ok();
}

Status EngineHealth::Resume() {
  if (admin_ == AdminState::kDisabled) {
    return Status::FailedPrecondition("engine '" + name_ +
                                      "' is disabled, not draining; use enable (POST .../enable)");
  }
  admin_ = AdminState::kActive;
  return Status::Ok();
}

Status EngineHealth::Disable() {
  admin_ = AdminState::kDisabled;
  return Status::Ok();
}

Status EngineHealth::Enable(TimeNs now) {
  if (admin_ == AdminState::kDraining) {
    return Status::FailedPrecondition("engine '" + name_ +
                                      "' is draining, not disabled; use resume (POST .../resume)");
  }
  if (admin_ == AdminState::kDisabled) next_probe_at_ = now;  // probe again at once
  admin_ = AdminState::kActive;
  return Status::Ok();
}

// --- reading ------------------------------------------------------------------------------------

EngineState EngineHealth::State(TimeNs now) const {
  if (admin_ == AdminState::kDisabled) return EngineState::kDisabled;
  if (admin_ == AdminState::kDraining) return EngineState::kDraining;
  const CircuitState circuit = Circuit(now);
  if (!active_healthy_ || circuit == CircuitState::kOpen) return EngineState::kEjected;
  if (circuit == CircuitState::kHalfOpen || probe_failures_in_row_ > 0 ||
      run_failures_in_row_ > 0 || !refused_.empty()) {
    return EngineState::kDegraded;
  }
  return EngineState::kHealthy;
}

std::string EngineHealth::ActiveReason() const {
  const std::string last = last_probe_.detail.empty() ? "" : " (last: " + last_probe_.detail + ")";
  if (!ever_healthy_) {
    return probes_ == 0 ? "active: not probed yet" : "active: no successful probe yet" + last;
  }
  if (!active_healthy_) {
    if (probe_failures_in_row_ > 0) {
      return "active: " + Plural(probe_failures_in_row_, "failed probe", "failed probes") +
             " in a row, unhealthy_threshold " + std::to_string(options_.unhealthy_threshold) +
             last;
    }
    return "active: recovering, " + std::to_string(probe_successes_in_row_) + " of " +
           std::to_string(options_.healthy_threshold) + " good probes in a row";
  }
  if (probe_failures_in_row_ > 0) {
    return "active: " + Plural(probe_failures_in_row_, "failed probe", "failed probes") +
           " in a row, below unhealthy_threshold " + std::to_string(options_.unhealthy_threshold) +
           last;
  }
  return "";
}

std::string EngineHealth::OutlierReason(TimeNs now) const {
  std::string out;
  switch (Circuit(now)) {
    case CircuitState::kOpen:
      out = "outlier: ejection " + std::to_string(ejections_) + " after " +
            Plural(failures_at_ejection_, "failed run", "failed runs") +
            " in a row (last: " + last_failure_ + "), until " + FormatIsoTime(ejected_until_, true);
      break;
    case CircuitState::kHalfOpen:
      out = trial_in_flight_ ? "outlier: half-open, a trial run is in flight"
                             : "outlier: half-open, the next run is a trial";
      break;
    case CircuitState::kClosed:
      if (run_failures_in_row_ > 0) {
        out = "outlier: " + Plural(run_failures_in_row_, "failed run", "failed runs") +
              " in a row, consecutive_failures " + std::to_string(options_.consecutive_failures) +
              " (last: " + last_failure_ + ")";
      }
      break;
  }
  if (!refused_.empty()) out += (out.empty() ? "outlier: " : ", ") + refused_;
  return out;
}

std::string EngineHealth::Reason(TimeNs now) const {
  std::string out;
  if (admin_ == AdminState::kDisabled) {
    out = "disabled by an admin";
  } else if (admin_ == AdminState::kDraining) {
    out = "draining by an admin: " + std::to_string(running_) + " running, no new runs";
  }
  Join(&out, ActiveReason());
  Join(&out, OutlierReason(now));
  return out;
}

EngineHealthStatus EngineHealth::Snapshot(TimeNs now) const {
  EngineHealthStatus s;
  s.name = name_;
  s.state = State(now);
  s.reason = Reason(now);
  s.circuit = Circuit(now);
  s.up = active_healthy_ && s.circuit != CircuitState::kOpen;
  if (probes_ > 0) s.last_probe = last_probe_;
  s.probe_failures_in_row = probe_failures_in_row_;
  s.run_failures_in_row = run_failures_in_row_;
  s.ejections = ejections_;
  s.ejected_until = s.circuit == CircuitState::kOpen ? ejected_until_ : 0;
  s.next_probe_at = admin_ == AdminState::kDisabled ? 0 : next_probe_at_;
  s.probe_interval_s = ProbeIntervalS(now);
  s.window = window_.Stats(now);
  s.history = history_.Points(now);
  s.history_bucket_ns = history_.bucket_ns();
  s.running = running_;
  return s;
}

}  // namespace btr
