// JSON form of BacktestSpec: the API body of POST /v1/backtests and the stored form.
//
//   {"engine": "native", "fallback": [], "strategy": {"name": "sma_cross", "params": {"fast": 10}},
//    "dataset": "<id>", "cash": 10000, "commission": 0.002, "commission_fixed": 0, "spread": 0,
//    "margin": 1, "trade_on_close": false, "exclusive_orders": false, "hedging": false,
//    "finalize_trades": false, "start": "2015-01-01", "end": "2015-06-30"}
//
// "start" and "end" (optional, engines/spec_window.h) bound the run to the dataset's bars in
// [start, end]; they are stored normalized and written only when set, so a spec without them
// has the canonical JSON and hash it had before they existed.
//
// "algorithm" (engines/spec_algorithm.h) replaces "strategy" for an algorithm's own source; it
// is written only when set, and then "strategy" is not.
//
// Parsing checks types and ranges (engines/spec_bounds.h: cash in (0, 1e12], ...) and names the
// offending field in the error ("strategy.params.fast: expected a number or boolean", "cash:
// expected initial cash in (0, 1e+12], got 1e+308"); unknown top-level fields are rejected
// so typos do not pass silently. Catalogue membership and parameter names are checked later by
// the engine. Thread-safe, pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engines/core/status.h"
#include "engines/spec.h"

namespace btr {

// InvalidArgument whose message starts with the field path.
Result<BacktestSpec> SpecFromJson(const nlohmann::json& j);

// Every field, in a fixed order (start and end only when set); SpecFromJson(SpecToJson(s)) == s.
nlohmann::json SpecToJson(const BacktestSpec& spec);

// Hex sha256 of the canonical JSON (sorted keys): equal specs hash equal.
std::string SpecHash(const BacktestSpec& spec);

}  // namespace btr
