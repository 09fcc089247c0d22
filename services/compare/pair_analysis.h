// Everything measured about two runs of a comparison (run a = the baseline, run b another run):
// the inputs that differ (settings, data), the trades paired with their differences and fill
// kinds, the first bar where they diverge, and the equity and drawdown curves side by side.
// The explanations (explanations.h) and the report (report.h) are built from this alone.
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "services/compare/compare_types.h"
#include "services/compare/equity_compare.h"
#include "services/compare/trade_match.h"

namespace btr::compare {

// A spec field whose value differs between the runs ("trade_on_close", "strategy.params.fast").
struct SettingChange {
  std::string field;
  nlohmann::json a, b;  // null when absent on that side
};

struct PairAnalysis {
  const RunInput* a = nullptr;
  const RunInput* b = nullptr;
  std::vector<SettingChange> settings;
  // Same dataset sha256, bar count and first bar (the same window): bars share one axis.
  bool same_data = false;
  std::vector<Trade> trades_a, trades_b;
  std::vector<TradePos> pos_a, pos_b;  // on run a's bar axis
  MatchResult match;
  std::vector<PairDiff> diffs;                             // one per match.pairs entry
  std::vector<FillKind> entry_a, exit_a, entry_b, exit_b;  // one per trade
  FillCounts entry_count_a, exit_count_a, entry_count_b, exit_count_b;
  EquityComparison equity;
  // The earliest bar (run a's axis) where a pair differs or an unmatched trade enters.
  std::optional<long> trade_divergence;
  nlohmann::json trade_divergence_detail = nullptr;  // {"what", "a", "b"}

  // Equity of a run just before bar `bar` of that run (its initial cash before bar 1).
  static double EquityBefore(const RunInput& run, long bar);
};

// REQUIRES: a.succeeded() && b.succeeded().
PairAnalysis AnalyzePair(const RunInput& a, const RunInput& b, const CompareOptions& options);

// The spread setting of a run's spec (0 when absent).
double SpecSpread(const RunInput& run);

}  // namespace btr::compare
