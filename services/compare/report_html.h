// The comparison report (report.h) as one self-contained HTML page: no external file, font,
// script or style, so it opens offline. Everything is written as HTML and inline SVG, readable
// without script: the tables (numbers formatted for people by report_format.h — percentages,
// money, durations — each wide table in a box that scrolls sideways, so the page never does)
// and the equity and drawdown charts (report_html_parts.h ChartsSection: round value ticks,
// date ticks). The report JSON is inlined (<script type="application/json" id="report-data">)
// and the page's small script adds the charts' hover read-out from it. Every number cell
// carries the JSON value verbatim in `data-value` (shortest round-trip decimals, or "null"), so
// a reader can check the page against the JSON.
//
// Elements a test (or a user script) can rely on: table#runs, table#metrics (one tbody row per
// metric, tr[data-key], td[data-run][data-field] cells), table#conventions (canonical and
// engine conventions per run), section.pair[data-a][data-b] with table.pair-summary
// and table.trades, ul#explanations > li[data-cause], svg#equity-chart and svg#drawdown-chart
// with one polyline.series[data-run][data-points] per run and text.tick-y / text.tick-x axis
// labels. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace btr::compare {

std::string RenderHtml(const nlohmann::json& report);

// Text escaped for HTML element content and attribute values.
std::string HtmlEscape(const std::string& text);

// The JSON text safe inside a <script> element ('<', '>' and '&' as \u escapes).
std::string ScriptSafeJson(const nlohmann::json& value);

// The page's stylesheet and hover script (report_html_assets.cc).
extern const char* const kReportCss;
extern const char* const kReportScript;

}  // namespace btr::compare
