// The metrics part of a comparison report: for every canonical key, each run's canonical value
// (recomputed by btrouter on one definition), the engine's own number beside it, and verdicts:
//
//   engine_verdict   the engine's own number against btrouter's on the same run: agree within
//                    the exact tolerance (the rounded one for compare.rounded_engines), differ,
//                    or not_comparable when the engine does not report the key under the
//                    canonical definition (its conventions say why);
//   vs_baseline      a run's canonical value against the baseline run's: agree, differ, or
//                    not_comparable when the canonical conventions the key depends on differ
//                    (annualization, return sampling, risk-free rate, duration resolution).
//
// Undefined values (null) agree with undefined values and differ from numbers. Pure; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "services/compare/compare_types.h"

namespace btr::compare {

enum class Verdict { kAgree, kDiffer, kNotComparable };
std::string_view VerdictName(Verdict v);  // "agree", "differ", "not_comparable"

// What one run's metrics say against the baseline's.
struct PairMetrics {
  size_t agree = 0, differ = 0, not_comparable = 0;
  // The differing numeric keys, largest relative difference first:
  // [{"key", "a", "b", "delta", "rel_delta"}] (rel_delta null when a is 0).
  nlohmann::json largest = nlohmann::json::array();
  nlohmann::json not_comparable_keys = nlohmann::json::array();  // [{"key", "reason"}]
};

struct MetricsOutcome {
  nlohmann::json rows = nlohmann::json::array();  // the report's "metrics"
  std::map<size_t, PairMetrics> pairs;            // by run index (not the baseline)
  // By run index: the keys whose engine number differs from the canonical one, as
  // [{"key", "canonical", "engine", "delta", "convention"}] (convention: the engine's text or
  // null), and the keys the engine does not report under the canonical definition.
  std::map<size_t, nlohmann::json> engine_differs;
  std::map<size_t, nlohmann::json> engine_unmapped;
};

// `ok` lists the indices of the succeeded runs, the baseline first.
MetricsOutcome CompareMetrics(const std::vector<RunInput>& runs, const std::vector<size_t>& ok,
                              const CompareOptions& options);

// The canonical keys in the documented order (start, end, then docs/metrics.md's table).
const std::vector<std::string>& CanonicalKeys();

// The engine's convention text that bears on `key` (conventions.engine[key], or its topic:
// alpha/beta -> alpha_beta, num_trades -> trade_counting, commissions -> fees, annual_* ->
// annualization), or null.
nlohmann::json ConventionFor(const nlohmann::json& result, const std::string& key);

}  // namespace btr::compare
