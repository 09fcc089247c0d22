// JSON form of canonical metrics: {"start", "end", <numeric keys>, "conventions": {...}}.
// NaN is written as null and infinities as the strings "inf" / "-inf" (JSON has neither).
#pragma once

#include <nlohmann/json.hpp>

#include "engines/metrics/metrics.h"

namespace btr {

nlohmann::json MetricsToJson(const Metrics& m);
nlohmann::json MetricNumber(double v);

}  // namespace btr
