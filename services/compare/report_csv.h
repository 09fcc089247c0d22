// CSV renderings of a comparison report (report.h), RFC 4180 (CRLF line ends, fields with
// commas, quotes or line breaks quoted). Numbers are written exactly as in the JSON report
// (shortest round-trip decimals); undefined values are empty fields. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace btr::compare {

// One row per (metric, run):
// key,run,engine,canonical,engine_value,engine_verdict,engine_note,baseline,delta,rel_delta,
// verdict,note
std::string MetricsCsv(const nlohmann::json& report);

// One row per paired trade and per trade without a counterpart, for every pair of runs:
// a,b,match,side,a_index,b_index,a_entry_time,b_entry_time,entry_bar_delta,a_entry_price,
// b_entry_price,entry_price_delta,a_exit_time,b_exit_time,exit_bar_delta,a_exit_price,
// b_exit_price,exit_price_delta,a_size,b_size,size_delta,a_pnl,b_pnl,pnl_delta,a_commission,
// b_commission,commission_delta,a_entry_fill,b_entry_fill,differs
std::string TradesCsv(const nlohmann::json& report);

// A CSV field: numbers as JSON writes them, strings quoted when needed, null empty.
std::string CsvField(const nlohmann::json& value);

}  // namespace btr::compare
