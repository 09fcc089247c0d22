// StrategyInfo: one strategy of the catalogue (DESIGN.md "Strategy catalogue") as every engine
// sees it: its name, what it does, its typed parameters and the checks across them. How an
// engine runs it is the engine's own (the native engine's C++ classes, the Backtesting.py
// service's Strategy classes, the LEAN algorithm). Plain value; thread-compatible.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engines/catalogue/params.h"
#include "engines/core/status.h"

namespace btr {

struct StrategyInfo {
  std::string name;
  std::string summary;
  std::vector<ParamSpec> params;
  // Cross-parameter checks (e.g. fast < slow); may be empty.
  std::function<Status(const ParamValues&)> check;
};

}  // namespace btr
