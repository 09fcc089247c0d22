// The body of POST /v1/comparisons (docs/comparisons.md): the body of POST /v1/backtests with
// "engines" in place of "engine".
//
//   {"strategy": {"name": "sma_cross"}, "dataset": "ds_...", "commission": 0.001,
//    "engines": ["native", "backtestingpy",
//                {"engine": "native", "overrides": {"trade_on_close": true}, "label": "toc"}]}
//
// Each entry becomes one run: the base spec with the entry's overrides applied (a member of
// "overrides" replaces the base's; "strategy": {"params": {...}} merges into the base's params),
// submitted to exactly that engine with no fallback: the spec's fallback chain is the engine
// itself, which the routing policy reads as "no other engine" (routing/route_plan.h), so a
// comparison never silently runs a spec on an engine it did not name.
//
// Labels name the runs in the report: the entry's "label", else the engine, with the overrides
// when there are any ("native[trade_on_close=true]"); a repeated label gets "#2", "#3".
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/spec.h"
#include "routing/engine_registry.h"

namespace btr {

struct PlannedRun {
  std::string label;
  std::string engine;
  nlohmann::json overrides = nlohmann::json::object();
  BacktestSpec spec;  // resolved: engine set, fallback = {engine}
};

// InvalidArgument naming the field: not an object, "engine" or "fallback" given (a comparison
// names its engines and never falls back), "engines" missing, not an array, fewer than 2 or more
// than `max_runs` entries, an unknown or "auto" engine, a bad entry, override or label, or a
// spec field that SpecFromJson rejects (attributed to the entry, see AttributeToEntry).
Result<std::vector<PlannedRun>> ParseComparisonRequest(const nlohmann::json& body,
                                                       const EngineRegistry& engines,
                                                       size_t max_runs);

// `status`, an error of entry `index`'s spec, attributed to that entry: a field its `overrides`
// set is named through them ("engines[0].overrides.cash: expected ..."); any other error is the
// entry's as a whole ("engines[1]: strategy.name: engine 'x' cannot run 'y'").
Status AttributeToEntry(const Status& status, size_t index, const nlohmann::json& overrides);

}  // namespace btr
