// The comparison report (report.h) as one self-contained HTML page: no external file, font,
// script or style; the report JSON is inlined (<script type="application/json"
// id="report-data">) and the page's own script draws the equity and drawdown charts from it as
// inline SVG, so it opens offline. The tables are written as HTML (readable without script);
// every number cell carries the JSON value verbatim in `data-value` (shortest round-trip
// decimals, or "null"), so a reader can check the page against the JSON.
//
// Elements a test (or a user script) can rely on: table#runs, table#metrics (one tbody row per
// metric, td[data-run][data-field] cells), table#conventions (canonical and engine conventions
// per run), section.pair[data-a][data-b] with table.pair-summary
// and table.trades, ul#explanations > li[data-cause], svg#equity-chart and svg#drawdown-chart
// with one polyline.series[data-run][data-points] per run. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace btr::compare {

std::string RenderHtml(const nlohmann::json& report);

// Text escaped for HTML element content and attribute values.
std::string HtmlEscape(const std::string& text);

// The JSON text safe inside a <script> element ('<', '>' and '&' as \u escapes).
std::string ScriptSafeJson(const nlohmann::json& value);

// The page's stylesheet and chart script (report_html_assets.cc).
extern const char* const kReportCss;
extern const char* const kReportScript;

}  // namespace btr::compare
