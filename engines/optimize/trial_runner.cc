#include "engines/optimize/trial_runner.h"

#include "engines/native/native_run.h"

namespace btr {
namespace {

class NativeRunner final : public TrialRunner {
 public:
  std::string_view engine() const override { return "native"; }

  Result<std::vector<TrialResult>> RunTrials(const BarSeries& bars, const ParamSpace& space,
                                             std::span<const size_t> points,
                                             const SweepOptions& options,
                                             const SweepControl& control) override {
    return RunSweep(bars, space, points, options, control);
  }

  Result<SingleRun> RunOne(const BarSeries& bars, const ParamSpace& space, size_t point,
                           const SweepOptions& options, const SweepControl& control) override {
    RunControl run_control;
    run_control.cancel = control.cancel;
    Result<NativeRun> run = RunCatalogueBacktest(bars, space.strategy(), space.ParamsAt(point),
                                                 options.config, run_control);
    if (!run.ok()) return run.status();
    SingleRun out;
    out.equity = std::move(run->output.equity);
    out.trades = std::move(run->output.trades);
    out.warmup_bars = run->output.warmup_bars;
    out.metrics = run->metrics;
    return out;
  }
};

}  // namespace

TrialRunner& NativeTrialRunner() {
  static NativeRunner runner;
  return runner;
}

Metrics CanonicalMetrics(const BarSeries& bars, std::span<const double> equity,
                         std::span<const TradeRecord> trades, size_t warmup_bars) {
  MetricsInput in;
  in.time = bars.time;
  in.equity = equity;
  in.close = bars.close;
  in.first_trading_bar = warmup_bars;
  in.trades = trades;
  return ComputeMetrics(in);
}

}  // namespace btr
