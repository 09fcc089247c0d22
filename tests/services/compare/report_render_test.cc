// The CSV and HTML renderings hold the JSON report's numbers; the page is self-contained and
// escapes what it shows.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <regex>

#include "services/compare/report.h"
#include "services/compare/report_csv.h"
#include "services/compare/report_html.h"
#include "tests/services/compare/compare_test_util.h"

namespace btr::compare {
namespace {

using nlohmann::json;
using testing::kSignals;
using testing::MakeBars;
using testing::MakeRun;
using testing::Simulate;

json TwoRunReport(const std::string& second_label = "native[trade_on_close=true]") {
  const auto bars = MakeBars(150);
  testing::SimOptions toc;
  toc.trade_on_close = true;
  return BuildReport({MakeRun("native", "native", bars, Simulate(*bars, kSignals, {})),
                      MakeRun(second_label, "native", bars, Simulate(*bars, kSignals, toc),
                              {{"trade_on_close", true}})},
                     {"cmp_1", "2026-01-01T00:00:00Z", {{"strategy", "sma_cross"}}}, {});
}

size_t Count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::vector<std::string> Lines(const std::string& csv) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at = csv.find("\r\n"); at != std::string::npos; at = csv.find("\r\n", start)) {
    out.push_back(csv.substr(start, at - start));
    start = at + 2;
  }
  return out;
}

TEST_CASE("CSV fields are quoted when needed; numbers as the JSON writes them", "[compare]") {
  CHECK(CsvField(json("plain")) == "plain");
  CHECK(CsvField(json("a,b")) == "\"a,b\"");
  CHECK(CsvField(json("say \"hi\"")) == "\"say \"\"hi\"\"\"");
  CHECK(CsvField(json(nullptr)).empty());
  CHECK(CsvField(json(0.1)) == "0.1");
  CHECK(CsvField(json(7.181234567890123)) == json(7.181234567890123).dump());
  CHECK(CsvField(json::array({"size", "pnl"})) == "size pnl");
}

TEST_CASE("the metrics CSV has one row per metric and run, the trades CSV one per pair",
          "[compare]") {
  const json report = TwoRunReport();
  const std::vector<std::string> metrics = Lines(MetricsCsv(report));
  REQUIRE(!metrics.empty());
  CHECK(metrics[0].rfind("key,run,engine,canonical,engine_value,engine_verdict", 0) == 0);
  CHECK(metrics.size() == 1 + 2 * report["metrics"].size());
  // The total_return row of the second run carries the JSON's numbers verbatim.
  const json& row = *std::find_if(report["metrics"].begin(), report["metrics"].end(),
                                  [](const json& r) { return r["key"] == "total_return"; });
  const std::string expected = "total_return,native[trade_on_close=true],native," +
                               row["values"][1]["canonical"].dump() + ",";
  CHECK(std::any_of(metrics.begin(), metrics.end(),
                    [&](const std::string& l) { return l.rfind(expected, 0) == 0; }));
  const std::vector<std::string> trades = Lines(TradesCsv(report));
  CHECK(trades.size() == 1 + kSignals.size());
  CHECK(trades[1].find(",paired,long,") != std::string::npos);
}

TEST_CASE("the HTML page is self-contained and its cells hold the JSON values", "[compare]") {
  const json report = TwoRunReport();
  const std::string html = RenderHtml(report);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  // Nothing is fetched: no external script, style, image or font.
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(Count(html, "<script") == 2);
  CHECK(html.find("id=\"equity-chart\"") != std::string::npos);
  CHECK(html.find("id=\"drawdown-chart\"") != std::string::npos);
  // The inlined report parses back to the same JSON.
  const size_t start = html.find("id=\"report-data\">") + 17;
  const size_t end = html.find("</script>", start);
  CHECK(json::parse(html.substr(start, end - start)) == report);
  // Each metric cell carries its value exactly.
  for (const json& row : report["metrics"]) {
    for (const json& v : row["values"]) {
      const json& c = v["canonical"];
      const std::string exact = c.is_string() ? c.get<std::string>() : c.dump();
      INFO(row["key"] << " " << v["run"]);
      CHECK(html.find("data-value=\"" + exact + "\" title=\"" + exact + "\" data-run=\"" +
                      v["run"].get<std::string>() + "\" data-field=\"canonical\"") !=
            std::string::npos);
    }
  }
  CHECK(Count(html, "<tr data-key=") == report["metrics"].size());
}

TEST_CASE("labels and texts are escaped; the inlined JSON cannot close its script", "[compare]") {
  const json report = TwoRunReport("</script><img src=x onerror=alert(1)>");
  const std::string html = RenderHtml(report);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(Count(html, "</script>") == 2);
  CHECK(html.find("&lt;/script&gt;&lt;img") != std::string::npos);
  CHECK(ScriptSafeJson(json("a</script>&")) == "\"a\\u003c/script\\u003e\\u0026\"");
}

