// The catalogue as JSON, one shape for every front end (`btrouter strategies --format json`,
// GET /v1/strategies): {"name", "description", "params": [{"name", "type", "default", "min",
// "max", "description"}]}. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "engines/native/strategy/strategy.h"

namespace btr {

nlohmann::json StrategyToJson(const StrategyInfo& info);

}  // namespace btr
