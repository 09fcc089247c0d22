#include "engines/native/strategies/catalogue.h"

namespace btr {

const std::vector<StrategyInfo>& StrategyCatalogue() {
  static const std::vector<StrategyInfo> catalogue = {
      SmaCrossInfo(),           RsiReversionInfo(),     EmaCrossInfo(),   MacdCrossInfo(),
      BollingerReversionInfo(), DonchianBreakoutInfo(), BuyAndHoldInfo(),
  };
  return catalogue;
}

const StrategyInfo* FindStrategy(std::string_view name) {
  for (const StrategyInfo& info : StrategyCatalogue()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

Result<std::unique_ptr<Strategy>> CreateStrategy(std::string_view name, const ParamValues& params) {
  const StrategyInfo* info = FindStrategy(name);
  if (info == nullptr) {
    std::string known;
    for (const StrategyInfo& s : StrategyCatalogue()) known += (known.empty() ? "" : ", ") + s.name;
    return Status::NotFound("unknown strategy '" + std::string(name) + "' (known: " + known + ")");
  }
  if (info->check) BTR_RETURN_IF_ERROR(info->check(params));
  return info->create(params);
}

}  // namespace btr
