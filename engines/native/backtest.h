// RunBacktest: the native engine's bar loop (backtesting.py 0.6.6's Backtest.run()).
//
// For i = W+1 .. N-1 (W = the strategy's warm-up): the broker processes bar i and records
// equity[i]; the strategy's Next(i) runs. Equity before W+1 is back-filled with the first
// recorded value (the initial cash). With finalize_trades, open trades are closed on the last
// bar afterwards. A run stops early when equity reaches 0 (the rest of the curve is 0).
//
// Threads: one run uses the calling thread only; runs on different strategies and brokers may
// proceed in parallel on shared const bars. Progress is reported and cancellation checked every
// `progress_every` bars.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/trade.h"
#include "engines/data/bars.h"
#include "engines/native/broker/broker.h"
#include "engines/native/strategy/strategy.h"

namespace btr {

struct BacktestConfig {
  BrokerConfig broker;
  bool finalize_trades = false;  // close open trades on the last bar (at its open)
};

struct RunControl {
  // Called with the fraction of bars done, in [0, 1]; may be empty.
  std::function<void(double)> progress;
  // When set and it becomes true, the run stops with kCancelled at the next check.
  const std::atomic<bool>* cancel = nullptr;
  size_t progress_every = 1 << 16;  // bars between progress/cancel checks
  // When set, its memory becomes the run's equity curve (moved out; values ignored): a sweep
  // hands each trial's curve back here so that the next trial reuses it. May be null.
  Column<double>* equity_storage = nullptr;
};

struct BacktestOutput {
  Column<double> equity;                 // N points, back-filled through the warm-up
  std::vector<TradeRecord> trades;       // closed trades, in closing order
  std::vector<TradeRecord> open_trades;  // still open at the end, marked at the last close
  size_t warmup_bars = 0;                // W: the first Next() call is on bar W+1
  bool out_of_money = false;             // equity reached 0 and the run stopped
  double init_seconds = 0;               // wall time of Strategy::Init (indicators)
  double loop_seconds = 0;               // wall time of the bar loop and finalize
};

// Runs `strategy` (freshly created, not yet bound) over `bars`. InvalidArgument for a bad
// config or an invalid order placed by the strategy; Cancelled when `control.cancel` fired.
Result<BacktestOutput> RunBacktest(const BarSeries& bars, Strategy& strategy,
                                   const BacktestConfig& config, const RunControl& control = {});

}  // namespace btr
