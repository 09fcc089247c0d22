#include "services/compare/compare_types.h"

#include <algorithm>
#include <cmath>

namespace btr::compare {

bool Tolerance::Equal(double a, double b) const {
  if (a == b) return true;  // also equal infinities
  if (!std::isfinite(a) || !std::isfinite(b)) return false;
  const double scale = std::max(std::fabs(a), std::fabs(b));
  return std::fabs(a - b) <= std::max(abs, rel * scale);
}

bool CompareOptions::IsRounded(const std::string& engine) const {
  return std::find(rounded_engines.begin(), rounded_engines.end(), engine) != rounded_engines.end();
}

}  // namespace btr::compare
