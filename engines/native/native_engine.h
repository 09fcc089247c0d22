// NativeEngine: btrouter's own C++ engine behind the Engine interface. Runs catalogue strategies
// in the calling thread with backtesting.py 0.6.6 semantics (RunBacktest), reports progress and
// honours cancellation every 16 384 bars. Runs on the bars of the spec's window (CutToWindow,
// engines/spec_window.h: the dataset itself when there is none, else a copy of the window's
// bars), so equity, trade bar indexes and warm-up are relative to the window.
// Stateless apart from its configuration: thread-safe.
#pragma once

#include "engines/engine.h"
#include "engines/native/backtest.h"
#include "engines/native/strategy/strategy.h"

namespace btr {

struct NativeEngineOptions {
  size_t max_bars = 50'000'000;  // bars per run; larger datasets are InvalidArgument
};

class NativeEngine final : public Engine {
 public:
  explicit NativeEngine(NativeEngineOptions options = {}) : options_(options) {}

  std::string_view name() const override { return "native"; }
  EngineCapabilities capabilities() const override;
  Status Validate(const BacktestSpec& spec) const override;
  Health Probe(std::chrono::steady_clock::time_point deadline) override;
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override;

 private:
  // The spec's strategy with checked parameters.
  Result<std::unique_ptr<Strategy>> Prepare(const BacktestSpec& spec) const;

  const NativeEngineOptions options_;
};

// The spec's settings as a native BacktestConfig (validated by the broker at run time).
BacktestConfig NativeConfig(const BacktestSpec& spec);

}  // namespace btr
