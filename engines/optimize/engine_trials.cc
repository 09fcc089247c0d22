#include "engines/optimize/engine_trials.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace btr {

EngineTrialRunner::EngineTrialRunner(Engine& engine, BacktestSpec base, size_t concurrency,
                                     std::string run_key)
    : engine_(engine),
      base_(std::move(base)),
      concurrency_(std::max<size_t>(1, concurrency)),
      run_key_(std::move(run_key)) {}

BacktestSpec EngineTrialRunner::SpecAt(const BarSeries& bars, const ParamSpace& space,
                                       size_t point) const {
  BacktestSpec spec = base_;
  spec.sweep.clear();
  spec.fallback.clear();
  std::vector<double> values;
  space.ValuesAt(point, &values);
  for (size_t i = 0; i < values.size(); ++i) spec.strategy.params[space.param_names()[i]] = values[i];
  // The window of the bars handed over (a walk-forward fold is a part of the job's window).
  spec.start = FormatIsoTime(bars.time.front(), true);
  spec.end = FormatIsoTime(bars.time.back(), true);
  return spec;
}

Result<EngineRun> EngineTrialRunner::Run(const BarSeries& bars, const ParamSpace& space,
                                         size_t point, const SweepControl& control) {
  RunContext context;
  context.cancel = control.cancel;
  if (!run_key_.empty()) {
    context.run_key = run_key_ + ".p" + std::to_string(point) + ".w" +
                      std::to_string(bars.time.front());
  }
  return engine_.Run(SpecAt(bars, space, point), bars, context);
}

Result<std::vector<TrialResult>> EngineTrialRunner::RunTrials(const BarSeries& bars,
                                                              const ParamSpace& space,
                                                              std::span<const size_t> points,
                                                              const SweepOptions& options,
                                                              const SweepControl& control) {
  BTR_RETURN_IF_ERROR(CheckSweepOptions(options));
  Result<size_t> objective = MetricIndex("objective.metric", options.objective.metric);
  if (!objective.ok()) return objective.status();
  if (bars.size() < 2) return Status::InvalidArgument("data: a sweep needs at least 2 bars");
  const std::vector<size_t> day_ends = DayEnds(bars);
  std::vector<TrialResult> trials(points.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> stopped{false};
  std::mutex progress_mu;
  size_t done = 0;  // guarded by progress_mu
  auto cancelled = [&] { return control.cancel != nullptr && control.cancel->load(); };

  auto work = [&] {
    std::vector<double> returns;
    for (size_t i = next++; i < points.size() && !stopped.load(); i = next++) {
      TrialResult& trial = trials[i];
      trial.point = points[i];
      Result<EngineRun> run = Run(bars, space, points[i], control);
      if (cancelled()) {
        stopped = true;
        return;
      }
      if (run.ok()) {
        const Metrics metrics = CanonicalMetrics(bars, run->equity, run->trades, run->warmup_bars);
        RecordTrial(metrics, run->equity, day_ends, options, *objective, &returns, &trial);
      } else {
        trial.status = run.status();
      }
      std::lock_guard<std::mutex> lock(progress_mu);
      ++done;
      if (control.progress) control.progress(done, points.size());
    }
  };
  std::vector<std::thread> pool;
  const size_t threads = std::min(concurrency_, points.size());
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (stopped) return Status::Cancelled("sweep cancelled");
  return trials;
}

Result<SingleRun> EngineTrialRunner::RunOne(const BarSeries& bars, const ParamSpace& space,
                                            size_t point, const SweepOptions& options,
                                            const SweepControl& control) {
  (void)options;  // the settings are the base spec's
  Result<EngineRun> run = Run(bars, space, point, control);
  if (!run.ok()) return run.status();
  SingleRun out;
  out.metrics = CanonicalMetrics(bars, run->equity, run->trades, run->warmup_bars);
  out.equity = std::move(run->equity);
  out.trades = std::move(run->trades);
  out.warmup_bars = run->warmup_bars;
  return out;
}

}  // namespace btr
