#include "services/compare/trade_match.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace btr::compare {
namespace {

using nlohmann::json;

double Num(const json& t, const char* key, double fallback = 0) {
  auto it = t.find(key);
  return it != t.end() && it->is_number() ? it->get<double>() : fallback;
}

long Bar(const json& t, const char* key) {
  auto it = t.find(key);
  return it != t.end() && it->is_number_integer() ? it->get<long>() : -1;
}

TimeNs Time(const json& t, const char* key) {
  auto it = t.find(key);
  if (it == t.end() || !it->is_string()) return 0;
  return ParseIsoTime(it->get<std::string>()).value_or(0);
}

void AddTrades(const json& list, bool open, std::vector<Trade>* out) {
  if (!list.is_array()) return;
  for (const json& t : list) {
    if (!t.is_object() || !t.contains("size") || !t["size"].is_number()) continue;
    Trade trade;
    trade.index = out->size();
    trade.open = open || Bar(t, "exit_bar") < 0;
    trade.size = t["size"].get<double>();
    trade.entry_bar = Bar(t, "entry_bar");
    trade.exit_bar = trade.open ? -1 : Bar(t, "exit_bar");
    trade.entry_price = Num(t, "entry_price");
    trade.exit_price = trade.open ? 0 : Num(t, "exit_price");
    trade.entry_time = Time(t, "entry_time");
    trade.exit_time = trade.open ? 0 : Time(t, "exit_time");
    trade.pnl = Num(t, "pnl", std::numeric_limits<double>::quiet_NaN());
    trade.return_pct = Num(t, "return_pct", std::numeric_limits<double>::quiet_NaN());
    trade.commission = Num(t, "commission");
    out->push_back(trade);
  }
}

bool InRange(long bar, const RunBars& bars) {
  return bar >= 0 && static_cast<size_t>(bar) < bars.size();
}

FillKind Classify(double price, double open, double close, double factor, const Tolerance& tol) {
  const bool at_open = tol.Equal(price, open * factor);
  const bool at_close = tol.Equal(price, close * factor);
  if (at_open && at_close) return FillKind::kEither;
  if (at_open) return FillKind::kOpen;
  if (at_close) return FillKind::kClose;
  return FillKind::kOther;
}

// NaN-aware equality: two undefined values are equal.
bool Same(double a, double b, const Tolerance& tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return tol.Equal(a, b);
}

}  // namespace

std::vector<Trade> ParseTrades(const json& result) {
  std::vector<Trade> out;
  if (!result.is_object()) return out;
  if (result.contains("trades")) AddTrades(result["trades"], false, &out);
  if (result.contains("open_trades")) AddTrades(result["open_trades"], true, &out);
  return out;
}

std::string_view FillKindName(FillKind kind) {
  switch (kind) {
    case FillKind::kOpen:
      return "open";
    case FillKind::kClose:
      return "close";
    case FillKind::kEither:
      return "either";
    case FillKind::kOther:
      return "other";
    case FillKind::kUnknown:
      return "unknown";
  }
  return "unknown";
}

FillKind ClassifyEntry(const Trade& t, const RunBars& bars, double spread, const Tolerance& tol) {
  if (!InRange(t.entry_bar, bars)) return FillKind::kUnknown;
  const auto i = static_cast<size_t>(t.entry_bar);
  return Classify(t.entry_price, bars.open[i], bars.close[i], 1 + t.side() * spread, tol);
}

FillKind ClassifyExit(const Trade& t, const RunBars& bars, const Tolerance& tol) {
  if (t.open || !InRange(t.exit_bar, bars)) return FillKind::kUnknown;
  const auto i = static_cast<size_t>(t.exit_bar);
  return Classify(t.exit_price, bars.open[i], bars.close[i], 1, tol);
}

void FillCounts::Add(FillKind kind) {
  switch (kind) {
    case FillKind::kOpen:
      ++open;
      break;
    case FillKind::kClose:
      ++close;
      break;
    case FillKind::kEither:
      ++either;
      break;
    case FillKind::kOther:
      ++other;
      break;
    case FillKind::kUnknown:
      ++unknown;
      break;
  }
}

json FillCounts::ToJson() const {
  return {
      {"open", open}, {"close", close}, {"either", either}, {"other", other}, {"unknown", unknown}};
}

