// TrialRunner: who runs an optimization's backtests. The native runner (this process, RunSweep
// with shared bars and indicators) is the default; EngineTrialRunner (engine_trials.h) sends one
// run per parameter set to any Engine, a few at a time. RunOptimization and RunWalkForward
// (optimization.h) are written against this interface only.
//
// Threads: a runner may be used by one optimization at a time; RunTrials and RunOne block until
// their runs end and may use threads of their own.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/trade.h"
#include "engines/data/bars.h"
#include "engines/data/column.h"
#include "engines/metrics/metrics.h"
#include "engines/optimize/param_space.h"
#include "engines/optimize/sweep.h"

namespace btr {

// One whole run of one parameter set (a walk-forward test window).
struct SingleRun {
  Column<double> equity;            // one point per bar
  std::vector<TradeRecord> trades;  // closed trades
  size_t warmup_bars = 0;
  Metrics metrics;  // canonical, from equity and trades
};

class TrialRunner {
 public:
  virtual ~TrialRunner() = default;
  virtual std::string_view engine() const = 0;
  // RunSweep's contract (sweep.h): one TrialResult per point, in the order of `points`; a run
  // that fails fails its trial alone; Cancelled when control.cancel fired.
  virtual Result<std::vector<TrialResult>> RunTrials(const BarSeries& bars,
                                                     const ParamSpace& space,
                                                     std::span<const size_t> points,
                                                     const SweepOptions& options,
                                                     const SweepControl& control) = 0;
  // The run of grid point `point` on `bars`, as a lone backtest; its error otherwise.
  virtual Result<SingleRun> RunOne(const BarSeries& bars, const ParamSpace& space, size_t point,
                                   const SweepOptions& options, const SweepControl& control) = 0;
};

// The native engine in this process (stateless; shared).
TrialRunner& NativeTrialRunner();

// The canonical metrics of a run on `bars` (what the job result computes from any engine's run).
Metrics CanonicalMetrics(const BarSeries& bars, std::span<const double> equity,
                         std::span<const TradeRecord> trades, size_t warmup_bars);

}  // namespace btr
