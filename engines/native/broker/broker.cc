#include "engines/native/broker/broker.h"

#include <algorithm>
#include <limits>

#include "engines/spec_bounds.h"

namespace btr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A price argument is "given" the way Python's `x or default` sees it: not NaN and not 0.
bool Given(double v) { return !std::isnan(v) && v != 0; }
double Or(double v, double fallback) { return Given(v) ? v : fallback; }

// Python's float floor division `a // b` (CPython float_divmod), which differs from
// floor(a / b) when the quotient rounds up to an integer.
double PyFloorDiv(double a, double b) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return std::copysign(0.0, a / b);
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

}  // namespace

Status BrokerConfig::Validate() const {
  BTR_RETURN_IF_ERROR(CheckSetting("cash", cash));
  BTR_RETURN_IF_ERROR(CheckSetting("commission", commission_relative));
  BTR_RETURN_IF_ERROR(CheckSetting("commission_fixed", commission_fixed));
  BTR_RETURN_IF_ERROR(CheckSetting("spread", spread));
  return CheckSetting("margin", margin);
}

Broker::Broker(const BrokerConfig& config, const BarSeries& bars, Column<double> equity_storage)
    : config_(config),
      bars_(bars),
      leverage_(1 / config.margin),
      cash_(config.cash),
      equity_(std::move(equity_storage)),
      scratch_(2) {
  equity_.resize(bars.size());  // Column: no fill, values unspecified until recorded
}

void Broker::MarkNotRecorded(size_t from, size_t to) {
  to = std::min(to, equity_.size());
  if (from < to) {
    std::fill(equity_.begin() + static_cast<long>(from), equity_.begin() + static_cast<long>(to),
              std::numeric_limits<double>::quiet_NaN());
  }
}

double Broker::MarginAvailable() const {
  const double price = bars_.close[bar_];
  double used = 0;
  for (const OpenTrade& t : trades_) used += std::fabs(t.size) * price / leverage_;
  return std::max(0.0, Equity() - used);
}

void Broker::RecomputePositionCache() {
  position_size_ = 0;
  position_size_times_entry_ = 0;
  for (const OpenTrade& t : trades_) {
    position_size_ += std::trunc(t.size);
    position_size_times_entry_ += t.size * t.entry_price;
  }
}

