// The catalogue as JSON, one shape for every front end (`btrouter strategies --format json`,
// GET /v1/strategies): {"name", "description", "params": [{"name", "type", "default", "min",
// "max", "description"}]}. Values are typed as declared: an int parameter's default, min and
// max are JSON integers (10, not 10.0), a float's are numbers, a bool's default is true or
// false and its range 0 to 1. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "engines/catalogue/strategy_info.h"

namespace btr {

nlohmann::json StrategyToJson(const StrategyInfo& info);

// A parameter value typed as declared: an integer, a number or a boolean.
nlohmann::json ParamValueToJson(ParamType type, double value);

}  // namespace btr
