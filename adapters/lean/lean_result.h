// Reading LEAN's results (docs/engines/lean_local.md, qc_cloud.md; facts in qc_lean.md §2.4-2.7):
// the result JSON a local LEAN writes as <algorithm-id>.json, and the same members as the
// QuantConnect Cloud API returns them (the cloud adapter assembles one object of that shape from
// backtests/read, backtests/chart/read and backtests/orders/read).
//
// Times: LEAN writes UTC (ISO "…Z" strings, chart points in Unix seconds). The bars btrouter
// sends to LEAN are written as US-equity data whose times LEAN reads as New York wall-clock
// time, so UTC times are turned back into New York wall-clock time (America/New_York, US DST
// rules since 1987) before they are matched to bars. Pure functions; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engines/core/status.h"
#include "engines/core/time.h"
#include "engines/data/bars.h"
#include "engines/engine.h"

namespace btr::lean {

// A LEAN number written as a JSON number or as a string with LEAN's formatting: "4.272%" (→
// 0.04272), "1.23 %", "$1,234.56", "-$1.30", "$-1.30", "¤100,000.00", "0.6453", "301".
// Percent strings become fractions. nullopt for anything else ("", "SPY R735QTJ8XC9X").
std::optional<double> ParseLeanNumber(const nlohmann::json& value);

// A .NET TimeSpan string ("00:28:00", "1.01:28:00", "02:32:16.8000032") in seconds.
std::optional<double> ParseTimeSpanSeconds(const std::string& text);

// New York wall-clock time <-> UTC, both as TimeNs.
TimeNs UtcToNewYork(TimeNs utc);
TimeNs NewYorkToUtc(TimeNs new_york);

// Error in a finished result: state.Status other than "Completed", or a non-empty
// state.RuntimeError (message: the error and the first line of its stack trace). OK otherwise,
// or when the result has no "state" (cloud results carry their error elsewhere). The error is
// Internal: "LEAN run ended with status 'RuntimeError': <error> (<first stack line>)".
Status LeanResultError(const nlohmann::json& result);

// The run in a final result, aligned to `bars` (the bars LEAN was given):
//  - equity: one point per bar, the close of the last "Strategy Equity"/"Equity" candle whose
//    New York time is at or before the end of the bar (bar time + bar period); the first
//    candle's open before any candle; points may be arrays [t, o, h, l, c] or [t, v] or objects
//    {"x": t, "y": v};
//  - trades: totalPerformance.closedTrades (direction 1 = short → negative size; pnl =
//    profitLoss − totalFees; return_pct = pnl / (|size| · entryPrice); bars are the bars
//    holding the entry and exit times);
//  - native: "statistics" verbatim plus totalPerformance.portfolioStatistics/tradeStatistics,
//    mapped with MapLeanStatistics; conventions from LeanConventions.
//  - open_trades: the positions the filled orders ("orders", status Filled) leave open at the
//    end, one trade per symbol, entered at the fill that opened it from flat (or flipped it)
//    at the average price of the fills that grew it since, pnl marked at the last bar's close;
//    none when flat or without orders (LEAN lists closed trades only);
// Left to the caller: warmup_bars
// (lean_project.h CatalogueWarmup), engine_version (LeanLogFollower::engine_version) and
// run_seconds. Check LeanResultError first: a failed run's result still parses.
// Internal naming the member when the shape does not match.
Result<EngineRun> ParseLeanResult(const nlohmann::json& result, const BarSeries& bars);

// LEAN's numbers mapped to canonical keys only where the meaning matches (docs/metrics.md):
// total_return, equity_final, commissions, cagr, max_drawdown, num_trades, win_rate.
// Where a number is in both "statistics" and totalPerformance, the more precise reading wins
// (lean_stats.cc); total_return is (end - start) / start equity; commissions and the trade
// counts come from tradeStatistics (closed trades only; "Total Fees" also holds the fees of a
// still-open position); win_rate is NaN without closed trades. Keys without a source are left
// out.
std::map<std::string, double> MapLeanStatistics(const nlohmann::json& result);

// How LEAN computes its numbers (annualization, risk-free rate, sampling, trade counting).
std::map<std::string, std::string> LeanConventions();

}  // namespace btr::lean
