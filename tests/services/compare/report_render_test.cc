// The CSV and HTML renderings hold the JSON report's numbers; the page is self-contained and
// escapes what it shows.
#include <catch2/catch.hpp>
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

}  // namespace
}  // namespace btr::compare