MatchResult MatchTrades(const std::vector<Trade>& a, const std::vector<Trade>& b,
                        const std::vector<TradePos>& pos_a, const std::vector<TradePos>& pos_b,
                        int window_bars) {
  // Entry order on each side (stable: list order among equal times).
  auto order = [](const std::vector<Trade>& trades) {
    std::vector<size_t> idx(trades.size());
    for (size_t k = 0; k < idx.size(); ++k) idx[k] = k;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) {
      return trades[x].entry_time < trades[y].entry_time;
    });
    return idx;
  };
  const std::vector<size_t> order_a = order(a), order_b = order(b);
  std::vector<long> partner(a.size(), -1);
  std::vector<bool> taken(b.size(), false);

  // Pass 1: same side, same entry time, in order.
  std::map<std::pair<TimeNs, int>, std::vector<size_t>> by_time;
  for (auto it = order_b.rbegin(); it != order_b.rend(); ++it) {
    by_time[{b[*it].entry_time, b[*it].side()}].push_back(*it);  // reversed: pop_back = first
  }
  for (size_t i : order_a) {
    auto it = by_time.find({a[i].entry_time, a[i].side()});
    if (it == by_time.end() || it->second.empty()) continue;
    const size_t j = it->second.back();
    it->second.pop_back();
    partner[i] = static_cast<long>(j);
    taken[j] = true;
  }
  // Pass 2: same side, nearest entry position within the window.
  if (window_bars > 0) {
    // b's trades by entry position (then entry order), to scan only the window.
    std::vector<std::pair<long, size_t>> by_pos;
    for (size_t j : order_b) {
      if (!taken[j] && pos_b[j].entry >= 0) by_pos.emplace_back(pos_b[j].entry, j);
    }
    std::stable_sort(by_pos.begin(), by_pos.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t i : order_a) {
      if (partner[i] >= 0 || pos_a[i].entry < 0) continue;
      long best = -1, best_dist = std::numeric_limits<long>::max();
      auto it = std::lower_bound(
          by_pos.begin(), by_pos.end(), pos_a[i].entry - window_bars,
          [](const std::pair<long, size_t>& x, long value) { return x.first < value; });
      for (; it != by_pos.end() && it->first <= pos_a[i].entry + window_bars; ++it) {
        const size_t j = it->second;
        if (taken[j] || b[j].side() != a[i].side()) continue;
        const long dist = std::labs(it->first - pos_a[i].entry);
        if (dist < best_dist) {
          best = static_cast<long>(j);
          best_dist = dist;
        }
      }
      if (best >= 0) {
        partner[i] = best;
        taken[static_cast<size_t>(best)] = true;
      }
    }
  }
  MatchResult out;
  for (size_t i : order_a) {
    if (partner[i] >= 0) {
      out.pairs.push_back({i, static_cast<size_t>(partner[i])});
    } else {
      out.unmatched_a.push_back(i);
    }
  }
  for (size_t j : order_b) {
    if (!taken[j]) out.unmatched_b.push_back(j);
  }
  return out;
}

PairDiff DiffPair(const Trade& a, const Trade& b, const TradePos& pa, const TradePos& pb,
                  const Tolerance& tol) {
  PairDiff d;
  d.entry_bar_delta = pb.entry - pa.entry;
  d.entry_bar = d.entry_bar_delta != 0;
  d.entry_stamp = !d.entry_bar && a.entry_time != b.entry_time;
  if (d.entry_stamp) d.entry_stamp_delta = b.entry_time - a.entry_time;
  d.entry_price_delta = b.entry_price - a.entry_price;
  d.entry_price = !tol.Equal(a.entry_price, b.entry_price);
  d.size_delta = b.size - a.size;
  d.size = !tol.Equal(a.size, b.size);
  d.open_state = a.open != b.open;
  if (!a.open && !b.open) {
    d.exit_bar_delta = pb.exit - pa.exit;
    d.exit_bar = d.exit_bar_delta != 0;
    d.exit_stamp = !d.exit_bar && a.exit_time != b.exit_time;
    if (d.exit_stamp) d.exit_stamp_delta = b.exit_time - a.exit_time;
    d.exit_price_delta = b.exit_price - a.exit_price;
    d.exit_price = !tol.Equal(a.exit_price, b.exit_price);
  }
  d.pnl_delta = b.pnl - a.pnl;
  d.pnl = !Same(a.pnl, b.pnl, tol);
  d.commission_delta = b.commission - a.commission;
  d.commission = !tol.Equal(a.commission, b.commission);
  d.return_pct_delta = b.return_pct - a.return_pct;
  return d;
}

std::optional<long> PairDivergenceBar(const PairDiff& d, const TradePos& a, const TradePos& b) {
  if (d.entry_bar || d.entry_price || d.size) return std::min(a.entry, b.entry);
  auto first_exit = [&]() -> long {
    if (a.exit < 0) return b.exit;
    if (b.exit < 0) return a.exit;
    return std::min(a.exit, b.exit);
  };
  if (d.exit_bar || d.exit_price || d.open_state || d.pnl || d.commission) {
    const long exit = first_exit();
    return exit >= 0 ? exit : std::min(a.entry, b.entry);
  }
  return std::nullopt;
}

json TradeJson(const Trade& t) {
  auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json j = {{"index", t.index},
            {"open", t.open},
            {"side", t.side() > 0 ? "long" : "short"},
            {"size", t.size},
            {"entry_bar", t.entry_bar},
            {"entry_time", FormatIsoTime(t.entry_time, true)},
            {"entry_price", t.entry_price},
            {"exit_bar", t.open ? json(nullptr) : json(t.exit_bar)},
            {"exit_time", t.open ? json(nullptr) : json(FormatIsoTime(t.exit_time, true))},
            {"exit_price", t.open ? json(nullptr) : json(t.exit_price)},
            {"pnl", number(t.pnl)},
            {"return_pct", number(t.return_pct)},
            {"commission", t.commission}};
  return j;
}

}  // namespace btr::compare
