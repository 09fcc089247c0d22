#include "engines/catalogue/catalogue.h"

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

Status UnknownStrategy(std::string_view name) {
  std::string known;
  for (const StrategyInfo& s : StrategyCatalogue()) known += (known.empty() ? "" : ", ") + s.name;
  return Status::NotFound("unknown strategy '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> CatalogueNames() {
  std::vector<std::string> names;
  for (const StrategyInfo& info : StrategyCatalogue()) names.push_back(info.name);
  return names;
}

EngineCapabilities CatalogueCapabilities(size_t max_bars) {
  EngineCapabilities caps;
  caps.strategies = CatalogueNames();
  caps.reports_progress = true;
  caps.supports_cancel = true;
  caps.max_bars = max_bars;
  return caps;
}

Result<ResolvedStrategy> ResolveStrategy(const StrategyRef& ref) {
  ResolvedStrategy out;
  if (ref.name.empty()) {  // a spec with an algorithm's own source instead
    return Status::InvalidArgument(
        "strategy.name: this engine runs catalogue strategies only (GET /v1/strategies); an "
        "algorithm's own source runs on the engines whose capabilities list its language "
        "(lean_local, qc_cloud)");
  }
  out.info = FindStrategy(ref.name);
  if (out.info == nullptr) {
    // An unknown name in a request is a bad argument, not a missing resource.
    return Status::InvalidArgument(UnknownStrategy(ref.name).WithPrefix("strategy.name").message());
  }
  out.params = ParamValues::Defaults(out.info->params);
  for (const auto& [name, value] : ref.params) {
    BTR_RETURN_IF_ERROR(
        out.params.SetNumber(out.info->params, name, value).WithPrefix("strategy.params"));
  }
  if (out.info->check)
    BTR_RETURN_IF_ERROR(out.info->check(out.params).WithPrefix("strategy.params"));
  return out;
}

}  // namespace btr
