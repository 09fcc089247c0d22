// JSON forms of the Monte Carlo study (engines/optimize/monte_carlo.h): the request body of
// POST /v1/backtests/{id}/monte-carlo, the report it answers, and the closed trades read back
// from a stored result. Numbers that are undefined (NaN) are written as null. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/trade.h"
#include "engines/optimize/monte_carlo.h"

namespace btr {

// The request fields, all optional: method ("permute" | "bootstrap" | "block_bootstrap"),
// simulations, seed, block_length, block_scheme ("stationary" | "circular"), ruin_pct; defaults
// as in MonteCarloOptions. A null or empty body is all defaults. InvalidArgument naming the field
// for an unknown field, a wrong type or a value out of range, and for block_length or
// block_scheme with another method than block_bootstrap. (Limits that depend on the run — block
// length at most the days, simulations × path length — are RunMonteCarlo's.)
Result<MonteCarloOptions> MonteCarloOptionsFromJson(const nlohmann::json& body);

// {"method", "unit", "simulations", "seed", "ruin_pct", "block_length", "block_scheme",
//  "steps", "start_equity", "run_final_equity", "sharpe_annualization",
//  "metrics": {"final_equity" | "total_return" | "max_drawdown" | "sharpe":
//              {"original", "mean", "p5", "p25", "p50", "p75", "p95", "original_rank", "paths"}},
//  "ruin": {"threshold_equity", "paths", "probability", "original"},
//  "final_below_start": {"paths", "probability"},
//  "fan_chart": {"paths", "step", ["time"], "p5", "p25", "p50", "p75", "p95", "original"},
//  "invariant": {"final_equity_spread", "note"}}
// block_length and block_scheme are null unless the method is block_bootstrap; fan_chart.time
// (ISO-8601 UTC) only for the unit day.
nlohmann::json MonteCarloReportToJson(const MonteCarloReport& report);

// The closed trades of a stored result's "trades" array (metrics_json.h TradeToJson): entry_bar,
// exit_bar and pnl are read (and the times when present). InvalidArgument naming
// "trades[k].<field>" for a missing or non-numeric field (a null pnl included).
Result<std::vector<TradeRecord>> ClosedTradesFromJson(const nlohmann::json& trades);

}  // namespace btr
