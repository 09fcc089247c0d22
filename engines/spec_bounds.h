// The allowed range of every numeric setting of a BacktestSpec, checked wherever a spec comes in
// (the JSON parser of the API, the command line's flags, the native broker), so that every run
// starts from inputs whose results stay finite: no cash of 1e308 whose equity overflows to inf.
//
//   cash              (0, 1e12]        quote currency
//   commission        [-0.1, 0.1)      fraction of traded value (negative: a rebate)
//   commission_fixed  [0, 1e9]         cash per order
//   spread            [0, 1)           fraction of price
//   margin            [0.0001, 1]      ratio (1 = no leverage, 0.0001 = 10000:1)
//   strategy params   finite, |v| <= 1e12 (each strategy narrows its own:
//   engines/native/strategies)
//
// Errors are InvalidArgument "<field>: expected <what> in <range>, got <value>", naming the field
// as the API does ("cash", "strategy.params.fast"). Pure; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "engines/core/status.h"
#include "engines/spec.h"

namespace btr {

struct SettingBounds {
  std::string_view field;  // "cash", "commission", ...
  double min = 0;
  bool min_inclusive = true;
  double max = 0;
  bool max_inclusive = true;
  std::string_view what;  // "cash in quote currency", for the message
};

// The bounds of the five numeric settings, in the order of the table above.
std::span<const SettingBounds> SpecSettingBounds();

// `value` of the setting `field` (one of the table above) within its bounds; InvalidArgument
// naming the field and the range otherwise (also for NaN and infinities).
Status CheckSetting(std::string_view field, double value);

// |value| <= kMaxParamMagnitude and finite, for a strategy parameter named `field`.
inline constexpr double kMaxParamMagnitude = 1e12;
Status CheckParamMagnitude(std::string_view field, double value);

// Every numeric setting and strategy parameter of `spec`.
Status CheckSpecBounds(const BacktestSpec& spec);

}  // namespace btr