// The text a reader sees: the page without its tags, scripts and preformatted specs.
std::string VisibleText(const std::string& html) {
  std::string out;
  size_t at = 0;
  while (at < html.size()) {
    for (const char* block : {"<script", "<pre"}) {
      if (html.compare(at, std::strlen(block), block) == 0) {
        const std::string close = std::string("</") + (block + 1) + ">";
        at = html.find(close, at) + close.size();
      }
    }
    if (at >= html.size()) break;
    if (html[at] == '<') {
      at = html.find('>', at) + 1;
      out += ' ';
    } else {
      out += html[at++];
    }
  }
  return out;
}

// The shown text of the second run's `field` cell in `row_key`'s metric row.
std::string MetricCell(const std::string& html, const std::string& row_key,
                       const std::string& field) {
  const size_t row = html.find("<tr data-key=\"" + row_key + "\">");
  const size_t cell =
      html.find("data-run=\"native[trade_on_close=true]\" data-field=\"" + field + "\"", row);
  const size_t from = html.find('>', cell) + 1;
  return html.substr(from, html.find("</td>", from) - from);
}

// The labels of the text elements of `css` class inside the svg of `id`.
std::vector<std::string> TickLabels(const std::string& html, const std::string& id,
                                    const std::string& css) {
  const size_t start = html.find("<svg id=\"" + id + "\"");
  const size_t end = html.find("</svg>", start);
  std::vector<std::string> out;
  const std::string tag = "<text class=\"axis " + css + "\"";
  for (size_t at = html.find(tag, start); at < end; at = html.find(tag, at + 1)) {
    const size_t from = html.find('>', at) + 1;
    out.push_back(html.substr(from, html.find("</text>", from) - from));
  }
  return out;
}

TEST_CASE("the page shows numbers for people: percentages, money, durations, no long floats",
          "[compare][format]") {
  const json report = TwoRunReport();
  const std::string html = RenderHtml(report);
  const std::string text = VisibleText(html);
  std::smatch long_float;
  const bool found = std::regex_search(text, long_float, std::regex(R"(.{0,60}\d\.\d{7,})"));
  INFO((found ? long_float.str() : ""));
  CHECK(!found);
  // Labels for people; the key is the tooltip.
  CHECK(html.find("<td class=\"metric\" title=\"sharpe_ratio\">Sharpe ratio</td>") !=
        std::string::npos);
  CHECK(std::regex_match(MetricCell(html, "total_return", "canonical"),
                         std::regex(R"(-?[\d,]+\.\d\d %)")));
  CHECK(std::regex_match(MetricCell(html, "total_return", "delta"),
                         std::regex(R"(0|[+-][\d,.]+ pp)")));
  CHECK(std::regex_match(MetricCell(html, "equity_final", "canonical"),
                         std::regex(R"([\d]{1,3}(,\d{3})*\.\d\d)")));
  CHECK(MetricCell(html, "duration_s", "canonical") == "149 days");
  CHECK(MetricCell(html, "start", "canonical").find('T') == std::string::npos);
  // Every wide table sits in a box that scrolls sideways, so the page does not.
  for (const char* table : {"<table id=\"runs\"", "<table id=\"metrics\"",
                            "<table id=\"conventions\"", "<table class=\"trades\""}) {
    INFO(table);
    const size_t at = html.find(table);
    REQUIRE(at != std::string::npos);
    CHECK(html.rfind("<div class=\"scroll\">", at) == at - 20);
  }
}

TEST_CASE("the charts are drawn in the page, on round ticks and dates", "[compare][format]") {
  const json report = TwoRunReport();
  const std::string html = RenderHtml(report);
  for (const char* chart : {"equity-chart", "drawdown-chart"}) {
    INFO(chart);
    const std::vector<std::string> ys = TickLabels(html, chart, "tick-y");
    REQUIRE(ys.size() >= 2);
    CHECK(ys.size() <= 7);
    std::vector<double> values;
    for (std::string label : ys) {
      label.erase(std::remove(label.begin(), label.end(), ','), label.end());
      values.push_back(std::stod(label));  // "10 %" reads as 10
    }
    const double step = values[1] - values[0];
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    CHECK((mantissa == Approx(1) || mantissa == Approx(2) || mantissa == Approx(5)));
    for (size_t k = 1; k < values.size(); ++k) CHECK(values[k] - values[k - 1] == Approx(step));
    const std::vector<std::string> xs = TickLabels(html, chart, "tick-x");
    REQUIRE(xs.size() >= 2);
    for (const std::string& label : xs)
      CHECK(std::regex_match(label, std::regex(R"(\d{4}-\d\d(-\d\d)?)")));
  }
  CHECK(Count(html, "<polyline class=\"series\"") == 4);
  CHECK(TickLabels(html, "drawdown-chart", "tick-y").front() == "0 %");
}

}  // namespace
}  // namespace btr::compare
