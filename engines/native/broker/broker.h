// Broker: the order book and account of one native backtest, simulating backtesting.py 0.6.6's
// _Broker exactly (reference: backtestingpy-semantics.md §1). It owns open trades, pending
// orders, cash and the equity curve; the bar loop (engines/native/backtest.h) drives it.
//
// Per bar i the loop calls ProcessBar(i) (fills pending orders against bar i, records
// equity[i], stops the run when equity <= 0), then the strategy's Next(i), during which the
// strategy places orders through NewOrder / CloseTrade / ClosePosition. Orders placed at bar i
// are processed from bar i+1. Not thread-safe: one broker per run, used by one thread.
//
// Units: sizes in whole units (a size strictly between 0 and 1 is a fraction of available
// margin, converted to units at fill time); prices in quote currency; commission and spread as
// fractions of price; the fixed commission in cash per order.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/trade.h"
#include "engines/data/bars.h"

namespace btr {

struct BrokerConfig {
  // The ranges are the spec's (engines/spec_bounds.h).
  double cash = 10000;             // initial cash, in (0, 1e12]
  double commission_relative = 0;  // fraction of traded value, in [-0.1, 0.1)
  double commission_fixed = 0;     // cash per order, in [0, 1e9]
  double spread = 0;               // fraction of price added to buys / taken from sells, [0, 1)
  double margin = 1;               // required margin ratio in [1e-4, 1]; leverage = 1/margin
  bool trade_on_close = false;     // market orders fill at the signal bar's close
  bool hedging = false;            // allow long and short trades at once
  bool exclusive_orders = false;   // each new order cancels pending orders and closes trades

  // InvalidArgument naming the field (as the spec does: "commission_fixed") and the allowed
  // range when a value is out of range.
  Status Validate() const;
};

// The default order size: all available margin (backtesting.py's 1 - 2^-52).
inline constexpr double kFullEquity = 1.0 - 0x1p-52;

struct OrderRequest {
  double size = kFullEquity;  // > 0; (0,1) = fraction of margin, >= 1 = whole units
  double limit = kNoPrice;    // NaN = none
  double stop = kNoPrice;
  double sl = kNoPrice;
  double tp = kNoPrice;
  std::string tag;
};

class Broker {
 public:
  // `bars` must outlive the broker. `equity_storage`: memory to reuse for the equity curve (a
  // previous run's curve, its values ignored), so a sweep does not allocate and fault in a
  // fresh curve per trial. The curve's values are unspecified until recorded: the loop records
  // every bar from its first one on (ProcessBar, MarkQuietBars) and marks the bars before it
  // with MarkNotRecorded.
  Broker(const BrokerConfig& config, const BarSeries& bars, Column<double> equity_storage = {});

  // --- Strategy-facing API (valid during Next(i)) ---
  // Places a buy (is_buy) or sell order. InvalidArgument when the size or the SL/limit/TP
  // ordering is invalid (long: sl < limit|stop|price < tp; short mirrored).
  Status NewOrder(bool is_buy, const OrderRequest& request);
  // Queues a market order closing `portion` (0, 1] of every open trade (newest first).
  void ClosePosition(double portion = 1.0);
  // Queues a market order closing `portion` of open trade number `index` (in open order).
  void CloseTrade(size_t index, double portion = 1.0);

  double position_size() const { return position_size_; }  // signed units
  double cash() const { return cash_; }
  // At the current bar's close: cash + close * position - sum(size * entry), as backtesting.py.
  double Equity() const {
    return cash_ + (bars_.close[bar_] * position_size_ - position_size_times_entry_);
  }
  size_t open_trade_count() const { return trades_.size(); }
  size_t pending_order_count() const { return orders_.size(); }

  // --- Loop-facing API ---
  // Processes pending orders against bar i, records equity[i]; returns false when equity
  // fell to <= 0 (every trade closed at the close, the run must stop).
  bool ProcessBar(size_t i) {
    bar_ = i;
    if (!orders_.empty()) ProcessOrders();
    const double equity = Equity();
    equity_[i] = equity;
    return equity > 0 || StopOutOfMoney(i);
  }
  // Bars i in [from, to) with no order pending: records equity[i] for each as ProcessBar(i)
  // would, and returns `to` — or the first bar whose equity is <= 0, unrecorded, which the
  // caller must hand to ProcessBar. REQUIRES: !has_pending_orders().
  size_t MarkQuietBars(size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const double equity = cash_ + (bars_.close[i] * position_size_ - position_size_times_entry_);
      if (!(equity > 0)) return i;
      equity_[i] = equity;
      bar_ = i;
    }
    return to;
  }
  bool has_pending_orders() const { return !orders_.empty(); }
  // Bars in [from, to) no loop step will record: NaN in the curve (the caller back-fills).
  void MarkNotRecorded(size_t from, size_t to);
  // finalize_trades: close every open trade and process the queue once more on the last bar.
  void FinalizeTrades(size_t last_bar);

