// The native engine's strategies: one C++ class per catalogue entry (engines/catalogue), built
// by name with checked parameters. Thread-safe (the classes are built per run).
#pragma once

#include <memory>
#include <string_view>

#include "engines/catalogue/catalogue.h"
#include "engines/native/strategy/strategy.h"

namespace btr {

// Builds the native strategy `name` with `params` (checked against the catalogue's cross-
// parameter rules). NotFound for a name outside the catalogue (the message lists it);
// InvalidArgument from the checks.
Result<std::unique_ptr<Strategy>> CreateStrategy(std::string_view name, const ParamValues& params);

// The classes, one per entry (moving_average_cross.cc, mean_reversion.cc, breakout.cc).
std::unique_ptr<Strategy> MakeSmaCross(const ParamValues& params);
std::unique_ptr<Strategy> MakeEmaCross(const ParamValues& params);
std::unique_ptr<Strategy> MakeMacdCross(const ParamValues& params);
std::unique_ptr<Strategy> MakeRsiReversion(const ParamValues& params);
std::unique_ptr<Strategy> MakeBollingerReversion(const ParamValues& params);
std::unique_ptr<Strategy> MakeDonchianBreakout(const ParamValues& params);
std::unique_ptr<Strategy> MakeBuyAndHold(const ParamValues& params);

}  // namespace btr
