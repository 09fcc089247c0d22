#include "engines/native/strategies/catalogue_json.h"

namespace btr {

nlohmann::json StrategyToJson(const StrategyInfo& info) {
  nlohmann::json params = nlohmann::json::array();
  for (const ParamSpec& p : info.params) {
    params.push_back({{"name", p.name},
                      {"type", ParamTypeName(p.type)},
                      {"default", p.type == ParamType::kBool ? nlohmann::json(p.default_value != 0)
                                                             : nlohmann::json(p.default_value)},
                      {"min", p.min},
                      {"max", p.max},
                      {"description", p.help}});
  }
  return {{"name", info.name}, {"description", info.summary}, {"params", params}};
}

}  // namespace btr
