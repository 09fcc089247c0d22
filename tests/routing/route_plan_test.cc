// The routing policy: explicit engine plus fallback chain (the request's, else the configured
// one), "auto" healthiest-first in preference order, capability filtering, and the errors.
#include "routing/route_plan.h"

#include <catch2/catch.hpp>

#include "engines/native/native_engine.h"
#include "tests/fakes/faulty_engine.h"

namespace btr {
namespace {

using testing::FaultyEngine;

struct Routes {
  Routes() {
    for (const char* name : {"alpha", "beta", "gamma"}) {
      auto e = std::make_unique<FaultyEngine>(name, std::make_unique<NativeEngine>());
      engine[name] = e.get();
      REQUIRE(registry.Register(std::move(e)).ok());
    }
    HealthOptions o;
    o.consecutive_failures = 1;
    o.max_ejection_pct = 100;
    monitor = std::make_unique<HealthMonitor>(&registry, &clock, o);
    monitor->RunDueProbes();
    options.preference = {"gamma", "beta", "alpha"};
  }
  std::vector<std::string> Plan(const BacktestSpec& spec, size_t bars = 10) {
    Result<RoutePlan> plan = PlanRoute(spec, bars, registry, monitor.get(), options);
    INFO(plan.status().ToString());
    REQUIRE(plan.ok());
    std::vector<std::string> names;
    for (const Engine* e : plan->candidates) names.emplace_back(e->name());
    return names;
  }
  Status Error(const BacktestSpec& spec, size_t bars = 10) {
    return PlanRoute(spec, bars, registry, monitor.get(), options).status();
  }
  void Degrade(const std::string& name) {  // one failed probe: degraded, still routable
    engine[name]->SetProbe(false);
    clock.Advance(1000 * kNsPerSecond);
    monitor->RunDueProbes();
    engine[name]->SetProbe(true);
  }
  void Down(const std::string& name) {  // fails unhealthy_threshold (3) probes in a row
    engine[name]->Kill();
    for (int k = 0; k < 3; ++k) {
      clock.Advance(1000 * kNsPerSecond);
      monitor->RunDueProbes();
    }
    REQUIRE(monitor->Get(name)->state == EngineState::kEjected);
  }
  void Eject(const std::string& name) {
    const Admission a = monitor->Admit(name);
    monitor->RecordRun(name, a, Status::Unavailable("down"), 0.1);
    REQUIRE(monitor->Get(name)->state == EngineState::kEjected);
  }

