#include "engines/native/backtest.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace btr {
namespace {

// Fills the NaN head of the curve with its first recorded value (pandas bfill), or with the
// initial cash when no bar was recorded.
void BackFill(Column<double>& equity, double cash) {
  auto first = std::find_if(equity.begin(), equity.end(), [](double v) { return !std::isnan(v); });
  const double value = first == equity.end() ? cash : *first;
  std::fill(equity.begin(), first, value);
}

}  // namespace

Result<BacktestOutput> RunBacktest(const BarSeries& bars, Strategy& strategy,
                                   const BacktestConfig& config, const RunControl& control) {
  BTR_RETURN_IF_ERROR(config.broker.Validate());
  if (bars.empty()) return Status::InvalidArgument("data: no bars to backtest");

  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const Clock::time_point init_start = Clock::now();
  Broker broker(
      config.broker, bars,
      control.equity_storage != nullptr ? std::move(*control.equity_storage) : Column<double>{});
  strategy.Bind(&bars, &broker);
  BTR_RETURN_IF_ERROR(strategy.Init().WithPrefix("strategy init"));
  const double init_seconds = seconds_since(init_start);
  if (control.cancel != nullptr && control.cancel->load(std::memory_order_relaxed)) {
    return Status::Cancelled("backtest cancelled before the first bar");
  }
  const Clock::time_point loop_start = Clock::now();

  const size_t n = bars.size();
  const size_t start = strategy.WarmupBars() + 1;
  broker.MarkNotRecorded(0, start);  // the loop records every bar from `start` on
  BacktestOutput out;
  out.warmup_bars = start - 1;
  out.init_seconds = init_seconds;

  const size_t every = std::max<size_t>(1, control.progress_every);
  size_t next_check = start + every;
  bool completed = true;
  for (size_t i = start; i < n; ++i) {
    if (i >= next_check) {
      next_check = i + every;
      if (control.cancel != nullptr && control.cancel->load(std::memory_order_relaxed)) {
        return Status::Cancelled("backtest cancelled at bar " + std::to_string(i));
      }
      if (control.progress) control.progress(static_cast<double>(i) / static_cast<double>(n));
    }
    if (!broker.has_pending_orders()) {
      // Bars where the strategy will not act and no order waits: equity only.
      const size_t limit = std::min(n, next_check);
      i = broker.MarkQuietBars(i, strategy.NextActiveBar(i, limit));
      if (i == limit) {
        --i;  // the loop's ++i lands on limit
        continue;
      }
    }
    if (!broker.ProcessBar(i)) {
      out.out_of_money = true;
      completed = false;
      break;
    }
    strategy.Next(i);
    if (strategy.failed()) return strategy.order_error().WithPrefix("strategy order");
  }
  if (completed && config.finalize_trades && start < n) broker.FinalizeTrades(n - 1);
  out.loop_seconds = seconds_since(loop_start);

  out.equity = std::move(broker.equity_curve());
  BackFill(out.equity, config.broker.cash);
  out.open_trades = broker.OpenTradeRecords(n - 1);
  out.trades = broker.TakeClosedTrades();
  if (control.progress) control.progress(1.0);
  return out;
}

}  // namespace btr
