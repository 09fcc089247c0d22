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
#include "engines/catalogue/params.h"

namespace btr::cli {

// Metrics as aligned "label  value" lines for people, labels and values per
// engines/metrics/metric_format.h ("Max drawdown   33.93 %", "Duration   3,116 days").
std::string FormatMetricsTable(const Metrics& m);
// The same table from the canonical metrics JSON (metrics_json.h, the API's "metrics" object):
// null reads as NaN, "inf"/"-inf" (results stored by older versions) as infinities, a missing
// key as NaN. Canonical keys come in MetricsFields order; numeric keys the table does not know
// follow in name order.
std::string FormatMetricsJsonTable(const nlohmann::json& metrics);

// A canonical metric's JSON value as a number: null (or anything not a number) reads as NaN,
// "inf"/"-inf" (results stored by older versions) as infinities.
double MetricFromJson(const nlohmann::json& value);

// trades.csv: size,entry_bar,exit_bar,entry_price,exit_price,entry_time,exit_time,pnl,
// return_pct,commission,sl,tp,tag (round-trip exact numbers; empty for none).
std::string TradesCsv(std::span<const TradeRecord> trades);
// equity.csv: time,equity,drawdown (drawdown a positive fraction).
std::string EquityCsv(std::span<const TimeNs> time, std::span<const double> equity);

// Shortest text that reads back as the same double ("nan"/"inf" for non-finite).
std::string ExactNumber(double v);

// A strategy parameter's value as typed on the command line: "10", "0.5", "true".
std::string ParamText(const ParamSpec& spec, double value);

}  // namespace btr::cli
