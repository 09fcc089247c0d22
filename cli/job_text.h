// How a backtest job (GET /v1/backtests/{id}) and its result (GET .../result) read for people,
// for the client commands' tables (`status`, `list`, `result`, `submit --wait`). Metric values
// per engines/metrics/metric_format.h, wall times per FormatElapsed (engines/core/time.h). Pure;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engines/core/status.h"

namespace btr::cli {

// "sma_cross(fast=10, slow=20)" from the job's spec; the name alone when it sets no
// parameters; "-" without a spec.
std::string StrategyText(const nlohmann::json& job);

// A spec's settings: its window when it has one, cash always, the others when they are not the
// defaults ("window 2008-01-01 to the last bar, cash 10,000.00, commission 0.20 %, spread
// 0.02 %, margin 0.5, trade on close").
std::string SettingsText(const nlohmann::json& spec);

// " (took 5.84 ms)" for a job that has started and finished; empty otherwise.
std::string TookText(const nlohmann::json& job);

// The result's header lines (strategy, dataset, trades, run time) and its metrics table.
// Internal when `result` has no metrics object.
Result<std::string> ResultTable(const nlohmann::json& job, const nlohmann::json& result);

}  // namespace btr::cli