  // The equity curve: NaN where MarkNotRecorded marked it (the caller back-fills).
  Column<double>& equity_curve() { return equity_; }
  const std::vector<TradeRecord>& closed_trades() const { return closed_; }
  // Moves the closed trades out (the broker's list is left empty); for the end of a run.
  std::vector<TradeRecord> TakeClosedTrades() { return std::move(closed_); }
  // Open trades as records, with pnl and return_pct marked at `bar`'s close.
  std::vector<TradeRecord> OpenTradeRecords(size_t bar) const;

 private:
  enum class OrderKind : uint8_t { kEntry, kClose, kStopLoss, kTakeProfit };
  struct Order {
    uint64_t id;
    OrderKind kind;
    double size;
    double limit, stop, sl, tp;
    uint64_t trade_id;  // parent trade for kClose/kStopLoss/kTakeProfit, else 0
    uint32_t tag;       // index into tags_, 0 = none
    bool is_long() const { return size > 0; }
    bool is_contingent() const {
      return kind == OrderKind::kStopLoss || kind == OrderKind::kTakeProfit;
    }
  };
  struct OpenTrade {
    uint64_t id;
    double size;
    double entry_price;
    size_t entry_bar;
    TimeNs entry_time;  // bars_.time[entry_bar], read once at the fill (its row is cached then)
    uint64_t sl_order = 0, tp_order = 0;  // ids of pending bracket orders, 0 = none
    double sl = kNoPrice, tp = kNoPrice;  // bracket levels, kept for the trade record
    uint32_t tag = 0;
  };

  double Commission(double size, double price) const {
    return config_.commission_fixed + std::fabs(size) * price * config_.commission_relative;
  }
  double AdjustedPrice(double size, double price) const {
    return price * (1 + std::copysign(config_.spread, size));
  }
  double MarginAvailable() const;

  void ProcessOrders();
  // Equity fell to <= 0 at bar i: closes every trade, zeroes the rest; returns false.
  bool StopOutOfMoney(size_t i);
  // A cleared id buffer reused across bars: depth 0 for the order queue, 1 for open trades.
  std::vector<uint64_t>& Snapshot(size_t depth);
  // Fills one order against the current bar; returns true when the queue must be processed
  // again on this bar (a market entry with SL/TP).
  bool ProcessOrder(uint64_t order_id);
  bool FillEntry(Order order, double price, size_t time_index, double stop_price);
  void ReduceTrade(size_t trade_index, double price, double size, size_t time_index);
  void CloseTradeAt(size_t trade_index, double price, size_t time_index);
  void OpenTradeAt(double price, double size, double sl, double tp, size_t time_index,
                   uint32_t tag);
  uint32_t InternTag(const std::string& tag);
  uint64_t AddBracketOrder(const OpenTrade& trade, OrderKind kind, double level);
  void QueueClose(const OpenTrade& trade, double portion);

  Order* FindOrder(uint64_t id);
  void RemoveOrder(uint64_t id);
  long FindTrade(uint64_t id) const;
  void RecomputePositionCache();

  const BrokerConfig config_;
  const BarSeries& bars_;
  const double leverage_;
  size_t bar_ = 0;  // the current bar
  double cash_;
  std::vector<Order> orders_;      // queue order = processing order
  std::vector<OpenTrade> trades_;  // in opening order
  std::vector<TradeRecord> closed_;
  Column<double> equity_;
  uint64_t next_id_ = 1;
  std::vector<std::string> tags_{""};           // order tags, interned so orders stay plain data
  std::vector<std::vector<uint64_t>> scratch_;  // Snapshot() buffers: 0 orders, 1 trades
  // Caches of sums over trades_, in trades_ order (as backtesting.py sums them).
  double position_size_ = 0;
  double position_size_times_entry_ = 0;
};

}  // namespace btr
