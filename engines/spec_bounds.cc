#include "engines/spec_bounds.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace btr {
namespace {

constexpr SettingBounds kBounds[] = {
    {"cash", 0, false, 1e12, true, "initial cash"},
    {"commission", -0.1, true, 0.1, false, "a fraction of traded value (0.001 = 0.1 %)"},
    {"commission_fixed", 0, true, 1e9, true, "cash per order"},
    {"spread", 0, true, 1, false, "a fraction of price (0.0002 = 2 bp)"},
    {"margin", 1e-4, true, 1, true, "a margin ratio (1 = no leverage, 0.02 = 50:1)"},
};

std::string Number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::string Range(const SettingBounds& b) {
  return std::string(b.min_inclusive ? "[" : "(") + Number(b.min) + ", " + Number(b.max) +
         (b.max_inclusive ? "]" : ")");
}

bool Within(const SettingBounds& b, double v) {
  if (!std::isfinite(v)) return false;
  const bool above_min = b.min_inclusive ? v >= b.min : v > b.min;
  const bool below_max = b.max_inclusive ? v <= b.max : v < b.max;
  return above_min && below_max;
}

}  // namespace

std::span<const SettingBounds> SpecSettingBounds() { return kBounds; }

Status CheckSetting(std::string_view field, double value) {
  for (const SettingBounds& b : kBounds) {
    if (b.field != field) continue;
    if (Within(b, value)) return Status::Ok();
    return Status::InvalidArgument(std::string(field) + ": expected " + std::string(b.what) +
                                   " in " + Range(b) + ", got " + Number(value));
  }
  return Status::InvalidArgument(std::string(field) + ": not a numeric setting");
}

Status CheckParamMagnitude(std::string_view field, double value) {
  if (std::isfinite(value) && std::fabs(value) <= kMaxParamMagnitude) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + ": expected a number in [-" +
                                 Number(kMaxParamMagnitude) + ", " + Number(kMaxParamMagnitude) +
                                 "], got " + Number(value));
}

Status CheckSpecBounds(const BacktestSpec& spec) {
  BTR_RETURN_IF_ERROR(CheckSetting("cash", spec.cash));
  BTR_RETURN_IF_ERROR(CheckSetting("commission", spec.commission));
  BTR_RETURN_IF_ERROR(CheckSetting("commission_fixed", spec.commission_fixed));
  BTR_RETURN_IF_ERROR(CheckSetting("spread", spec.spread));
  BTR_RETURN_IF_ERROR(CheckSetting("margin", spec.margin));
  for (const auto& [name, value] : spec.strategy.params) {
    BTR_RETURN_IF_ERROR(CheckParamMagnitude("strategy.params." + name, value));
  }
  return Status::Ok();
}

}  // namespace btr
