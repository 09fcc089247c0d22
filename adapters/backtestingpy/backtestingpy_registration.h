// The Backtesting.py engine's registration (engines/engine_registration.h): section
// engines.backtestingpy.
#pragma once

#include "engines/engine_registration.h"

namespace btr {

EngineRegistration BacktestingPyRegistration();

}  // namespace btr
