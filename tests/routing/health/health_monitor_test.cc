// HealthMonitor on a ManualClock with fault-injecting engines: probes run when due (interval,
// jitter from the injected random), the ejection cap across 1, 2 and 4 engines (a lone routable
// engine is never ejected), hooks, admin actions and the statistics window.
#include "routing/health/health_monitor.h"

#include <catch2/catch.hpp>

#include "engines/native/native_engine.h"
#include "routing/health/run_window.h"
#include "tests/fakes/faulty_engine.h"

namespace btr {
namespace {

using testing::FaultyEngine;
constexpr TimeNs kS = kNsPerSecond;

struct Fleet {
  explicit Fleet(int n, HealthOptions o = Options()) {
    for (int k = 0; k < n; ++k) {
      auto e =
          std::make_unique<FaultyEngine>("e" + std::to_string(k), std::make_unique<NativeEngine>());
      engine.push_back(e.get());
      REQUIRE(registry.Register(std::move(e)).ok());
    }
    HealthHooks hooks;
    hooks.probe = [this](const std::string& name, bool ok, double) {
      probes.push_back(name + (ok ? " ok" : " failed"));
    };
    hooks.ejected = [this](const std::string& name, const std::string&) {
      ejected.push_back(name);
    };
    hooks.state_changed = [this](const std::string& name, EngineState from, EngineState to,
                                 const std::string&) {
      changes.push_back(name + ": " + std::string(EngineStateName(from)) + " -> " +
                        std::string(EngineStateName(to)));
    };
    monitor =
        std::make_unique<HealthMonitor>(&registry, &clock, o, hooks, [this] { return random; });
    REQUIRE(monitor->RunDueProbes() == static_cast<size_t>(n));  // the startup round
  }
  static HealthOptions Options() {
    HealthOptions o;
    o.interval_s = 10;
    o.no_traffic_interval_s = 60;
    o.jitter_pct = 10;
    o.unhealthy_threshold = 2;
    o.consecutive_failures = 2;
    o.base_ejection_s = 30;
    o.max_ejection_s = 300;
    o.max_ejection_pct = 50;
    return o;
  }
  // Two failed runs on engine k (fewer when the first ejects it); returns its state afterwards.
  EngineState FailRuns(int k) {
    const std::string name = "e" + std::to_string(k);
    for (int r = 0; r < 2; ++r) {
      const Admission a = monitor->Admit(name);
      if (!a.admitted) break;
      monitor->RecordRun(name, a, Status::Unavailable("refused"), 0.01);
    }
    return monitor->Get(name)->state;
  }

