// Trade matching of a comparison: the trades of two runs paired by side and entry time, the
// per-field differences of each pair, and how each fill price relates to its bar (the fill
// timing the engines use). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "services/compare/compare_types.h"

namespace btr::compare {

// One trade of a result document: the closed trades in closing order, then the open ones.
struct Trade {
  size_t index = 0;  // position in that list
  bool open = false;
  double size = 0;  // signed units
  long entry_bar = -1, exit_bar = -1;
  double entry_price = 0, exit_price = 0;
  TimeNs entry_time = 0, exit_time = 0;
  double pnl = 0, return_pct = 0, commission = 0;

  int side() const { return size > 0 ? 1 : -1; }
};

// The trades of `result` ("trades" then "open_trades"); malformed entries are skipped.
std::vector<Trade> ParseTrades(const nlohmann::json& result);

// How a fill price relates to the bar it is recorded on: the bar's open, its close, either
// (open == close), another price (stop, limit, SL/TP) or unknown (no such bar).
enum class FillKind { kOpen, kClose, kEither, kOther, kUnknown };
std::string_view FillKindName(FillKind kind);  // "open", "close", "either", "other", "unknown"

// An entry fill: the price may carry the spread, P·(1 + side·spread) (backtesting.py 0.6.6 §1.4).
FillKind ClassifyEntry(const Trade& t, const RunBars& bars, double spread, const Tolerance& tol);
// An exit fill: the unadjusted price. Open trades are kUnknown.
FillKind ClassifyExit(const Trade& t, const RunBars& bars, const Tolerance& tol);

struct FillCounts {
  size_t open = 0, close = 0, either = 0, other = 0, unknown = 0;
  void Add(FillKind kind);
  size_t total() const { return open + close + either + other + unknown; }
  nlohmann::json ToJson() const;
};

// Where a trade lies on the common bar axis of a comparison (exit −1 while open).
struct TradePos {
  long entry = -1, exit = -1;
};

struct TradePair {
  size_t a = 0, b = 0;  // indices into the two trade lists
};

struct MatchResult {
  std::vector<TradePair> pairs;  // in the order of run a's entries
  std::vector<size_t> unmatched_a, unmatched_b;
};

// Pairs trades of the same side: first those with equal entry times, then the rest whose entry
// positions lie at most `window_bars` apart (the nearest, the earlier on a tie). `pos_a`/`pos_b`
// are each trade's position on a common bar axis (entry_bar when both runs read the same bars).
// Each trade is in at most one pair.
MatchResult MatchTrades(const std::vector<Trade>& a, const std::vector<Trade>& b,
                        const std::vector<TradePos>& pos_a, const std::vector<TradePos>& pos_b,
                        int window_bars);

// The differences within one pair, b − a. Bars are positions on the common axis; a time stamp
// that differs within the same bar (an engine stamping daily fills at noon) is a stamp
// difference, not a different bar.
struct PairDiff {
  long entry_bar_delta = 0;
  long exit_bar_delta = 0;                             // 0 when either trade is open
  TimeNs entry_stamp_delta = 0, exit_stamp_delta = 0;  // same bar, other time stamp
  double entry_price_delta = 0, exit_price_delta = 0, size_delta = 0;
  double pnl_delta = 0, commission_delta = 0, return_pct_delta = 0;
  bool entry_bar = false, exit_bar = false, entry_price = false, exit_price = false;
  bool size = false, pnl = false, commission = false;
  bool open_state = false;  // one is open, the other closed
  bool entry_stamp = false, exit_stamp = false;

  bool fills_identical() const {
    return !entry_bar && !exit_bar && !entry_price && !exit_price && !size && !open_state;
  }
  bool identical() const { return fills_identical() && !pnl && !commission; }
};

PairDiff DiffPair(const Trade& a, const Trade& b, const TradePos& pa, const TradePos& pb,
                  const Tolerance& tol);

// The earliest bar on the common axis where the pair differs: its entries when the entry bar,
// price or size differ; its exits when only the exit (or the open/closed state) differs; the
// exit when only P&L or commission differ (they are booked there). nullopt when identical.
std::optional<long> PairDivergenceBar(const PairDiff& d, const TradePos& a, const TradePos& b);

// JSON of a trade for the report: the result's fields.
nlohmann::json TradeJson(const Trade& t);

}  // namespace btr::compare
