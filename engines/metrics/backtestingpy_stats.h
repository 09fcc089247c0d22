// The statistics of backtesting.py (`Backtest.run()`), as the Backtesting.py service sends them
// (docs/engines/backtestingpy.md), mapped to btrouter's canonical keys and units: percents to
// fractions, drawdowns to positive fractions, durations to seconds. btrouter's canonical
// definitions are backtesting.py 0.6.6's, so every key maps. Pure; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace btr {

// `stats`: the object of library keys ("Return [%]", "Max. Drawdown [%]", "Duration":
// {"seconds": s}, "NaN"/"inf" strings, ...). Keys that are absent or not numbers are skipped;
// "NaN" and null map to NaN.
std::map<std::string, double> MapBacktestingPyStats(const nlohmann::json& stats);

// What backtesting.py's numbers mean, for the result's "conventions".
std::map<std::string, std::string> BacktestingPyConventions();

}  // namespace btr
