#include "engines/native/strategies/native_strategies.h"

#include <map>
#include <string>

namespace btr {
namespace {

using Factory = std::unique_ptr<Strategy> (*)(const ParamValues&);

// Catalogue name -> native class.
const std::map<std::string, Factory, std::less<>>& Factories() {
  static const auto* factories = new std::map<std::string, Factory, std::less<>>{
      {SmaCrossInfo().name, MakeSmaCross},
      {EmaCrossInfo().name, MakeEmaCross},
      {MacdCrossInfo().name, MakeMacdCross},
      {RsiReversionInfo().name, MakeRsiReversion},
      {BollingerReversionInfo().name, MakeBollingerReversion},
      {DonchianBreakoutInfo().name, MakeDonchianBreakout},
      {BuyAndHoldInfo().name, MakeBuyAndHold},
  };
  return *factories;
}

}  // namespace

Result<std::unique_ptr<Strategy>> CreateStrategy(std::string_view name, const ParamValues& params) {
  const StrategyInfo* info = FindStrategy(name);
  auto factory = Factories().find(name);
  if (info == nullptr || factory == Factories().end()) return UnknownStrategy(name);
  if (info->check) BTR_RETURN_IF_ERROR(info->check(params));
  return factory->second(params);
}

}  // namespace btr
