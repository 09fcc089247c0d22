// JSON forms of run results. Canonical metrics: {"start", "end", <numeric keys>, "conventions":
// {...}}. NaN is written as null and infinities as the strings "inf" / "-inf" (JSON has neither).
#pragma once

#include <nlohmann/json.hpp>
#include <span>

#include "engines/core/trade.h"
#include "engines/metrics/metrics.h"

namespace btr {

nlohmann::json MetricsToJson(const Metrics& m);
nlohmann::json MetricNumber(double v);

// Trade fields of DESIGN.md; sl, tp and tag only when set; exit fields only when closed.
nlohmann::json TradeToJson(const TradeRecord& t);
nlohmann::json TradesToJson(std::span<const TradeRecord> trades);

}  // namespace btr
