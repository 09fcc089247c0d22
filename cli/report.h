// Presentation of native backtest results for the CLI: the people-facing table, the JSON
// document of `--format json`, and the files of `--out DIR`. Pure formatting; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/trade.h"
#include "engines/data/bars.h"
#include "engines/metrics/metrics.h"

namespace btr::cli {

// Metrics as aligned "key  value" lines; fractions shown as percents, durations as
// "D days HH:MM:SS", undefined or infinite values as "-" (the JSON's null).
std::string FormatMetricsTable(const Metrics& m);
// The same table from the canonical metrics JSON (metrics_json.h, the API's "metrics" object):
// null reads as NaN, "inf"/"-inf" (results stored by older versions) as infinities, a missing
// key as NaN. Canonical keys come in
// MetricsFields order; numeric keys the table does not know follow in name order.
std::string FormatMetricsJsonTable(const nlohmann::json& metrics);

// "97 days 14:00:00" (pandas Timedelta style); "-" for NaN.
std::string FormatDuration(double seconds);

// trades.csv: size,entry_bar,exit_bar,entry_price,exit_price,entry_time,exit_time,pnl,
// return_pct,commission,sl,tp,tag (round-trip exact numbers; empty for none).
std::string TradesCsv(std::span<const TradeRecord> trades);
// equity.csv: time,equity,drawdown (drawdown a positive fraction).
std::string EquityCsv(std::span<const TimeNs> time, std::span<const double> equity);

// Shortest text that reads back as the same double ("nan"/"inf" for non-finite).
std::string ExactNumber(double v);

}  // namespace btr::cli
