#include "engines/native/native_run.h"

#include "engines/catalogue/catalogue.h"
#include "engines/native/strategies/native_strategies.h"

namespace btr {

Result<NativeRun> RunCatalogueBacktest(const BarSeries& bars, std::string_view strategy,
                                       const ParamValues& params, const BacktestConfig& config,
                                       const RunControl& control) {
  Result<std::unique_ptr<Strategy>> created = CreateStrategy(strategy, params);
  if (!created.ok()) return created.status();
  Result<BacktestOutput> output = RunBacktest(bars, **created, config, control);
  if (!output.ok()) return output.status();

  NativeRun run{std::move(output).value(), {}};
  MetricsInput in;
  in.time = bars.time;
  in.equity = run.output.equity;
  in.close = bars.close;
  in.first_trading_bar = run.output.warmup_bars;
  in.trades = run.output.trades;
  run.metrics = ComputeMetrics(in);
  return run;
}

}  // namespace btr
