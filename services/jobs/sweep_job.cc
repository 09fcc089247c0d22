#include "services/jobs/sweep_job.h"

#include <memory>

#include "engines/optimize/engine_trials.h"
#include "engines/optimize/optimization.h"

namespace btr {

DispatchOutcome RunSweepJob(const BacktestSpec& spec, const std::string& job_id,
                            const EngineRegistry& engines, JobRunControl& control,
                            DispatchListener& listener, std::string* report) {
  DispatchOutcome outcome;
  outcome.engine = spec.engine;
  Engine* engine = spec.engine == "native" ? nullptr : engines.Find(spec.engine);
  if (spec.engine != "native" && engine == nullptr) {
    Result<int> started = listener.Starting("", "[]");
    outcome.abandoned = !started.ok();
    outcome.status = Status::NotFound("engine: '" + spec.engine + "' is not configured here");
    return outcome;
  }
  Result<int> attempt = listener.Starting(spec.engine, "[]");
  if (!attempt.ok()) {
    outcome.abandoned = true;
    return outcome;
  }
  outcome.attempt = *attempt;
  Result<OptimizationRequest> request =
      OptimizationRequestFromJson(nlohmann::json::parse(spec.sweep, nullptr, false));
  if (!request.ok()) {
    outcome.status = request.status().WithPrefix("sweep");
    return outcome;
  }
  listener.Progress(0, "loading");
  Result<const BarSeries*> bars = listener.Bars();
  if (!bars.ok()) {
    outcome.status = bars.status();
    return outcome;
  }
  listener.Progress(0, "running");
  SweepControl sweep;
  sweep.cancel = &control.cancel;
  sweep.progress = [&listener](size_t done, size_t total) {
    listener.Progress(static_cast<double>(done) / static_cast<double>(total), "running");
  };
  std::unique_ptr<EngineTrialRunner> remote;
  if (engine != nullptr) {
    remote = std::make_unique<EngineTrialRunner>(
        *engine, spec, request->concurrency,
        job_id + "." + std::to_string(*attempt) + "." + spec.engine);
  }
  Result<OptimizationResult> result =
      RunOptimization(**bars, std::move(request).value(), sweep, remote.get());
  if (!result.ok()) {
    outcome.status = result.status();
    return outcome;
  }
  listener.Log("info", "btrouter",
               std::to_string(result->trials.size()) + " trials of " +
                   std::to_string(result->space.grid_size()) + " grid points on " + spec.engine +
                   " in " + std::to_string(result->seconds) + " s");
  *report = OptimizationToJson(*result).dump();
  return outcome;
}

}  // namespace btr
