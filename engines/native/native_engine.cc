#include "engines/native/native_engine.h"

#include <chrono>

#include "engines/catalogue/catalogue.h"
#include "engines/native/strategies/native_strategies.h"
#include "engines/spec_window.h"

namespace btr {

BacktestConfig NativeConfig(const BacktestSpec& spec) {
  BacktestConfig config;
  config.broker.cash = spec.cash;
  config.broker.commission_relative = spec.commission;
  config.broker.commission_fixed = spec.commission_fixed;
  config.broker.spread = spec.spread;
  config.broker.margin = spec.margin;
  config.broker.trade_on_close = spec.trade_on_close;
  config.broker.exclusive_orders = spec.exclusive_orders;
  config.broker.hedging = spec.hedging;
  config.finalize_trades = spec.finalize_trades;
  return config;
}

EngineCapabilities NativeEngine::capabilities() const {
  return CatalogueCapabilities(options_.max_bars);
}

Result<std::unique_ptr<Strategy>> NativeEngine::Prepare(const BacktestSpec& spec) const {
  Result<ResolvedStrategy> resolved = ResolveStrategy(spec.strategy);
  if (!resolved.ok()) return resolved.status();
  Result<std::unique_ptr<Strategy>> strategy =
      CreateStrategy(resolved->info->name, resolved->params);
  if (!strategy.ok()) return strategy.status().WithPrefix("strategy.params");
  return strategy;
}

Status NativeEngine::Validate(const BacktestSpec& spec) const {
  Result<std::unique_ptr<Strategy>> strategy = Prepare(spec);
  if (!strategy.ok()) return strategy.status();
  BTR_RETURN_IF_ERROR(SpecWindow(spec).status());
  return NativeConfig(spec).broker.Validate();
}

Health NativeEngine::Probe(std::chrono::steady_clock::time_point /*deadline*/) {
  return Health{true, "in process", std::chrono::microseconds(0)};
}

Result<EngineRun> NativeEngine::Run(const BacktestSpec& spec, const BarSeries& dataset,
                                    const RunContext& context) {
  Result<BarWindow> window = CutToWindow(dataset, spec);  // no copy when there is no window
  if (!window.ok()) return window.status();
  const BarSeries& bars = window->bars();
  if (options_.max_bars != 0 && bars.size() > options_.max_bars) {
    return Status::InvalidArgument("dataset: " + std::to_string(bars.size()) +
                                   " bars exceed the native engine's limit of " +
                                   std::to_string(options_.max_bars) + " bars per run");
  }
  Result<std::unique_ptr<Strategy>> strategy = Prepare(spec);
  if (!strategy.ok()) return strategy.status();

  RunControl control;
  control.cancel = context.cancel;
  control.progress_every = 1 << 14;
  if (context.progress) {
    control.progress = [&context](double fraction) { context.progress(fraction, "running"); };
  }
  const auto start = std::chrono::steady_clock::now();
  Result<BacktestOutput> out = RunBacktest(bars, **strategy, NativeConfig(spec), control);
  if (!out.ok()) return out.status();
  EngineRun run;
  run.equity = std::move(out->equity);
  run.trades = std::move(out->trades);
  run.open_trades = std::move(out->open_trades);
  run.warmup_bars = out->warmup_bars;
  run.native.same_as_canonical = true;
  run.native.conventions = {{"definitions", "the canonical ones, computed by btrouter itself"}};
  run.engine_version = "btrouter-native 0.1.0 (backtesting.py 0.6.6 semantics)";
  run.run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

}  // namespace btr
