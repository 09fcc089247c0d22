#include "engines/catalogue/catalogue_json.h"

#include <cmath>

namespace btr {

nlohmann::json ParamValueToJson(ParamType type, double value) {
  switch (type) {
    case ParamType::kBool:
      return value != 0;
    case ParamType::kInt:
      return static_cast<long long>(std::llround(value));
    case ParamType::kFloat:
      break;
  }
  return value;
}

nlohmann::json StrategyToJson(const StrategyInfo& info) {
  nlohmann::json params = nlohmann::json::array();
  for (const ParamSpec& p : info.params) {
    // A bool's range is 0 to 1; numbers keep it comparable with the other types' ranges.
    const ParamType range_type = p.type == ParamType::kFloat ? ParamType::kFloat : ParamType::kInt;
    params.push_back({{"name", p.name},
                      {"type", ParamTypeName(p.type)},
                      {"default", ParamValueToJson(p.type, p.default_value)},
                      {"min", ParamValueToJson(range_type, p.min)},
                      {"max", ParamValueToJson(range_type, p.max)},
                      {"description", p.help}});
  }
  return {{"name", info.name}, {"description", info.summary}, {"params", params}};
}

}  // namespace btr
