// EngineTrialRunner: an optimization's backtests on any Engine (engines/engine.h), one run per
// parameter set, at most `concurrency` in flight, each exactly the run POST /v1/backtests makes
// for that set on that engine (the job's spec with the strategy's parameters replaced and the
// window set to the bars given), scored by the canonical metrics. Used for the remote engines;
// the native engine runs sweeps in process (NativeTrialRunner), far faster.
//
// A run that fails fails its trial alone (its Status is the trial's); nothing falls back or is
// retried: the trial is an engine's answer or its error. A cancel stops the runs in flight
// through their RunContext and starts no more.
// Threads: RunTrials uses `concurrency` threads of its own; the engine must be thread-safe (as
// every Engine is). The engine must outlive the runner.
#pragma once

#include <string>

#include "engines/engine.h"
#include "engines/optimize/trial_runner.h"

namespace btr {

class EngineTrialRunner final : public TrialRunner {
 public:
  // `base`: the spec every run starts from (engine, settings, strategy with its fixed
  // parameters). `run_key`: the job's run key prefix; each run's key is
  // "<run_key>.p<point>.w<first bar time>" (empty: none). `concurrency` >= 1.
  EngineTrialRunner(Engine& engine, BacktestSpec base, size_t concurrency, std::string run_key);

  std::string_view engine() const override { return engine_.name(); }
  Result<std::vector<TrialResult>> RunTrials(const BarSeries& bars, const ParamSpace& space,
                                             std::span<const size_t> points,
                                             const SweepOptions& options,
                                             const SweepControl& control) override;
  Result<SingleRun> RunOne(const BarSeries& bars, const ParamSpace& space, size_t point,
                           const SweepOptions& options, const SweepControl& control) override;

 private:
  BacktestSpec SpecAt(const BarSeries& bars, const ParamSpace& space, size_t point) const;
  Result<EngineRun> Run(const BarSeries& bars, const ParamSpace& space, size_t point,
                        const SweepControl& control);

  Engine& engine_;
  const BacktestSpec base_;
  const size_t concurrency_;
  const std::string run_key_;
};

}  // namespace btr
