// Reading a LEAN result: LeanResultError and ParseLeanResult (lean_result.h).
//
// Facts checked on the real results in shared/fixtures/lean (LEAN v2.5.0.0):
//  - closedTrades[].profitLoss is GROSS of fees: it equals (exitPrice - entryPrice) * quantity
//    (sign by direction) rounded to cents on all 176 closed trades of sma-crossover and
//    rsi-minutely, and profitLoss - totalFees equals the result's "profitLoss" dict entry (the
//    realized P&L booked at the exit time) on every trade. Summed, profitLoss - totalFees gives
//    the net profit: rsi-minutely (all trades closed) 1895.19 - 63.82 = 1831.37 = End Equity -
//    Start Equity. So btrouter's pnl = profitLoss - totalFees, and totalFees holds the entry and
//    the exit order's fees (2 x $1.24 for 248 shares under LEAN's default IB fee model).
//  - Trade and order times are UTC ("2023-01-03T15:43:00Z" = 10:43 New York); chart points
//    are Unix seconds; "Strategy Equity" candles are stamped with the END of their sampling
//    period (the candle at 09:43 aggregates the samples after 09:31 up to 09:43, its close is
//    the equity at 09:43), plus one candle at every New York midnight.
#include "adapters/lean/lean_result.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "adapters/lean/lean_internal.h"
#include "engines/core/utf8.h"

