// The inputs and options of an engine-comparison report (docs/comparisons.md): what each run of
// a comparison brings — its spec, its result document and equity curve as stored by the job
// service, and the bars it read — and the tolerances the verdicts use.
//
// Pure values; the report functions (report.h) read them and never block or do I/O.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engines/core/time.h"

namespace btr::compare {

// How close two numbers must be to count as equal: |a − b| <= max(abs, rel · max(|a|, |b|)).
struct Tolerance {
  double rel = 1e-9;
  double abs = 1e-12;
  bool Equal(double a, double b) const;
};

struct CompareOptions {
  // Canonical metrics between runs, trade fields, equity points, and an engine's own numbers
  // against btrouter's when the engine computes the same definition exactly
  // (compare.tolerance_rel, compare.tolerance_abs).
  Tolerance exact;
  // An engine's own numbers when the engine reports them rounded (LEAN: 4-decimal fractions,
  // 3-decimal percents, cents, drawdown to 0.1 %): compare.rounded_tolerance_rel / _abs.
  Tolerance rounded{1e-3, 5e-4};
  std::vector<std::string> rounded_engines = {"lean_local", "qc_cloud"};  // compare.rounded_engines
  // Trades are paired by side and entry time; a pair's entries may lie this many bars apart
  // (compare.match_window_bars).
  int match_window_bars = 1;
  size_t chart_points = 5000;     // compare.chart_points: points per curve in the report
  size_t max_trade_rows = 10000;  // compare.max_trade_rows: matched-trade rows listed per pair

  bool IsRounded(const std::string& engine) const;
};

// The bars a run read (its dataset), for fill classification and the time axis.
struct RunBars {
  std::vector<TimeNs> time;
  std::vector<double> open, close;
  size_t size() const { return time.size(); }
};

// One run of a comparison: one engine (or one engine with setting overrides) on the spec.
struct RunInput {
  std::string label;   // unique within the comparison: "native", "native[trade_on_close=true]"
  std::string engine;  // the engine it was submitted to (never substituted)
  nlohmann::json overrides = nlohmann::json::object();  // spec fields changed for this run
  std::string backtest_id;                              // empty when the submission itself failed
  std::string status;                                   // "succeeded", "failed", "cancelled"
  nlohmann::json error;     // {"code", "message"} when failed, else null
  nlohmann::json spec;      // the resolved spec, as the job stored it
  std::string engine_used;  // the engine that ran it (the job's engine_used)
  // Only for succeeded runs: the result document (services/jobs/result_builder.h), the equity
  // curve (one point per bar) and the bars.
  nlohmann::json result;
  std::vector<double> equity;
  std::shared_ptr<const RunBars> bars;

  bool succeeded() const {
    return status == "succeeded" && bars != nullptr && result.is_object() &&
           equity.size() == bars->size();
  }
};

}  // namespace btr::compare
