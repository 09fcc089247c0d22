// SplitWalkForward (engines/optimize/walk_forward.h) and RunWalkForward (optimization.h).
#include "engines/optimize/walk_forward.h"

#include <chrono>
#include <cmath>
#include <string>

#include "engines/data/bar_window.h"
#include "engines/optimize/trial_runner.h"
#include "engines/optimize/optimization.h"

namespace btr {
namespace {

double Nan() { return std::nan(""); }

// One fold's sweep on its train window and the chosen set on its test window.
struct FoldRun {
  const BarSeries& bars;
  const OptimizationRequest& request;
  const ParamSpace& space;
  const std::vector<size_t>& points;
  size_t objective_index, annual_return_index;
  TrialRunner& runner;
};

Status RunFold(const FoldRun& run, const SweepOptions& options, const SweepControl& control,
               WalkForwardFold* fold, SingleRun* test) {
  const FoldWindow& w = fold->window;
  const BarWindow train(run.bars, BarRange{w.train_begin, w.train_end});
  Result<std::vector<TrialResult>> trials =
      run.runner.RunTrials(train.bars(), run.space, run.points, options, control);
  if (!trials.ok()) return trials.status();
  fold->trials = trials->size();
  const size_t best = BestTrial(*trials, options.objective.maximize);
  fold->train_objective = fold->test_objective = Nan();
  fold->train_annual_return = fold->test_annual_return = fold->efficiency = Nan();
  if (best == static_cast<size_t>(-1)) return Status::Ok();
  const TrialResult& chosen = (*trials)[best];
  fold->has_best = true;
  fold->train_objective = chosen.objective;
  fold->train_annual_return = chosen.metrics[run.annual_return_index];
  std::vector<double> values;
  run.space.ValuesAt(chosen.point, &values);
  for (size_t i = 0; i < values.size(); ++i) fold->params[run.space.param_names()[i]] = values[i];

  const BarWindow window(run.bars, BarRange{w.test_begin, w.test_end});
  Result<SingleRun> result =
      run.runner.RunOne(window.bars(), run.space, chosen.point, options, control);
  if (!result.ok()) return result.status().WithPrefix("the test run of the chosen set");
  for (const auto& field : MetricsFields(result->metrics)) fold->test_metrics.push_back(field.second);
  fold->test_annual_return = fold->test_metrics[run.annual_return_index];
  if (result->metrics.num_trades >= options.min_trades) {
    fold->test_objective = fold->test_metrics[run.objective_index];
  }
  if (fold->train_annual_return > 0 && std::isfinite(fold->test_annual_return)) {
    fold->efficiency = fold->test_annual_return / fold->train_annual_return;
  }
  *test = std::move(result).value();
  return Status::Ok();
}

// Appends fold `fold`'s test run to the stitched curve: equity scaled to start where the curve
// ends, trades moved to the stitched bar numbers. A fold without a run stays in cash.
void Stitch(const BarSeries& bars, const WalkForwardFold& fold, const SingleRun* test, double cash,
            WalkForwardResult* out, std::vector<TradeRecord>* trades) {
  const FoldWindow& w = fold.window;
  const double start = out->equity.empty() ? cash : out->equity.back();
  const double scale = start / cash;
  const long offset = static_cast<long>(out->equity.size());
  for (size_t i = w.test_begin; i < w.test_end; ++i) {
    out->time.push_back(bars.time[i]);
    out->equity.push_back(test != nullptr ? test->equity[i - w.test_begin] * scale : start);
  }
  if (test == nullptr) return;
  for (TradeRecord t : test->trades) {
    t.size *= scale;
    t.pnl *= scale;
    t.commission *= scale;
    t.entry_bar += offset;
    if (t.exit_bar >= 0) t.exit_bar += offset;
    trades->push_back(std::move(t));
  }
}

void StitchedMetrics(const BarSeries& bars, size_t first_test_bar, size_t warmup,
                     const std::vector<TradeRecord>& trades, WalkForwardResult* out) {
  MetricsInput in;
  in.time = out->time;
  in.equity = out->equity;
  in.close = std::span<const double>(bars.close).subspan(first_test_bar, out->equity.size());
  in.first_trading_bar = std::min(warmup, out->equity.size() - 1);
  in.trades = trades;
  out->metrics = ComputeMetrics(in);
  double sum = 0;
  size_t count = 0;
  for (const WalkForwardFold& f : out->folds) {
    if (std::isfinite(f.train_annual_return)) sum += f.train_annual_return, ++count;
  }
  const double mean_train = count > 0 ? sum / static_cast<double>(count) : Nan();
  out->efficiency = mean_train > 0 ? out->metrics.annual_return / mean_train : Nan();
}

}  // namespace

Status CheckWalkForward(const WalkForwardOptions& options) {
  if (options.folds < 1 || options.folds > 100) {
    return Status::InvalidArgument("walk_forward.folds: expected a whole number from 1 to 100");
  }
  if (!(options.test_fraction > 0 && options.test_fraction < 1)) {
    return Status::InvalidArgument("walk_forward.test_fraction: expected a number in (0, 1)");
  }
  return Status::Ok();
}

Result<std::vector<FoldWindow>> SplitWalkForward(size_t bars, const WalkForwardOptions& options,
                                                 size_t min_bars) {
  BTR_RETURN_IF_ERROR(CheckWalkForward(options));
  const double p = options.test_fraction;
  const size_t k = options.folds;
  const size_t test = static_cast<size_t>(
      std::floor(static_cast<double>(bars) / ((1 - p) / p + static_cast<double>(k))));
  const size_t train = bars - k * test;
  if (test < min_bars || train < min_bars) {
    return Status::InvalidArgument(
        "walk_forward.folds: " + std::to_string(bars) + " bars in " + std::to_string(k) +
        " folds give test windows of " + std::to_string(test) + " bars and train windows of " +
        std::to_string(train) + " (at least " + std::to_string(min_bars) +
        " each); use fewer folds, another test_fraction or more data");
  }
  std::vector<FoldWindow> folds(k);
  for (size_t i = 0; i < k; ++i) {
    folds[i].test_begin = train + i * test;
    folds[i].test_end = folds[i].test_begin + test;
    folds[i].train_end = folds[i].test_begin;
    folds[i].train_begin = options.anchored ? 0 : i * test;
  }
  return folds;
}

Result<WalkForwardResult> RunWalkForward(const BarSeries& bars, const OptimizationRequest& request,
                                         const SweepControl& control, TrialRunner* runner) {
  Result<std::vector<FoldWindow>> windows = SplitWalkForward(bars.size(), request.walk_forward);
  if (!windows.ok()) return windows.status();
  Result<OptimizationPlan> plan = PlanOptimization(request, bars.size());
  if (!plan.ok()) return plan.status();
  Result<size_t> objective = MetricIndex("objective.metric", request.sweep.objective.metric);
  if (!objective.ok()) return objective.status();
  const FoldRun run{bars,
                    request,
                    plan->space,
                    plan->points,
                    *objective,
                    *MetricIndex("annual_return", "annual_return"),
                    runner != nullptr ? *runner : NativeTrialRunner()};
  SweepOptions options = request.sweep;
  options.blocks = 0;  // no CSCV inside a fold

  WalkForwardResult out;
  out.options = request.walk_forward;
  std::vector<TradeRecord> trades;
  size_t warmup = 0;
  const size_t per_fold = plan->points.size(), total = per_fold * windows->size();
  for (size_t f = 0; f < windows->size(); ++f) {
    SweepControl fold_control;
    fold_control.cancel = control.cancel;
    if (control.progress) {
      fold_control.progress = [&, f](size_t done, size_t) {
        control.progress(f * per_fold + done, total);
      };
    }
    WalkForwardFold fold;
    fold.window = (*windows)[f];
    fold.train_start = bars.time[fold.window.train_begin];
    fold.train_end = bars.time[fold.window.train_end - 1];
    fold.test_start = bars.time[fold.window.test_begin];
    fold.test_end = bars.time[fold.window.test_end - 1];
    SingleRun test;
    Status s = RunFold(run, options, fold_control, &fold, &test);
    if (!s.ok()) return s.WithPrefix("walk-forward fold " + std::to_string(f + 1));
    if (f == 0 && fold.has_best) warmup = test.warmup_bars;
    Stitch(bars, fold, fold.has_best ? &test : nullptr, options.config.broker.cash, &out, &trades);
    out.folds.push_back(std::move(fold));
  }
  StitchedMetrics(bars, (*windows)[0].test_begin, warmup, trades, &out);
  return out;
}

}  // namespace btr
