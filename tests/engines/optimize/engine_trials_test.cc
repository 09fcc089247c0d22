// EngineTrialRunner: an optimization's trials as runs on an Engine, here the native engine behind
// the Engine interface (wrapped to count runs in flight and to inject failures), so every trial
// can be held against the in-process sweep.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <thread>

#include "engines/data/csv_loader.h"
#include "engines/native/native_engine.h"
#include "engines/optimize/engine_trials.h"
#include "engines/optimize/optimization.h"
#include "tests/fakes/faulty_engine.h"
#include "tests/engines/optimize/optimize_test_util.h"

namespace btr {
namespace {

using testing::Goog;
using testing::SameBits;

// Counts the runs in flight and the most seen at once; each run lingers a little so that
// concurrent runs overlap.
class CountingEngine final : public Engine {
 public:
  explicit CountingEngine(Engine& inner) : inner_(inner) {}
  std::string_view name() const override { return "counted"; }
  EngineCapabilities capabilities() const override { return inner_.capabilities(); }
  Status Validate(const BacktestSpec& spec) const override { return inner_.Validate(spec); }
  Health Probe(std::chrono::steady_clock::time_point deadline) override {
    return inner_.Probe(deadline);
  }
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override {
    const int now = ++in_flight_;
    for (int seen = max_in_flight_.load(); now > seen && !max_in_flight_.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Result<EngineRun> run = inner_.Run(spec, bars, context);
    --in_flight_;
    ++runs_;
    return run;
  }
  int max_in_flight() const { return max_in_flight_; }
  int runs() const { return runs_; }

 private:
  Engine& inner_;
  std::atomic<int> in_flight_{0}, max_in_flight_{0}, runs_{0};
};

BacktestSpec BaseSpec() {
  BacktestSpec spec;
  spec.engine = "counted";
  spec.strategy.name = "sma_cross";
  spec.dataset = "goog";
  spec.commission = 0.002;
  return spec;
}

OptimizationRequest Request() {
  OptimizationRequest r;
  r.strategy = "sma_cross";
  r.space = {{"fast", {5, 10, 20}}, {"slow", {30, 60, 90}}};
  r.sweep.config.broker.commission_relative = 0.002;
  r.sweep.blocks = 8;
  r.concurrency = 3;
  return r;
}

TEST_CASE("Trials on an engine are the in-process sweep's trials, at most `concurrency` at once") {
  NativeEngine native;
  CountingEngine engine(native);
  EngineTrialRunner runner(engine, BaseSpec(), 3, "job.1.counted");
  Result<OptimizationResult> remote = RunOptimization(Goog(), Request(), {}, &runner);
  REQUIRE(remote.ok());
  Result<OptimizationResult> local = RunOptimization(Goog(), Request());
  REQUIRE(local.ok());
  CHECK(engine.runs() == 9);
  CHECK(engine.max_in_flight() <= 3);
  CHECK(engine.max_in_flight() >= 2);  // they did overlap
  REQUIRE(remote->trials.size() == local->trials.size());
  for (size_t i = 0; i < local->trials.size(); ++i) {
    const TrialResult &a = remote->trials[i], &b = local->trials[i];
    CHECK(a.point == b.point);
    REQUIRE(a.status.ok());
    REQUIRE(a.metrics.size() == b.metrics.size());
    for (size_t k = 0; k < a.metrics.size(); ++k) {
      INFO("point " << a.point << " metric " << MetricKeys()[k]);
      CHECK(SameBits(a.metrics[k], b.metrics[k]));
    }
    CHECK(a.blocks.size() == 8);
    CHECK(SameBits(a.daily.mean, b.daily.mean));
  }
  CHECK(remote->best == local->best);
  CHECK(remote->analysis.pbo.ok());
}

TEST_CASE("A walk-forward on an engine chooses and scores as the in-process one") {
  NativeEngine native;
  CountingEngine engine(native);
  EngineTrialRunner runner(engine, BaseSpec(), 2, "");
  OptimizationRequest request = Request();
  request.walk_forward.folds = 3;
  Result<WalkForwardResult> remote = RunWalkForward(Goog(), request, {}, &runner);
  REQUIRE(remote.ok());
  Result<WalkForwardResult> local = RunWalkForward(Goog(), request);
  REQUIRE(local.ok());
  CHECK(engine.runs() == 3 * 9 + 3);  // each fold's trials and its test run
  REQUIRE(remote->folds.size() == 3);
  for (size_t f = 0; f < 3; ++f) {
    CHECK(remote->folds[f].params == local->folds[f].params);
    REQUIRE(remote->folds[f].test_metrics.size() == local->folds[f].test_metrics.size());
    for (size_t k = 0; k < local->folds[f].test_metrics.size(); ++k) {
      CHECK(SameBits(remote->folds[f].test_metrics[k], local->folds[f].test_metrics[k]));
    }
  }
  CHECK(SameBits(remote->equity.back(), local->equity.back()));
}

TEST_CASE("Failed runs fail their trials; when all fail the optimization says why") {
  testing::FaultyEngine engine("flaky", std::make_unique<NativeEngine>());
  EngineTrialRunner runner(engine, BaseSpec(), 2, "");
  engine.Fail(StatusCode::kUnavailable, "connection refused");
  Result<OptimizationResult> down = RunOptimization(Goog(), Request(), {}, &runner);
  REQUIRE_FALSE(down.ok());
  CHECK(down.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(down.status().message(),
             Catch::Contains("every trial failed on flaky") &&
                 Catch::Contains("connection refused"));
}

TEST_CASE("A cancel stops the runs in flight on the engine") {
  testing::FaultyEngine engine("stuck", std::make_unique<NativeEngine>());
  engine.Hang();
  EngineTrialRunner runner(engine, BaseSpec(), 2, "");
  std::atomic<bool> cancel{false};
  SweepControl control;
  control.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  Result<OptimizationResult> result = RunOptimization(Goog(), Request(), control, &runner);
  canceller.join();
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kCancelled);
}

}  // namespace
}  // namespace btr
