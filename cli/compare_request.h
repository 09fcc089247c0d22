// The request of `btrouter compare`, built from the flags and checked before anything is sent:
// first locally (flags, settings, strategy and parameters, as the server will check them),
// then against the server's engines (GET /v1/engines), and only then does the command upload
// --data and submit. Every error is an InvalidArgument on one line naming the flag and why.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "engines/core/status.h"

namespace btr::cli {

// The body of POST /v1/comparisons without "dataset", from --engines, --variant, --strategy,
// --param and the settings flags: {"strategy", <settings given>, "engines": ["native",
// {"engine": "native", "overrides": {...}}, ...]}. A variant's keys are spec fields
// (trade_on_close, cash, start, end, ...) or else strategy parameters; start and end stay
// text (times), the others are typed as numbers or booleans.
Result<nlohmann::json> ComparisonBodyFromFlags(const Flags& f);

// Each run of `body` checked as the server checks a spec, with a stand-in dataset: at least two
// runs, the fields and their types (engines/spec_json.h), the strategy and its parameters
// against the catalogue, cross-parameter rules included. Errors name the flag ("--param fast:
// ...", "--variant native:fast=0: ...").
Status CheckComparisonRuns(const nlohmann::json& body);

// The engines `body` names, checked against `engines`, the reply of GET /v1/engines (an array,
// or an object with "items"): each must be listed, not "disabled", and list the strategy among
// its capabilities. Engines a server has not enabled may be absent from the list or listed as
// {"name", "state": "disabled", "hint"}. One InvalidArgument "--engines: ..." naming every
// engine that cannot run and why. On success, `notes` (may be null) receives a line for each
// engine that is ejected or draining: its run is submitted but may fail.
Status CheckComparisonEngines(const nlohmann::json& body, const nlohmann::json& engines,
                              std::vector<std::string>* notes);

}  // namespace btr::cli
