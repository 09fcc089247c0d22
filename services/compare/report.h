// BuildReport: the engine-comparison report (docs/comparisons.md), the JSON document that is the
// source of truth for the CSV and HTML renderings (report_csv.h, report_html.h).
//
//   {"version": "btr-compare/1", "id", "created_at", "baseline": <label or null>,
//    "tolerances": {...}, "inputs": {"request", "datasets": [...]},
//    "runs": [{"label", "engine", "overrides", "backtest_id", "status", "error", "engine_used",
//              "engine_version", "spec", "dataset", "trades", "open_trades", "warmup_bars",
//              "run_seconds", "conventions": {"canonical", "engine"}, "native_raw"}],
//    "metrics": [{"key", "verdict", "values": [{"run", "canonical", "engine", "engine_verdict",
//                 "engine_note", "vs_baseline": {"verdict", "delta", "rel_delta", "note"}}]}],
//    "pairs": [{"a", "b", "verdicts", "largest", "same_data", "settings", "trades": {...},
//               "fills", "first_divergence", "equity", "explanations"}],
//    "explanations": [{"cause", "text", "facts", "pair" | "run"}],
//    "curves": {"bars", "points", "time": [...], "series": [{"run", "equity", "drawdown"}]}}
//
// The baseline is the first run that succeeded; every other succeeded run is compared with it.
// Every number comes from a run's stored result, equity curve or bars. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "services/compare/compare_types.h"

namespace btr::compare {

struct ReportInputs {
  std::string id;          // the comparison's id
  std::string created_at;  // ISO-8601 UTC
  nlohmann::json request;  // the request as given (POST /v1/comparisons body)
};

nlohmann::json BuildReport(const std::vector<RunInput>& runs, const ReportInputs& inputs,
                           const CompareOptions& options);

}  // namespace btr::compare