Broker::Order* Broker::FindOrder(uint64_t id) {
  for (Order& o : orders_) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

void Broker::RemoveOrder(uint64_t id) {
  auto it =
      std::find_if(orders_.begin(), orders_.end(), [id](const Order& o) { return o.id == id; });
  if (it != orders_.end()) orders_.erase(it);
}

long Broker::FindTrade(uint64_t id) const {
  for (size_t k = 0; k < trades_.size(); ++k) {
    if (trades_[k].id == id) return static_cast<long>(k);
  }
  return -1;
}

Status Broker::NewOrder(bool is_buy, const OrderRequest& r) {
  if (!(r.size > 0 && r.size < 1) && !(r.size >= 1 && std::round(r.size) == r.size)) {
    return Status::InvalidArgument(
        "order size: expected a fraction of equity in (0, 1) or a whole number of units >= 1, "
        "got " +
        std::to_string(r.size));
  }
  const double size = is_buy ? r.size : -r.size;
  const double reference = Or(r.limit, Or(r.stop, AdjustedPrice(size, bars_.close[bar_])));
  const bool ordered = is_buy ? (Or(r.sl, -kInf) < reference && reference < Or(r.tp, kInf))
                              : (Or(r.tp, -kInf) < reference && reference < Or(r.sl, kInf));
  if (!ordered) {
    return Status::InvalidArgument(
        is_buy
            ? "long orders require sl < limit/stop/price < tp (bar " + std::to_string(bar_) + ")"
            : "short orders require tp < limit/stop/price < sl (bar " + std::to_string(bar_) + ")");
  }
  if (config_.exclusive_orders) {
    // Cancels pending non-contingent orders, stepping as a Python list iterator does while
    // the list shrinks under it (an order right after a cancelled one is skipped).
    for (size_t k = 0; k < orders_.size(); ++k) {
      if (!orders_[k].is_contingent()) orders_.erase(orders_.begin() + static_cast<long>(k));
    }
    for (const OpenTrade& t : trades_) QueueClose(t, 1.0);
  }
  orders_.push_back(Order{next_id_++, OrderKind::kEntry, size, Or(r.limit, kNoPrice),
                          Or(r.stop, kNoPrice), Or(r.sl, kNoPrice), Or(r.tp, kNoPrice), 0,
                          r.tag.empty() ? 0 : InternTag(r.tag)});
  return Status::Ok();
}

void Broker::QueueClose(const OpenTrade& trade, double portion) {
  const double units = std::max(1.0, std::nearbyint(std::fabs(trade.size) * portion));
  orders_.insert(orders_.begin(),
                 Order{next_id_++, OrderKind::kClose, std::copysign(units, -trade.size), kNoPrice,
                       kNoPrice, kNoPrice, kNoPrice, trade.id, trade.tag});
}

void Broker::ClosePosition(double portion) {
  for (const OpenTrade& t : trades_) QueueClose(t, portion);
}

void Broker::CloseTrade(size_t index, double portion) {
  if (index < trades_.size()) QueueClose(trades_[index], portion);
}

uint64_t Broker::AddBracketOrder(const OpenTrade& trade, OrderKind kind, double level) {
  const bool is_sl = kind == OrderKind::kStopLoss;
  Order o{next_id_++,
          kind,
          -trade.size,
          is_sl ? kNoPrice : level,
          is_sl ? level : kNoPrice,
          kNoPrice,
          kNoPrice,
          trade.id,
          trade.tag};
  // Stop-loss orders go to the front of the queue, take-profit orders to the back.
  if (is_sl) {
    orders_.insert(orders_.begin(), std::move(o));
  } else {
    orders_.push_back(std::move(o));
  }
  return next_id_ - 1;
}

uint32_t Broker::InternTag(const std::string& tag) {
  for (size_t k = 1; k < tags_.size(); ++k) {
    if (tags_[k] == tag) return static_cast<uint32_t>(k);
  }
  tags_.push_back(tag);
  return static_cast<uint32_t>(tags_.size() - 1);
}

std::vector<uint64_t>& Broker::Snapshot(size_t depth) {
  scratch_[depth].clear();
  return scratch_[depth];
}

bool Broker::StopOutOfMoney(size_t i) {
  // Out of money: close every trade at the close (iterating as Python does over a list that
  // shrinks under it), zero the cash and the rest of the curve.
  for (size_t k = 0; k < trades_.size(); ++k) CloseTradeAt(k, bars_.close[i], i);
  cash_ = 0;
  std::fill(equity_.begin() + static_cast<long>(i), equity_.end(), 0.0);
  return false;
}

void Broker::FinalizeTrades(size_t last_bar) {
  for (size_t k = trades_.size(); k-- > 0;) QueueClose(trades_[k], 1.0);
  ProcessBar(last_bar);
}

void Broker::ProcessOrders() {
  // Works on a snapshot of the queue: orders removed during the pass are skipped, orders added
  // wait for the next pass. Depth 0 for the queue; FillEntry uses depth 1 for trades.
  std::vector<uint64_t>& snapshot = Snapshot(0);
  for (const Order& o : orders_) snapshot.push_back(o.id);
  bool reprocess = false;
  for (size_t k = 0; k < snapshot.size(); ++k) reprocess |= ProcessOrder(snapshot[k]);
  if (reprocess) ProcessOrders();
}

bool Broker::ProcessOrder(uint64_t order_id) {
  Order* order = FindOrder(order_id);
  if (order == nullptr) return false;  // removed earlier in this pass
  const double open = bars_.open[bar_];
  const bool is_long = order->is_long();

  const double stop_price = order->stop;
  // High and low only for stop and limit orders: a market order's fill reads the open alone.
  const bool conditional = !std::isnan(stop_price) || !std::isnan(order->limit);
  const double high = conditional ? bars_.high[bar_] : open;
  const double low = conditional ? bars_.low[bar_] : open;
  if (!std::isnan(stop_price)) {
    const bool hit = is_long ? high >= stop_price : low <= stop_price;
    if (!hit) return false;
    order->stop = kNoPrice;  // a triggered stop becomes a market or limit order
  }

  double price;
  if (!std::isnan(order->limit)) {
    const double limit = order->limit;
    const bool hit = is_long ? low <= limit : high >= limit;
    // Stop and limit hit in one bar: assume, pessimistically, the limit came first.
    const bool before_stop =
        hit && (is_long ? limit <= Or(stop_price, -kInf) : limit >= Or(stop_price, kInf));
    if (!hit || before_stop) return false;
    price = is_long ? std::min(Or(stop_price, open), limit) : std::max(Or(stop_price, open), limit);
  } else {
    const bool on_close = config_.trade_on_close && !order->is_contingent();
    price = on_close ? bars_.close[bar_ - 1] : open;
    if (!std::isnan(stop_price)) {
      price = is_long ? std::max(price, stop_price) : std::min(price, stop_price);
    }
  }
  const bool is_market = std::isnan(order->limit) && std::isnan(stop_price);
  const size_t time_index =
      is_market && config_.trade_on_close && !order->is_contingent() ? bar_ - 1 : bar_;

  if (order->trade_id == 0) return FillEntry(*order, price, time_index, stop_price);

  // An order tied to a trade (close, SL or TP) reduces or closes it; nothing new opens.
  const OrderKind kind = order->kind;
  const long trade_index = FindTrade(order->trade_id);
  if (trade_index >= 0) {
    const double trade_size = trades_[static_cast<size_t>(trade_index)].size;
    const double size =
        std::copysign(std::min(std::fabs(trade_size), std::fabs(order->size)), order->size);
    ReduceTrade(static_cast<size_t>(trade_index), price, size, time_index);
  }
  if (kind == OrderKind::kClose) RemoveOrder(order_id);  // SL/TP left with their trade
  return false;
}

bool Broker::FillEntry(Order order, double price, size_t time_index, double stop_price) {
  const double adjusted = AdjustedPrice(order.size, price);
  const double per_unit = adjusted + Commission(order.size, price) / std::fabs(order.size);
  double need = order.size;
  if (need > -1 && need < 1) {
    // A fraction of available margin, converted to whole units at the fill.
    const double units =
        PyFloorDiv(MarginAvailable() * leverage_ * std::fabs(order.size), per_unit);
    need = std::copysign(std::trunc(units), order.size);
    if (need == 0) {  // not enough margin for one unit: the broker cancels the order
      RemoveOrder(order.id);
      return false;
    }
  }

  if (!config_.hedging) {
    // Net against opposite trades, oldest first, at the unadjusted price.
    std::vector<uint64_t>& snapshot = Snapshot(1);
    for (const OpenTrade& t : trades_) snapshot.push_back(t.id);
    for (uint64_t id : snapshot) {
      const long k = FindTrade(id);
      if (k < 0) continue;
      const double trade_size = trades_[static_cast<size_t>(k)].size;
      if ((trade_size > 0) == order.is_long()) continue;
      if (std::fabs(need) >= std::fabs(trade_size)) {
        CloseTradeAt(static_cast<size_t>(k), price, time_index);
        need += trade_size;
      } else {
        ReduceTrade(static_cast<size_t>(k), price, need, time_index);
        need = 0;
      }
      if (need == 0) break;
    }
  }

  if (std::fabs(need) * per_unit > MarginAvailable() * leverage_) {
    RemoveOrder(order.id);  // insufficient margin: the broker cancels the order
    return false;
  }
  bool reprocess = false;
  if (need != 0) {
    OpenTradeAt(adjusted, need, order.sl, order.tp, time_index, order.tag);
    if (Given(order.sl) || Given(order.tp)) {
      const double high = bars_.high[bar_], low = bars_.low[bar_];
      if (std::isnan(order.limit) && std::isnan(stop_price)) {
        reprocess = true;  // a market entry's SL/TP may fill on the entry bar
      } else if (!std::isnan(stop_price) && std::isnan(order.limit) && Given(order.tp)) {
        // Stop entry and TP hit in the same bar while the SL was not: unambiguous.
        reprocess = order.is_long() ? order.tp <= high && Or(order.sl, -kInf) < low
                                    : order.tp >= low && Or(order.sl, kInf) > high;
      }
    }
  }
  RemoveOrder(order.id);
  return reprocess;
}

void Broker::ReduceTrade(size_t trade_index, double price, double size, size_t time_index) {
  OpenTrade& trade = trades_[trade_index];
  const double size_left = trade.size + size;
  if (size_left == 0) {
    CloseTradeAt(trade_index, price, time_index);
    return;
  }
  trade.size = size_left;
  for (uint64_t id : {trade.sl_order, trade.tp_order}) {
    if (Order* o = id != 0 ? FindOrder(id) : nullptr) o->size = -size_left;
  }
  // The closed part becomes its own trade, entered with the original, without brackets.
  OpenTrade part = trade;
  part.id = next_id_++;
  part.size = -size;
  part.sl_order = part.tp_order = 0;
  part.sl = part.tp = kNoPrice;
  trades_.push_back(std::move(part));
  RecomputePositionCache();
  CloseTradeAt(trades_.size() - 1, price, time_index);
}

void Broker::CloseTradeAt(size_t trade_index, double price, size_t time_index) {
  const OpenTrade trade = std::move(trades_[trade_index]);
  trades_.erase(trades_.begin() + static_cast<long>(trade_index));
  if (trade.sl_order != 0) RemoveOrder(trade.sl_order);
  if (trade.tp_order != 0) RemoveOrder(trade.tp_order);
  RecomputePositionCache();

  const double exit_commission = Commission(trade.size, price);
  cash_ += trade.size * (price - trade.entry_price) - exit_commission;

  TradeRecord r;
  r.size = trade.size;
  r.entry_bar = static_cast<long>(trade.entry_bar);
  r.exit_bar = static_cast<long>(time_index);
  r.entry_price = trade.entry_price;
  r.exit_price = price;
  r.entry_time = trade.entry_time;
  r.exit_time = bars_.time[time_index];
  // The entry commission is recomputed on the final size (it differs after partial closes).
  r.commission = exit_commission + Commission(trade.size, trade.entry_price);
  r.pnl = trade.size * (price - trade.entry_price) - r.commission;
  r.return_pct = std::copysign(1.0, trade.size) * (price / trade.entry_price - 1) -
                 r.commission / (std::fabs(trade.size) * trade.entry_price);
  r.sl = trade.sl;
  r.tp = trade.tp;
  if (trade.tag != 0) r.tag = tags_[trade.tag];
  closed_.push_back(std::move(r));
}

void Broker::OpenTradeAt(double price, double size, double sl, double tp, size_t time_index,
                         uint32_t tag) {
  trades_.push_back(OpenTrade{next_id_++, size, price, time_index, bars_.time[time_index], 0, 0,
                              kNoPrice, kNoPrice, tag});
  RecomputePositionCache();
  cash_ -= Commission(size, price);
  // TP first (queued at the back), then SL (queued at the front), as backtesting.py does.
  if (Given(tp)) {
    trades_.back().tp = tp;
    trades_.back().tp_order = AddBracketOrder(trades_.back(), OrderKind::kTakeProfit, tp);
  }
  if (Given(sl)) {
    trades_.back().sl = sl;
    trades_.back().sl_order = AddBracketOrder(trades_.back(), OrderKind::kStopLoss, sl);
  }
}

std::vector<TradeRecord> Broker::OpenTradeRecords(size_t bar) const {
  std::vector<TradeRecord> out;
  const double price = bars_.close[bar];
  for (const OpenTrade& t : trades_) {
    TradeRecord r;
    r.size = t.size;
    r.entry_bar = static_cast<long>(t.entry_bar);
    r.entry_price = t.entry_price;
    r.entry_time = t.entry_time;
    r.pnl = t.size * (price - t.entry_price);
    r.return_pct = std::copysign(1.0, t.size) * (price / t.entry_price - 1);
    r.sl = t.sl;
    r.tp = t.tp;
    if (t.tag != 0) r.tag = tags_[t.tag];
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace btr
