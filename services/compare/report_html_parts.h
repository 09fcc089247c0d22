// Pieces of the comparison page (report_html.h) shared by its source files: JSON access that
// reads a missing member as null, attribute text, and the charts section (report_html_charts.cc).
// Internal to services/compare. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace btr::compare::html {

// j[key], or null when j is not an object or has no such member.
nlohmann::json At(const nlohmann::json& j, const char* key);
// A string as it is, null as "", anything else as JSON text.
std::string Str(const nlohmann::json& j);
// ` name="value"` with the value escaped.
std::string Attr(const std::string& name, const std::string& value);

// The "Equity and drawdown" section: a legend and two inline SVG charts (svg#equity-chart and
// svg#drawdown-chart) drawn from report["curves"] on a shared time axis, with round value ticks
// (report_format.h MakeNiceScale), date ticks (MakeTimeTicks), grid lines and one
// polyline.series[data-run][data-points] per run. Each svg carries data-plot="left top width
// height" (its plot area in viewBox units) and data-t0/data-t1 (the axis ends, ms since the
// epoch) for the page's hover read-out. Readable without script.
std::string ChartsSection(const nlohmann::json& report);

}  // namespace btr::compare::html
