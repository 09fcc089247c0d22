// JSON forms of run results. Canonical metrics: {"start", "end", <numeric keys>, "conventions":
// {...}}. Every metric is a JSON number or null: NaN (undefined: no trades, zero volatility, ...)
// and infinities (a Sortino ratio without downside, an annualized return beyond a double) are
// written as null, never as strings, so typed clients read one type per key.
#pragma once

#include <nlohmann/json.hpp>
#include <span>

#include "engines/core/trade.h"
#include "engines/metrics/metrics.h"

namespace btr {

nlohmann::json MetricsToJson(const Metrics& m);
// A finite number as itself; NaN and infinities as null.
nlohmann::json MetricNumber(double v);

// Trade fields of DESIGN.md; sl, tp and tag only when set; exit fields only when closed.
nlohmann::json TradeToJson(const TradeRecord& t);
nlohmann::json TradesToJson(std::span<const TradeRecord> trades);

}  // namespace btr