  ManualClock clock{kNsPerSecond};
  EngineRegistry registry;
  std::map<std::string, FaultyEngine*> engine;
  std::unique_ptr<HealthMonitor> monitor;
  RoutingOptions options;
};

BacktestSpec Spec(const std::string& engine, std::vector<std::string> fallback = {}) {
  BacktestSpec spec;
  spec.engine = engine;
  spec.fallback = std::move(fallback);
  spec.strategy.name = "sma_cross";
  spec.dataset = "ds";
  return spec;
}

TEST_CASE("explicit engine: itself, then the request's fallback list, else the configured one") {
  Routes r;
  CHECK(r.Plan(Spec("beta")) == std::vector<std::string>{"beta"});
  r.options.fallback = {"alpha", "beta"};
  CHECK(r.Plan(Spec("beta")) == std::vector<std::string>{"beta", "alpha"});  // no duplicate
  CHECK(r.Plan(Spec("beta", {"gamma"})) == std::vector<std::string>{"beta", "gamma"});
  // An ejected engine stays a candidate: the job records the fallback with the reason.
  r.Eject("beta");
  CHECK(r.Plan(Spec("beta", {"gamma"})) == std::vector<std::string>{"beta", "gamma"});
}

TEST_CASE("auto: capable engines, healthiest first, in preference order") {
  Routes r;
  CHECK(r.Plan(Spec("auto")) == std::vector<std::string>{"gamma", "beta", "alpha"});
  r.Degrade("gamma");
  CHECK(r.monitor->Get("gamma")->state == EngineState::kDegraded);
  CHECK(r.Plan(Spec("auto")) == std::vector<std::string>{"beta", "alpha", "gamma"});
  r.Eject("beta");  // admits no run: left out
  CHECK(r.Plan(Spec("auto")) == std::vector<std::string>{"alpha", "gamma"});
  r.options.preference = {"alpha"};  // engines not listed are not considered by auto
  CHECK(r.Plan(Spec("auto")) == std::vector<std::string>{"alpha"});
  // The request's own chain is appended; the configured one is for explicit engines.
  r.options.fallback = {"gamma"};
  CHECK(r.Plan(Spec("auto")) == std::vector<std::string>{"alpha"});
  CHECK(r.Plan(Spec("auto", {"gamma"})) == std::vector<std::string>{"alpha", "gamma"});
  // Without a monitor every engine counts as healthy; an empty preference means all of them.
  r.options.preference.clear();
  Result<RoutePlan> plain = PlanRoute(Spec("auto"), 100, r.registry, nullptr, r.options);
  REQUIRE(plain.ok());
  CHECK(plain->candidates.size() == 3);
  CHECK(plain->candidates.front()->name() == "alpha");
}

TEST_CASE("only engines whose capabilities cover the spec are candidates") {
  Routes r;
  r.engine["gamma"]->SetCapabilities({"buy_and_hold"}, 0);
  r.engine["beta"]->SetCapabilities({}, 50);  // at most 50 bars
  CHECK(r.Plan(Spec("auto")) == std::vector<std::string>{"beta", "alpha"});
  CHECK(r.Plan(Spec("auto"), 51) == std::vector<std::string>{"alpha"});
  CHECK(r.Plan(Spec("alpha", {"gamma", "beta"}), 51) == std::vector<std::string>{"alpha"});
  CHECK(r.Error(Spec("gamma")).message() == "strategy.name: engine 'gamma' cannot run 'sma_cross'");
  CHECK(r.Error(Spec("beta"), 51).message() ==
        "dataset: 51 bars exceed engine 'beta''s limit of 50");
  BacktestSpec bad = Spec("alpha");
  bad.strategy.params["fast"] = -1;  // the engine's own validation
  CHECK(r.Error(bad).code() == StatusCode::kInvalidArgument);
  CHECK(r.Error(bad).message().rfind("strategy.params", 0) == 0);
  bad.engine = "auto";
  const Status none = r.Error(bad);
  CHECK(none.code() == StatusCode::kInvalidArgument);
  CHECK(none.message().rfind("strategy.name: no engine can run 'sma_cross' on this dataset (", 0) ==
        0);
}

TEST_CASE("algorithm source: engines that list its language, one candidate, no fallback") {
  Routes r;
  BacktestSpec spec = Spec("auto", {"alpha"});
  spec.strategy.name.clear();
  spec.algorithm.language = "python";
  spec.algorithm.files["main.py"] = "";
  const Status none = r.Error(spec);
  CHECK(none.code() == StatusCode::kInvalidArgument);
  CHECK(none.message().rfind("algorithm.language: no engine can run python source", 0) == 0);
  r.engine["beta"]->SetLanguages({"python"});
  r.engine["gamma"]->SetLanguages({"python"});
  r.options.fallback = {"gamma"};
  // auto: the healthiest capable engine alone; the request's chain is not appended.
  CHECK(r.Plan(spec) == std::vector<std::string>{"gamma"});
  r.Degrade("gamma");
  CHECK(r.Plan(spec) == std::vector<std::string>{"beta"});
  // Named: that engine alone, neither the request's nor the configured chain.
  spec.engine = "beta";
  spec.fallback = {"gamma"};
  CHECK(r.Plan(spec) == std::vector<std::string>{"beta"});
  spec.engine = "alpha";
  CHECK(r.Error(spec).message().rfind("algorithm.language: engine 'alpha' cannot run python", 0) ==
        0);
}

TEST_CASE("routing errors: unknown names are 400; no admitting engine for auto is 503") {
  Routes r;
  CHECK(r.Error(Spec("warp")).message() ==
        "engine: unknown engine 'warp' (available: auto, alpha, beta, gamma)");
  CHECK(r.Error(Spec("alpha", {"beta", "warp"})).message() ==
        "fallback[1]: unknown engine 'warp' (available: alpha, beta, gamma)");
  r.options.fallback = {"nope"};
  CHECK(r.Error(Spec("alpha")).message().rfind("engines.fallback: unknown engine 'nope'", 0) == 0);
  r.options.fallback.clear();
  r.Down("alpha");
  r.Down("beta");
  r.Down("gamma");
  const Status down = r.Error(Spec("auto"));
  CHECK(down.code() == StatusCode::kUnavailable);
  CHECK(down.message().rfind("engine: no engine can take this backtest now (gamma: ejected (", 0) ==
        0);
}

TEST_CASE("only failures proven to precede acceptance fall back") {
  CHECK(FailedBeforeAcceptance(Status::Unavailable("refused")));
  CHECK(FailedBeforeAcceptance(Status::ResourceExhausted("429")));
  CHECK_FALSE(FailedBeforeAcceptance(Status::InvalidArgument("bad")));
  CHECK_FALSE(FailedBeforeAcceptance(Status::UnknownOutcome("lost")));
  CHECK_FALSE(FailedBeforeAcceptance(Status::DeadlineExceeded("late")));
  CHECK_FALSE(FailedBeforeAcceptance(Status::Internal("bug")));
  CHECK_FALSE(FailedBeforeAcceptance(Status::Cancelled("stop")));
  CHECK_FALSE(FailedBeforeAcceptance(Status()));
}

}  // namespace
}  // namespace btr
