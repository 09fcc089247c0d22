// The strategy catalogue of DESIGN.md: the same names, parameters and logic in every engine that
// lists it (the native engine, the Backtesting.py service, the LEAN algorithm). Engine-neutral:
// names, typed parameters and their checks; the native engine builds its own strategies from it
// (engines/native/strategies/native_strategies.h). Immutable after first use; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engines/catalogue/strategy_info.h"
#include "engines/core/status.h"
#include "engines/engine.h"
#include "engines/spec.h"

namespace btr {

// Every catalogue strategy, in documentation order.
const std::vector<StrategyInfo>& StrategyCatalogue();

// The catalogue's names, in documentation order (what an engine running the catalogue lists
// in its capabilities).
std::vector<std::string> CatalogueNames();

// The capabilities of an engine that runs the whole catalogue and reports progress and honours
// cancel (every engine btrouter ships): `max_bars` 0 = no limit.
EngineCapabilities CatalogueCapabilities(size_t max_bars);

// The entry named `name`, or nullptr.
const StrategyInfo* FindStrategy(std::string_view name);

// NotFound naming the catalogue for an unknown strategy name.
Status UnknownStrategy(std::string_view name);

// A request's strategy resolved against the catalogue: the declared defaults overridden by
// `ref.params`, every value and the cross-parameter rules checked. InvalidArgument names the
// field ("strategy.name: unknown strategy 'x' (known: ...)", "strategy.params: fast: ...").
// Engines that run the catalogue elsewhere (the Backtesting.py service, LEAN) validate with it.
struct ResolvedStrategy {
  const StrategyInfo* info = nullptr;
  ParamValues params;
};
Result<ResolvedStrategy> ResolveStrategy(const StrategyRef& ref);

// Entries (engines/catalogue/strategies.cc).
StrategyInfo SmaCrossInfo();
StrategyInfo EmaCrossInfo();
StrategyInfo MacdCrossInfo();
StrategyInfo RsiReversionInfo();
StrategyInfo BollingerReversionInfo();
StrategyInfo DonchianBreakoutInfo();
StrategyInfo BuyAndHoldInfo();

}  // namespace btr