namespace btr::lean {
namespace {

using internal::Member;
using internal::PathPart;
using nlohmann::json;

Status Shape(const std::string& path, const std::string& what) {
  return Status::Internal("LEAN result: " + path + ": " + what);
}

// A short excerpt of a JSON value for messages.
std::string Excerpt(const json& value) {
  return Utf8Excerpt(value.dump(-1, ' ', false, json::error_handler_t::replace), 60);
}

std::string StringMember(const json& object, std::string_view key) {
  const json* v = Member(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::string FirstLine(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  text.remove_prefix(start);
  text = text.substr(0, text.find_first_of("\r\n"));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

struct Candle {
  TimeNs time = 0;  // New York
  double open = 0;
  double close = 0;
};

std::optional<double> Number(const json* v) {
  if (v == nullptr) return std::nullopt;
  return ParseLeanNumber(*v);
}

// Unix seconds (number or numeric string) → New York time.
std::optional<TimeNs> UnixSecondsToNewYork(const json* v) {
  const std::optional<double> seconds = Number(v);
  if (!seconds || std::fabs(*seconds) > 9.2e9) return std::nullopt;
  return UtcToNewYork(static_cast<TimeNs>(std::llround(*seconds * 1e9)));
}

// One chart point: [t, o, h, l, c], [t, v], {"x": t, "y": v} (or "open"/"close" members).
// Sets `*out` to nullopt for a point without a value (LEAN writes null for a missing one).
Status ReadPoint(const json& point, const std::string& where, std::optional<Candle>* out) {
  *out = std::nullopt;
  const json* t = nullptr;
  const json* open = nullptr;
  const json* close = nullptr;
  if (point.is_array()) {
    if (point.size() != 2 && point.size() != 5) {
      return Shape(where,
                   "expected [t, value] or [t, open, high, low, close], got " + Excerpt(point));
    }
    t = &point[0];
    open = &point[1];
    close = &point[point.size() - 1];
  } else if (point.is_object()) {
    t = Member(point, "x", "X");
    if (t == nullptr) t = Member(point, "time", "Time");
    close = Member(point, "y", "Y");
    open = close;
    if (close == nullptr) {
      close = Member(point, "close", "Close");
      open = Member(point, "open", "Open");
    }
  } else {
    return Shape(where, "expected an array or an object, got " + Excerpt(point));
  }
  const std::optional<TimeNs> time = UnixSecondsToNewYork(t);
  if (!time) return Shape(where, "expected a time in Unix seconds, got " + Excerpt(point));
  if (close == nullptr || close->is_null()) return Status::Ok();
  const std::optional<double> c = ParseLeanNumber(*close);
  if (!c) return Shape(where, "expected a number, got " + Excerpt(*close));
  std::optional<double> o = open != nullptr ? ParseLeanNumber(*open) : std::nullopt;
  *out = Candle{*time, o.value_or(*c), *c};
  return Status::Ok();
}

Result<std::vector<Candle>> ReadEquityCandles(const json& result) {
  std::string path = "charts";
  const json* node = Member(result, "charts", "Charts");
  // Current results use camelCase members; older ones PascalCase.
  static constexpr std::string_view kPath[][2] = {
      {"Strategy Equity", ""}, {"series", "Series"}, {"Equity", ""}, {"values", "Values"}};
  for (const auto& [key, legacy] : kPath) {
    if (node == nullptr || !node->is_object()) return Shape(path, "missing or not an object");
    node = Member(*node, key, legacy);
    path += "." + PathPart(key);
  }
  if (node == nullptr || !node->is_array()) return Shape(path, "missing or not an array");
  std::vector<Candle> candles;
  candles.reserve(node->size());
  for (size_t i = 0; i < node->size(); ++i) {
    std::optional<Candle> candle;
    BTR_RETURN_IF_ERROR(ReadPoint((*node)[i], path + "[" + std::to_string(i) + "]", &candle));
    if (candle) candles.push_back(*candle);
  }
  if (candles.empty()) return Shape(path, "no equity points");
  std::stable_sort(candles.begin(), candles.end(),
                   [](const Candle& a, const Candle& b) { return a.time < b.time; });
  return candles;
}

// The median spacing of the bars (0 for fewer than two bars).
TimeNs BarPeriod(const BarSeries& bars) {
  if (bars.size() < 2) return 0;
  std::vector<TimeNs> gaps(bars.size() - 1);
  for (size_t i = 1; i < bars.size(); ++i) gaps[i - 1] = bars.time[i] - bars.time[i - 1];
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
  return gaps[gaps.size() / 2];
}

// The bar whose [time, next time) holds `t` (bar 0 for earlier times).
long BarAt(const BarSeries& bars, TimeNs t) {
  const auto it = std::upper_bound(bars.time.begin(), bars.time.end(), t);
  return it == bars.time.begin() ? 0 : static_cast<long>(it - bars.time.begin()) - 1;
}

Result<TimeNs> TradeTime(const json& trade, std::string_view key, const std::string& where) {
  const json* v = Member(trade, key);
  if (v != nullptr && v->is_string()) {
    const std::optional<TimeNs> utc = ParseIsoTime(v->get_ref<const std::string&>());
    if (utc) return UtcToNewYork(*utc);
  } else if (const std::optional<TimeNs> t = UnixSecondsToNewYork(v)) {
    return *t;
  }
  return Shape(where + "." + std::string(key),
               "expected an ISO-8601 UTC time, got " + (v ? Excerpt(*v) : "nothing"));
}

Result<double> TradeNumber(const json& trade, std::string_view key, const std::string& where) {
  const json* v = Member(trade, key);
  const std::optional<double> n = Number(v);
  if (!n) {
    return Shape(where + "." + std::string(key),
                 "expected a number, got " + (v ? Excerpt(*v) : "nothing"));
  }
  return *n;
}

Result<TradeRecord> ReadTrade(const json& trade, const std::string& where, const BarSeries& bars) {
  if (!trade.is_object()) return Shape(where, "expected an object, got " + Excerpt(trade));
  Result<TimeNs> entry_time = TradeTime(trade, "entryTime", where);
  if (!entry_time.ok()) return entry_time.status();
  Result<TimeNs> exit_time = TradeTime(trade, "exitTime", where);
  if (!exit_time.ok()) return exit_time.status();
  double values[5] = {0, 0, 0, 0, 0};
  const char* const keys[5] = {"entryPrice", "exitPrice", "quantity", "profitLoss", "totalFees"};
  for (int k = 0; k < 5; ++k) {
    Result<double> v = TradeNumber(trade, keys[k], where);
    if (!v.ok()) return v.status();
    values[k] = *v;
  }
  // direction: 0 = Long, 1 = Short (TradeDirection enum); also accept the names.
  const json* direction = Member(trade, "direction");
  bool is_short = false;
  if (direction != nullptr && direction->is_number_integer() &&
      (direction->get<int>() == 0 || direction->get<int>() == 1)) {
    is_short = direction->get<int>() == 1;
  } else if (direction != nullptr && direction->is_string() &&
             (*direction == "Long" || *direction == "Short")) {
    is_short = *direction == "Short";
  } else {
    return Shape(where + ".direction", "expected 0 (long) or 1 (short), got " +
                                           (direction ? Excerpt(*direction) : "nothing"));
  }
  TradeRecord t;
  t.size = is_short ? -std::fabs(values[2]) : std::fabs(values[2]);
  t.entry_price = values[0];
  t.exit_price = values[1];
  t.entry_time = *entry_time;
  t.exit_time = *exit_time;
  t.entry_bar = BarAt(bars, t.entry_time);
  t.exit_bar = BarAt(bars, t.exit_time);
  t.commission = values[4];
  t.pnl = values[3] - values[4];  // profitLoss is gross (see the top of this file)
  const double invested = std::fabs(t.size) * t.entry_price;
  t.return_pct = invested != 0 ? t.pnl / invested : 0.0;
  return t;
}

// One filled order: its symbol, New York time, signed quantity, fill price.
struct Fill {
  std::string symbol;
  TimeNs time = 0;
  long id = 0;
  double quantity = 0;
  double price = 0;
};

// An order's symbol: symbol.value (else .id), or the member itself when it is a string.
std::string OrderSymbol(const json& order) {
  const json* symbol = Member(order, "symbol", "Symbol");
  if (symbol == nullptr) return "";
  if (symbol->is_string()) return symbol->get<std::string>();
  for (const char* key : {"value", "id"}) {
    const json* text = Member(*symbol, key);
    if (text != nullptr && text->is_string()) return text->get<std::string>();
  }
  return "";
}

// The filled orders of `orders` (an object by id, or an array), in time then id order. Entries
// that are not filled (status 3 / "Filled") or do not parse are skipped: orders only complete
// the picture the closed trades give.
std::vector<Fill> FilledOrders(const json* orders) {
  std::vector<Fill> fills;
  if (orders == nullptr || !(orders->is_object() || orders->is_array())) return fills;
  for (const json& order : *orders) {
    if (!order.is_object()) continue;
    const json* status = Member(order, "status", "Status");
    const bool filled = status != nullptr && ((status->is_number_integer() && *status == 3) ||
                                              (status->is_string() && *status == "Filled"));
    const std::optional<double> quantity = Number(Member(order, "quantity", "Quantity"));
    const std::optional<double> price = Number(Member(order, "price", "Price"));
    const json* when = Member(order, "lastFillTime", "LastFillTime");
    if (when == nullptr || when->is_null()) when = Member(order, "time", "Time");
    const std::optional<TimeNs> utc = when != nullptr && when->is_string()
                                          ? ParseIsoTime(when->get_ref<const std::string&>())
                                          : std::nullopt;
    if (!filled || !quantity || !price || !utc || *quantity == 0 ||
        !std::isfinite(*quantity * *price)) {
      continue;
    }
    const std::optional<double> id = Number(Member(order, "id", "Id"));
    const bool id_fits = id && std::fabs(*id) < 0x1p53;
    fills.push_back({OrderSymbol(order), UtcToNewYork(*utc), id_fits ? static_cast<long>(*id) : 0,
                     *quantity, *price});
  }
  std::stable_sort(fills.begin(), fills.end(), [](const Fill& a, const Fill& b) {
    return a.time != b.time ? a.time < b.time : a.id < b.id;
  });
  return fills;
}

// The positions the fills leave open at the end, one trade per symbol (in the order the
// symbols first traded): entered at the fill that opened it from flat (or flipped it), at the
// average price of the fills that grew it since; marked at the last bar's close (the bars are
// the only prices there are, so another symbol's mark is only a stand-in).
std::vector<TradeRecord> OpenPositions(const std::vector<Fill>& fills, const BarSeries& bars) {
  struct Position {
    std::string symbol;
    double size = 0, cost = 0;  // cost: sum of quantity * price of the growing fills
    TimeNs opened = 0;
  };
  constexpr double kFlat = 1e-9;
  std::vector<Position> positions;
  for (const Fill& f : fills) {
    auto it = std::find_if(positions.begin(), positions.end(),
                           [&](const Position& p) { return p.symbol == f.symbol; });
    if (it == positions.end()) it = positions.insert(positions.end(), Position{f.symbol});
    Position& p = *it;
    const double after = p.size + f.quantity;
    if (std::fabs(p.size) < kFlat || (p.size > 0) != (after > 0) || std::fabs(after) < kFlat) {
      p.size = std::fabs(after) < kFlat ? 0 : after;  // flat, or opened or flipped here
      p.cost = p.size * f.price;
      p.opened = f.time;
    } else if (std::fabs(after) > std::fabs(p.size)) {
      p.cost += f.quantity * f.price;
      p.size = after;
    } else {
      p.cost *= after / p.size;  // a reduction keeps the average price
      p.size = after;
    }
  }
  std::vector<TradeRecord> open;
  if (bars.size() == 0) return open;
  for (const Position& p : positions) {
    if (p.size == 0) continue;
    TradeRecord t;
    t.size = p.size;
    t.entry_price = p.cost / p.size;
    t.entry_time = p.opened;
    t.entry_bar = BarAt(bars, p.opened);
    t.pnl = (bars.close[bars.size() - 1] - t.entry_price) * p.size;
    const double invested = std::fabs(p.size) * t.entry_price;
    t.return_pct = invested != 0 ? t.pnl / invested : 0.0;
    open.push_back(t);
  }
  return open;
}

// An optional object member: null or absent → empty object; `[]` (the cloud's value while a
// backtest runs) → empty object; anything else but an object → Internal.
Result<json> OptionalObject(const json* node, const std::string& path) {
  if (node == nullptr || node->is_null() || (node->is_array() && node->empty())) {
    return json::object();
  }
  if (!node->is_object()) return Shape(path, "expected an object, got " + Excerpt(*node));
  return *node;
}

}  // namespace

Status LeanResultError(const nlohmann::json& result) {
  const json* state = Member(result, "state", "State");
  if (state == nullptr || !state->is_object()) return Status::Ok();
  const std::string status = StringMember(*state, "Status");
  const std::string error = StringMember(*state, "RuntimeError");
  const std::string at = FirstLine(StringMember(*state, "StackTrace"));
  const bool failed_status = !status.empty() && status != "Completed";
  if (!failed_status && FirstLine(error).empty()) return Status::Ok();
  std::string message = "LEAN run ended with status '" + (status.empty() ? "?" : status) + "'";
  std::string text = error;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (!text.empty()) message += ": " + text;
  if (!at.empty() && text.find(at) == std::string::npos) message += " (" + at + ")";
  return Status::Internal(message);
}

Result<EngineRun> ParseLeanResult(const nlohmann::json& result, const BarSeries& bars) {
  if (!result.is_object()) return Shape("(top level)", "expected an object");
  Result<std::vector<Candle>> candles = ReadEquityCandles(result);
  if (!candles.ok()) return candles.status();

  EngineRun run;
  run.equity.resize(bars.size());
  const TimeNs period = BarPeriod(bars);
  size_t next = 0;  // candles before `next` are at or before the current bar's end
  for (size_t i = 0; i < bars.size(); ++i) {
    const TimeNs bar_end = bars.time[i] + period;
    while (next < candles->size() && (*candles)[next].time <= bar_end) ++next;
    run.equity[i] = next == 0 ? candles->front().open : (*candles)[next - 1].close;
  }

  const json* perf = Member(result, "totalPerformance", "TotalPerformance");
  Result<json> performance = OptionalObject(perf, "totalPerformance");
  if (!performance.ok()) return performance.status();
  if (const json* closed = Member(*performance, "closedTrades", "ClosedTrades");
      closed != nullptr && !closed->is_null()) {
    if (!closed->is_array()) {
      return Shape("totalPerformance.closedTrades", "expected an array, got " + Excerpt(*closed));
    }
    run.trades.reserve(closed->size());
    for (size_t i = 0; i < closed->size(); ++i) {
      Result<TradeRecord> trade =
          ReadTrade((*closed)[i], "totalPerformance.closedTrades[" + std::to_string(i) + "]", bars);
      if (!trade.ok()) return trade.status();
      run.trades.push_back(std::move(trade).value());
    }
  }

  run.open_trades = OpenPositions(FilledOrders(Member(result, "orders", "Orders")), bars);

  Result<json> statistics =
      OptionalObject(Member(result, "statistics", "Statistics"), "statistics");
  if (!statistics.ok()) return statistics.status();
  Result<json> portfolio =
      OptionalObject(Member(*performance, "portfolioStatistics", "PortfolioStatistics"),
                     "totalPerformance.portfolioStatistics");
  if (!portfolio.ok()) return portfolio.status();
  Result<json> trade_stats =
      OptionalObject(Member(*performance, "tradeStatistics", "TradeStatistics"),
                     "totalPerformance.tradeStatistics");
  if (!trade_stats.ok()) return trade_stats.status();
  json raw = json::object();
  raw["statistics"] = std::move(statistics).value();
  raw["portfolioStatistics"] = std::move(portfolio).value();
  raw["tradeStatistics"] = std::move(trade_stats).value();
  run.native.raw_json = raw.dump(-1, ' ', false, json::error_handler_t::replace);
  run.native.metrics = MapLeanStatistics(result);
  run.native.conventions = LeanConventions();
  return run;
}

}  // namespace btr::lean
