// RunCatalogueBacktest: one call from (bars, strategy name, parameters, settings) to the native
// engine's full result: trades, equity curve and canonical metrics. Shared by the CLI, the
// parity tests and the benchmarks. Thread-safe (no shared state); runs on the calling thread.
#pragma once

#include <string_view>

#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/metrics/metrics.h"
#include "engines/native/backtest.h"
#include "engines/catalogue/params.h"

namespace btr {

struct NativeRun {
  BacktestOutput output;
  Metrics metrics;
};

// NotFound for an unknown strategy; InvalidArgument for bad parameters or settings; Cancelled.
Result<NativeRun> RunCatalogueBacktest(const BarSeries& bars, std::string_view strategy,
                                       const ParamValues& params, const BacktestConfig& config,
                                       const RunControl& control = {});

}  // namespace btr