  ManualClock clock{1000 * kS};
  EngineRegistry registry;
  std::vector<FaultyEngine*> engine;
  double random = 0;
  std::vector<std::string> probes, ejected, changes;
  std::unique_ptr<HealthMonitor> monitor;
};

TEST_CASE("monitor: the startup round marks engines healthy; probes run when due") {
  Fleet f(2);
  CHECK(f.changes == std::vector<std::string>{"e0: ejected -> healthy", "e1: ejected -> healthy"});
  CHECK(f.probes == std::vector<std::string>{"e0 ok", "e1 ok"});
  for (const EngineHealthStatus& s : f.monitor->All()) {
    CHECK(s.state == EngineState::kHealthy);
    REQUIRE(s.last_probe);
    CHECK(s.last_probe->ok);
    CHECK(s.last_probe->detail == s.name + " ok");
    CHECK(s.next_probe_at == 1060 * kS);  // no traffic yet: 60 s
  }
  CHECK(f.monitor->RunDueProbes() == 0);
  // Traffic on e0 switches it to the 10 s interval from its next schedule on; jitter 0.5 x 10 %.
  const Admission a = f.monitor->Admit("e0");
  f.monitor->RecordRun("e0", a, Status(), 0.2);
  f.random = 0.5;
  f.clock.Set(1060 * kS);
  CHECK(f.monitor->RunDueProbes() == 2);
  CHECK(f.monitor->Get("e0")->next_probe_at == 1060 * kS + 63 * kS);  // no traffic again: 60 s
  f.engine[1]->Kill();
  f.clock.Set(1123 * kS);
  CHECK(f.monitor->RunDueProbes() == 2);  // e1 fails once: degraded, probed every 10.5 s
  CHECK(f.monitor->Get("e1")->state == EngineState::kDegraded);
  CHECK(f.monitor->Get("e1")->next_probe_at == 1123 * kS + 10'500'000'000);
  f.clock.Set(1133 * kS + 500'000'000);
  CHECK(f.monitor->RunDueProbes() == 1);
  const EngineHealthStatus down = *f.monitor->Get("e1");
  CHECK(down.state == EngineState::kEjected);
  CHECK(down.reason.find("active: 2 failed probes in a row") != std::string::npos);
  CHECK(down.reason.find("connection refused (injected: killed)") != std::string::npos);
  CHECK_FALSE(f.monitor->Check("e1").admitted);
  CHECK(f.changes.back() == "e1: degraded -> ejected");
  f.engine[1]->Heal();
  for (int k = 0; k < 2; ++k) {
    f.clock.Advance(11 * kS);
    f.monitor->RunDueProbes();
  }
  CHECK(f.monitor->Get("e1")->state == EngineState::kHealthy);
  CHECK(f.changes.back() == "e1: ejected -> healthy");
  CHECK(f.monitor->Get("nope").status().code() == StatusCode::kNotFound);
  CHECK(f.monitor->Get("nope").status().message() == "name: no engine 'nope' (available: e0, e1)");
  CHECK_FALSE(f.monitor->Check("nope").admitted);
}

TEST_CASE("monitor: a probe slower than timeout_s failed") {
  Fleet f(1);
  f.engine[0]->SetProbe(true, std::chrono::seconds(3));  // reports 3 s; timeout_s is 2
  f.clock.Advance(70 * kS);
  REQUIRE(f.monitor->RunDueProbes() == 1);
  const EngineHealthStatus s = *f.monitor->Get("e0");
  REQUIRE(s.last_probe);
  CHECK_FALSE(s.last_probe->ok);
  CHECK(s.last_probe->latency_ms == Approx(3000));
  CHECK(s.last_probe->detail == "answered in 3.000 s, over health.timeout_s = 2 s");
}

TEST_CASE("monitor: a probe that throws failed; the engine goes unhealthy, the monitor goes on") {
  Fleet f(2);
  f.engine[0]->Throw("probe parser bug at 0x51");
  for (int k = 0; k < 2; ++k) {
    f.clock.Advance(70 * kS);
    REQUIRE(f.monitor->RunDueProbes() >= 1);
  }
  const EngineHealthStatus s = *f.monitor->Get("e0");
  REQUIRE(s.last_probe);
  CHECK_FALSE(s.last_probe->ok);
  CHECK(s.last_probe->detail.find("exception") != std::string::npos);
  CHECK(s.last_probe->detail.find("0x51") == std::string::npos);
  CHECK(s.state == EngineState::kEjected);
  CHECK_FALSE(f.monitor->Check("e0").admitted);
  CHECK(f.monitor->Get("e1")->state == EngineState::kHealthy);
  f.engine[0]->Heal();
  for (int k = 0; k < 2; ++k) {
    f.clock.Advance(70 * kS);
    f.monitor->RunDueProbes();
  }
  CHECK(f.monitor->Get("e0")->state == EngineState::kHealthy);
}

TEST_CASE("ejection cap: one engine is never ejected") {
  Fleet f(1);
  CHECK(f.FailRuns(0) == EngineState::kDegraded);
  CHECK(f.FailRuns(0) == EngineState::kDegraded);
  CHECK(f.ejected.empty());
  CHECK(f.monitor->Get("e0")->reason.find("not ejected: it is the only engine taking traffic") !=
        std::string::npos);
  CHECK(f.monitor->Check("e0").admitted);
}

TEST_CASE("ejection cap: of two engines at 50 %, one at a time; never the last routable one") {
  Fleet f(2);
  CHECK(f.FailRuns(0) == EngineState::kEjected);
  CHECK(f.ejected == std::vector<std::string>{"e0"});
  CHECK(f.FailRuns(1) == EngineState::kDegraded);  // 1 of 2 already ejected
  CHECK(f.monitor->Get("e1")->circuit == CircuitState::kClosed);
  // At 100 % the share allows both, but e1 is the last engine taking traffic.
  HealthOptions all = Fleet::Options();
  all.max_ejection_pct = 100;
  Fleet g(2, all);
  CHECK(g.FailRuns(0) == EngineState::kEjected);
  CHECK(g.FailRuns(1) == EngineState::kDegraded);
  CHECK(g.monitor->Get("e1")->reason.find("only engine taking traffic") != std::string::npos);
  // Once e0 is back, e1 may go.
  g.clock.Advance(30 * kS);
  const Admission trial = g.monitor->Admit("e0");
  REQUIRE(trial.trial);
  g.monitor->RecordRun("e0", trial, Status(), 0.1);
  CHECK(g.FailRuns(1) == EngineState::kEjected);
}

TEST_CASE("ejection cap: of four engines at 50 %, two at a time (floor of the share)") {
  Fleet f(4);
  CHECK(f.FailRuns(0) == EngineState::kEjected);
  CHECK(f.FailRuns(1) == EngineState::kEjected);
  CHECK(f.FailRuns(2) == EngineState::kDegraded);
  CHECK(f.monitor->Get("e2")->reason.find(
            "health.max_ejection_pct = 50 % of 4 enabled engines allows 2 ejected at once, and 2 "
            "already are") != std::string::npos);
  CHECK(f.ejected == std::vector<std::string>{"e0", "e1"});
  // A disabled engine leaves the base: 3 enabled at 50 % allow 1.
  Fleet g(4);
  CHECK(g.FailRuns(0) == EngineState::kEjected);
  REQUIRE(g.monitor->Disable("e3").ok());
  CHECK(g.FailRuns(1) == EngineState::kDegraded);
  CHECK(g.monitor->Get("e1")->reason.find("of 3 enabled engines allows 1 ejected at once, and 1 "
                                          "already are") != std::string::npos);
}

TEST_CASE("the cap rule as a function: floor(enabled x pct), never the last routable engine") {
  std::string why;
  CHECK_FALSE(OutlierEjectionAllowed(1, 0, 0, 50, &why));
  CHECK_FALSE(OutlierEjectionAllowed(1, 0, 0, 100, &why));
  CHECK(why == "not ejected: it is the only engine taking traffic");
  CHECK(OutlierEjectionAllowed(2, 0, 1, 50, nullptr));
  CHECK_FALSE(OutlierEjectionAllowed(2, 1, 1, 50, nullptr));
  CHECK(OutlierEjectionAllowed(4, 1, 2, 50, nullptr));
  CHECK_FALSE(OutlierEjectionAllowed(4, 2, 1, 50, nullptr));
  CHECK_FALSE(OutlierEjectionAllowed(4, 0, 3, 10, nullptr));   // floor(0.4) = 0: none
  CHECK(OutlierEjectionAllowed(3, 0, 2, 100.0 / 3, nullptr));  // floor(1.0), not 0.99999
  CHECK_FALSE(OutlierEjectionAllowed(4, 0, 0, 100, nullptr));  // no other engine takes traffic
}

TEST_CASE("monitor: admin actions; a drained engine finishes its runs and takes no new ones") {
  Fleet f(2);
  const Admission running = f.monitor->Admit("e0");
  Result<EngineHealthStatus> drained = f.monitor->Drain("e0");
  REQUIRE(drained.ok());
  CHECK(drained->state == EngineState::kDraining);
  CHECK(drained->running == 1);
  CHECK_FALSE(f.monitor->Check("e0").admitted);
  CHECK(f.monitor->Check("e0").reason == "draining (draining by an admin: 1 running, no new runs)");
  f.monitor->RecordRun("e0", running, Status(), 0.5);
  CHECK(f.monitor->Get("e0")->running == 0);
  CHECK(f.monitor->Resume("e0")->state == EngineState::kHealthy);
  CHECK(f.monitor->Disable("e1")->state == EngineState::kDisabled);
  f.clock.Advance(1000 * kS);
  f.probes.clear();
  f.monitor->RunDueProbes();
  CHECK(f.probes == std::vector<std::string>{"e0 ok"});  // no probes while disabled
  CHECK(f.monitor->Resume("e1").status().code() == StatusCode::kFailedPrecondition);
  CHECK(f.monitor->Enable("e1")->state == EngineState::kHealthy);
  CHECK(f.monitor->Drain("nope").status().code() == StatusCode::kNotFound);
  CHECK(f.changes.back() == "e1: disabled -> healthy");
}

TEST_CASE("window: success rate and nearest-rank p50/p99 over the last runs and seconds") {
  RunWindow w(5, 60 * kS);
  CHECK(w.Stats(0).runs == 0);
  CHECK_FALSE(w.Stats(0).success_rate);
  CHECK_FALSE(w.Stats(0).p50_ms);
  w.Add(1 * kS, false, 0.010);
  w.Add(2 * kS, false, 0.030);
  w.Add(3 * kS, true, 0.001);  // failures count in the rate, not in the latencies
  w.Add(4 * kS, false, 0.020);
  WindowStats s = w.Stats(5 * kS);
  CHECK(s.runs == 4);
  CHECK(s.failures == 1);
  CHECK(*s.success_rate == Approx(0.75));
  CHECK(*s.p50_ms == Approx(20));
  CHECK(*s.p99_ms == Approx(30));
  for (int k = 0; k < 5; ++k) w.Add((10 + k) * kS, false, 0.1 * (k + 1));  // only 5 are kept
  s = w.Stats(15 * kS);
  CHECK(s.runs == 5);
  CHECK(*s.success_rate == 1.0);
  CHECK(*s.p50_ms == Approx(300));
  CHECK(*s.p99_ms == Approx(500));
  CHECK(w.Stats(74 * kS).runs == 1);  // older than 60 s are out
  CHECK(w.Stats(100 * kS).runs == 0);

  Fleet f(1);  // the monitor feeds it from RecordRun
  for (int k = 0; k < 4; ++k) {
    const Admission a = f.monitor->Admit("e0");
    f.monitor->RecordRun("e0", a, k == 3 ? Status::Internal("boom") : Status(), 0.1 * (k + 1));
  }
  const EngineHealthStatus h = *f.monitor->Get("e0");
  CHECK(h.window.runs == 4);
  CHECK(*h.window.success_rate == Approx(0.75));
  CHECK(*h.window.p50_ms == Approx(200));
  CHECK(*h.window.p99_ms == Approx(300));
}

}  // namespace
}  // namespace btr
