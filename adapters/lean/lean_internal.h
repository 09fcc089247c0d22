// Helpers shared by the LEAN result files of adapters/lean (not part of the adapter API).
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "engines/data/bars.h"

namespace btr::lean::internal {

// A LEAN number with the precision it was written with: `resolution` is one unit of its last
// written digit in the units of `value` ("4.272%" → value 0.04272, resolution 1e-5; "0.6453" →
// 1e-4). A JSON number counts as exact (resolution 0).
struct LeanNumber {
  double value = 0;
  double resolution = 0;
};

// ParseLeanNumber (lean_result.h) with the resolution.
std::optional<LeanNumber> ParseLeanNumberDetailed(const nlohmann::json& value);

// The member `key` of an object, or else `fallback_key` (LEAN's older PascalCase results);
// nullptr when `object` is not an object or has neither.
const nlohmann::json* Member(const nlohmann::json& object, std::string_view key,
                             std::string_view fallback_key = {});

// "key" → "key", a key with a blank → "\"Strategy Equity\"" (for messages naming a member path).
std::string PathPart(std::string_view key);

// How a bar series is laid out as LEAN data (lean_project.h).
struct LeanLayout {
  bool daily = true;            // else minute
  bool extended_hours = false;  // minute bars outside the 09:30-16:00 New York session
};

// Checks that LEAN can hold `bars` unchanged: at least 2 bars, median spacing 1 day (every bar at
// 00:00) or 60 s (every bar on a whole minute, 04:00-19:59), no bar on a weekend, every price a
// whole number of deci-cents. InvalidArgument "dataset: ..." naming the bar otherwise.
Result<LeanLayout> CheckLeanBars(const BarSeries& bars);

// Shortest text that reads back as the same double ("0.002", "10", "1e-05").
std::string ShortestText(double value);

}  // namespace btr::lean::internal
