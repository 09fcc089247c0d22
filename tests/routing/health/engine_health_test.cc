// EngineHealth on simulated time: active-check thresholds and the startup rule, probe intervals
// (no-traffic, jitter), outlier ejection growing base x n up to the cap, the half-open trial, and
// admin transitions.
#include "routing/health/engine_health.h"

#include <catch2/catch.hpp>

namespace btr {
namespace {

constexpr TimeNs kS = kNsPerSecond;

HealthOptions Options() {
  HealthOptions o;
  o.interval_s = 10;
  o.timeout_s = 2;
  o.unhealthy_threshold = 3;
  o.healthy_threshold = 2;
  o.no_traffic_interval_s = 60;
  o.jitter_pct = 10;
  o.consecutive_failures = 3;
  o.base_ejection_s = 30;
  o.max_ejection_s = 100;
  return o;
}

// An engine that passed its first probe at t = 1 s.
EngineHealth Healthy(const HealthOptions& o = Options()) {
  EngineHealth h("e", o);
  h.RecordProbe(1 * kS, true, 0.001, "ok");
  REQUIRE(h.State(1 * kS) == EngineState::kHealthy);
  return h;
}

Status Fail() { return Status::Unavailable("connection refused"); }

// Runs `n` admitted runs ending at `now` with `status`; true when the last asked for an ejection.
bool Runs(EngineHealth& h, TimeNs now, int n, const Status& status) {
  bool eject = false;
  for (int k = 0; k < n; ++k) {
    const Admission a = h.Admit(now);
    REQUIRE(a.admitted);
    eject = h.RecordRun(now, a, status, 0.5);
  }
  return eject;
}

TEST_CASE("startup: not routable before a probe passes; the first success marks it healthy") {
  EngineHealth h("e", Options());
  CHECK(h.State(0) == EngineState::kEjected);
  CHECK_FALSE(h.Check(0).admitted);
  CHECK(h.Snapshot(0).reason == "active: not probed yet");
  CHECK(h.ProbeDue(0));  // at once
  h.RecordProbe(1 * kS, false, 0.01, "connection refused");
  h.RecordProbe(2 * kS, false, 0.01, "connection refused");
  CHECK(h.State(2 * kS) == EngineState::kEjected);
  CHECK(h.Snapshot(2 * kS).reason == "active: no successful probe yet (last: connection refused)");
  h.RecordProbe(3 * kS, true, 0.01, "ok");  // one success suffices at startup
  CHECK(h.State(3 * kS) == EngineState::kHealthy);
  CHECK(h.Check(3 * kS).admitted);
  CHECK(h.Snapshot(3 * kS).reason.empty());
  CHECK(h.Snapshot(3 * kS).up);
}

TEST_CASE("active checks: unhealthy_threshold failures eject, healthy_threshold successes return") {
  EngineHealth h = Healthy();
  h.RecordProbe(2 * kS, false, 0.01, "HTTP 500");
  h.RecordProbe(3 * kS, false, 0.01, "HTTP 500");
  CHECK(h.State(3 * kS) == EngineState::kDegraded);  // below the threshold: still routable
  CHECK(h.Check(3 * kS).admitted);
  CHECK(h.Snapshot(3 * kS).reason ==
        "active: 2 failed probes in a row, below unhealthy_threshold 3 (last: HTTP 500)");
  h.RecordProbe(4 * kS, true, 0.01, "ok");  // a success resets the streak
  h.RecordProbe(5 * kS, false, 0.01, "HTTP 500");
  h.RecordProbe(6 * kS, false, 0.01, "HTTP 500");
  CHECK(h.Check(6 * kS).admitted);
  h.RecordProbe(7 * kS, false, 0.01, "HTTP 500");
  CHECK(h.State(7 * kS) == EngineState::kEjected);
  const Admission refused = h.Check(7 * kS);
  CHECK_FALSE(refused.admitted);
  CHECK_FALSE(refused.retry_soon);
  CHECK(refused.reason ==
        "ejected (active: 3 failed probes in a row, unhealthy_threshold 3 (last: HTTP 500))");
  CHECK_FALSE(h.Snapshot(7 * kS).up);
  CHECK(h.Snapshot(7 * kS).circuit == CircuitState::kClosed);  // active, not outlier
  h.RecordProbe(8 * kS, true, 0.01, "ok");  // after startup, one success is not enough
  CHECK(h.State(8 * kS) == EngineState::kEjected);
  CHECK(h.Snapshot(8 * kS).reason == "active: recovering, 1 of 2 good probes in a row");
  h.RecordProbe(9 * kS, true, 0.01, "ok");
  CHECK(h.State(9 * kS) == EngineState::kHealthy);
}

TEST_CASE("probe intervals: no-traffic while idle and healthy, normal with traffic or failing") {
  HealthOptions o = Options();
  o.jitter_pct = 0;
  EngineHealth h = Healthy(o);
  CHECK(h.ProbeIntervalS(1 * kS) == 60);  // healthy, never had a run
  h.ScheduleProbe(1 * kS, 0.5);
  CHECK(h.next_probe_at() == 61 * kS);
  CHECK_FALSE(h.ProbeDue(60 * kS));
  CHECK(h.ProbeDue(61 * kS));
  const Admission a = h.Admit(100 * kS);  // traffic
  h.RecordRun(101 * kS, a, Status(), 1);
  CHECK(h.ProbeIntervalS(101 * kS) == 10);
  CHECK(h.ProbeIntervalS(159 * kS) == 10);
  CHECK(h.ProbeIntervalS(160 * kS) == 60);  // no run admitted for no_traffic_interval_s
  // An engine failing its checks is probed at the normal rate, traffic or not.
  for (int k = 0; k < 3; ++k) h.RecordProbe((200 + k) * kS, false, 0.01, "down");
  CHECK(h.State(202 * kS) == EngineState::kEjected);
  CHECK(h.ProbeIntervalS(500 * kS) == 10);
}

TEST_CASE("jitter stretches each wait by 0..jitter_pct % of the interval") {
  HealthOptions o = Options();
  o.jitter_pct = 20;
  EngineHealth h = Healthy(o);
  const Admission a = h.Admit(1 * kS);
  h.RecordRun(1 * kS, a, Status(), 1);
  TimeNs lo = INT64_MAX, hi = 0;
  for (int k = 0; k <= 100; ++k) {
    const double u = k < 100 ? k / 100.0 : 0.999999;
    h.ScheduleProbe(2 * kS, u);
    const TimeNs wait = h.next_probe_at() - 2 * kS;
    lo = std::min(lo, wait);
    hi = std::max(hi, wait);
  }
  CHECK(lo == 10 * kS);
  CHECK(hi < 12 * kS);
  CHECK(hi > 11'999 * kNsPerSecond / 1000);
  h.ScheduleProbe(2 * kS, 5.0);  // out-of-range randoms are clamped
  CHECK(h.next_probe_at() == 14 * kS);
}

TEST_CASE("outlier detection: consecutive failures eject for base x n, capped at max") {
  EngineHealth h = Healthy();
  CHECK_FALSE(Runs(h, 2 * kS, 2, Fail()));
  CHECK(h.State(2 * kS) == EngineState::kDegraded);
  CHECK(h.Snapshot(2 * kS).run_failures_in_row == 2);
  CHECK(Runs(h, 2 * kS, 1, Fail()));  // the third in a row
  h.Eject(2 * kS);
  EngineHealthStatus s = h.Snapshot(2 * kS);
  CHECK(s.state == EngineState::kEjected);
  CHECK(s.circuit == CircuitState::kOpen);
  CHECK(s.ejections == 1);
  CHECK(s.ejected_until == 32 * kS);  // base 30 s x 1
  CHECK(s.reason.rfind("outlier: ejection 1 after 3 failed runs in a row (last: unavailable: "
                       "connection refused), until ",
                       0) == 0);
  CHECK_FALSE(s.up);
  CHECK_FALSE(h.Check(31 * kS).admitted);

  // Each failed trial re-ejects for longer: 60, 90, then the 100 s cap.
  TimeNs now = 32 * kS;
  for (const TimeNs expected : {60 * kS, 90 * kS, 100 * kS, 100 * kS}) {
    CHECK(h.Snapshot(now).circuit == CircuitState::kHalfOpen);
    const Admission trial = h.Admit(now);
    REQUIRE(trial.admitted);
    CHECK(trial.trial);
    CHECK(h.RecordRun(now, trial, Fail(), 0.1));
    h.Eject(now);
    CHECK(h.Snapshot(now).ejected_until - now == expected);
    now += expected;
  }
  CHECK(h.Snapshot(now).ejections == 5);
}

TEST_CASE("half-open: one trial run; success closes the circuit, failure re-opens it") {
  EngineHealth h = Healthy();
  Runs(h, 2 * kS, 3, Fail());
  h.Eject(2 * kS);
  const TimeNs t = 32 * kS;
  CHECK(h.State(t) == EngineState::kDegraded);
  CHECK(h.Snapshot(t).reason == "outlier: half-open, the next run is a trial");
  const Admission check = h.Check(t);
  CHECK(check.admitted);
  CHECK(check.trial);
  const Admission trial = h.Admit(t);
  REQUIRE(trial.trial);
  const Admission second = h.Admit(t);  // only one trial at a time
  CHECK_FALSE(second.admitted);
  CHECK(second.retry_soon);
  CHECK(second.reason == "degraded (outlier: half-open, a trial run is in flight)");
  // A cancelled trial decides nothing: the next run is the trial again.
  h.RecordRun(t, trial, Status::Cancelled("stop"), 0.1);
  const Admission again = h.Admit(t);
  REQUIRE(again.trial);
  CHECK_FALSE(h.RecordRun(t + kS, again, Status(), 0.1));
  CHECK(h.Snapshot(t + kS).circuit == CircuitState::kClosed);
  CHECK(h.State(t + kS) == EngineState::kHealthy);
  CHECK(h.Check(t + kS).admitted);
  CHECK_FALSE(h.Check(t + kS).trial);
}

TEST_CASE("invalid input and cancels do not count; the ejection multiplier decays when closed") {
  EngineHealth h = Healthy();
  Runs(h, 2 * kS, 2, Fail());
  Runs(h, 2 * kS, 1, Status::InvalidArgument("strategy.name: unknown"));  // the engine answered
  CHECK(h.Snapshot(2 * kS).run_failures_in_row == 0);
  Runs(h, 2 * kS, 2, Fail());
  Runs(h, 2 * kS, 1, Status::Cancelled("user"));  // says nothing either way
  CHECK(h.Snapshot(2 * kS).run_failures_in_row == 2);
  for (StatusCode code : {StatusCode::kResourceExhausted, StatusCode::kDeadlineExceeded,
                          StatusCode::kUnknownOutcome, StatusCode::kInternal}) {
    CHECK(CountsAsEngineFailure(code));
  }
  for (StatusCode code : {StatusCode::kOk, StatusCode::kInvalidArgument, StatusCode::kCancelled,
                          StatusCode::kNotFound}) {
    CHECK_FALSE(CountsAsEngineFailure(code));
  }
  CHECK(Runs(h, 2 * kS, 1, Status::DeadlineExceeded("timeout_s")));
  h.Eject(2 * kS);  // 30 s
  Admission trial = h.Admit(32 * kS);
  h.RecordRun(32 * kS, trial, Fail(), 0.1);
  h.Eject(32 * kS);  // 60 s: multiplier 2
  trial = h.Admit(92 * kS);
  h.RecordRun(92 * kS, trial, Status(), 0.1);  // closed at 92 s
  // Closed for one interval (10 s): the multiplier drops from 2 to 1, so the next is 2 x 30 s.
  Runs(h, 102 * kS, 3, Fail());
  h.Eject(102 * kS);
  CHECK(h.Snapshot(102 * kS).ejected_until == 162 * kS);
  trial = h.Admit(162 * kS);
  h.RecordRun(162 * kS, trial, Status(), 0.1);
  // Closed long enough for it to reach 0: back to the base.
  Runs(h, 1000 * kS, 3, Fail());
  h.Eject(1000 * kS);
  CHECK(h.Snapshot(1000 * kS).ejected_until == 1030 * kS);
}

TEST_CASE("a refused ejection leaves the engine degraded and says why") {
  EngineHealth h = Healthy();
  CHECK(Runs(h, 2 * kS, 3, Fail()));
  h.RefuseEjection("not ejected: it is the only engine taking traffic");
  CHECK(h.State(2 * kS) == EngineState::kDegraded);
  CHECK(h.Check(2 * kS).admitted);
  CHECK(h.Snapshot(2 * kS).reason.find("not ejected: it is the only engine taking traffic") !=
        std::string::npos);
  CHECK(Runs(h, 2 * kS, 1, Fail()));  // still due at each further failure
  Runs(h, 2 * kS, 1, Status());
  CHECK(h.State(2 * kS) == EngineState::kHealthy);
}

TEST_CASE("admin: drain, resume, disable, enable") {
  EngineHealth h = Healthy();
  const Admission running = h.Admit(2 * kS);
  REQUIRE(h.Drain().ok());
  CHECK(h.State(2 * kS) == EngineState::kDraining);
  CHECK(h.Snapshot(2 * kS).running == 1);  // the running job finishes
  CHECK(h.Snapshot(2 * kS).reason == "draining by an admin: 1 running, no new runs");
  CHECK_FALSE(h.Check(2 * kS).admitted);
  h.RecordRun(3 * kS, running, Status(), 1);
  CHECK(h.Snapshot(3 * kS).running == 0);
  CHECK(h.Enable(3 * kS).code() == StatusCode::kFailedPrecondition);
  REQUIRE(h.Resume().ok());
  CHECK(h.State(3 * kS) == EngineState::kHealthy);
  CHECK(h.Resume().ok());  // idempotent

  h.ScheduleProbe(3 * kS, 0);
  REQUIRE(h.Disable().ok());
  CHECK(h.State(4 * kS) == EngineState::kDisabled);
  CHECK_FALSE(h.enabled());
  CHECK_FALSE(h.Check(4 * kS).admitted);
  CHECK_FALSE(h.ProbeDue(1000 * kS));  // no probes while disabled
  CHECK(h.Snapshot(4 * kS).next_probe_at == 0);
  CHECK(h.Drain().code() == StatusCode::kFailedPrecondition);
  CHECK(h.Resume().code() == StatusCode::kFailedPrecondition);
  REQUIRE(h.Enable(500 * kS).ok());
  CHECK(h.ProbeDue(500 * kS));  // probed again at once
  CHECK(h.State(500 * kS) == EngineState::kHealthy);
}

}  // namespace
}  // namespace btr
