// A btrouter job as a QuantConnect backtest object (lean-cli's QCBacktest): status text,
// progress, error, and for a finished run `statistics`, `runtimeStatistics` and a non-empty
// `totalPerformance` (lean-cli waits for all three). A LEAN run (lean_local, qc_cloud) shows
// LEAN's own statistics verbatim; any other engine's run shows the canonical metrics
// (docs/metrics.md) formatted as LEAN formats its statistics (qc_lean.md §2.5). Extra key
// "btrouter": the job id, the engine used and the canonical metrics. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "services/store/store_types.h"

namespace btr::qcapi {

// `result_json` is the job's stored result (empty unless it succeeded); `name` and `note` the
// backtest's (an empty note is null).
nlohmann::ordered_json BacktestJson(const JobRecord& job, int64_t project_id,
                                    const std::string& name, const std::string& note,
                                    const std::string& result_json);

// QuantConnect's statistics strings from a btrouter result (canonical metrics and trades), as
// {"statistics": {...}, "runtimeStatistics": {...}, "totalPerformance": {...}}.
nlohmann::ordered_json StatisticsFromResult(const nlohmann::ordered_json& result, double cash);

}  // namespace btr::qcapi
