// The labels and units every human surface shows canonical metrics with. The number and
// duration rules themselves are held in tests/services/compare/report_format_test.cc.
#include "engines/metrics/metric_format.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "engines/metrics/metrics.h"

namespace btr {
namespace {

TEST_CASE("every canonical key has a label for people and a unit") {
  for (const auto& [key, value] : MetricsFields(Metrics{})) {
    const MetricDisplay d = DisplayOf(key);
    INFO(key);
    CHECK(d.label.find('_') == std::string::npos);  // a label, not the JSON key
    CHECK((d.unit == MetricUnit::kSeconds) == key.ends_with("_s"));
    CHECK(d.unit != MetricUnit::kNumber);  // every canonical key is listed
  }
  CHECK(DisplayOf("duration_s").label == "Duration");
  CHECK(DisplayOf("max_drawdown_duration_s").label == "Longest drawdown");
  // A key of an engine's own: a label from its words, in seconds when it says so.
  CHECK(DisplayOf("engine_specific").label == "Engine specific");
  CHECK(DisplayOf("engine_specific").unit == MetricUnit::kNumber);
  CHECK(DisplayOf("warmup_s").label == "Warmup");
  CHECK(DisplayOf("warmup_s").unit == MetricUnit::kSeconds);
}

TEST_CASE("metric values in their units; drawdowns as the positive fractions they are") {
  CHECK(FormatMetricValue("total_return", 4.6264) == "462.64 %");
  CHECK(FormatMetricValue("worst_trade", -0.1683) == "-16.83 %");
  CHECK(FormatMetricValue("max_drawdown", 0.3393159) == "33.93 %");
  CHECK(FormatMetricValue("equity_final", 56263.51934) == "56,263.52");
  CHECK(FormatMetricValue("num_trades", 1093) == "1,093");
  CHECK(FormatMetricValue("sharpe_ratio", 0.60071) == "0.601");
  CHECK(FormatMetricValue("max_drawdown_duration_s", 830 * 86400.0) == "830 days");
  CHECK(FormatMetricValue("duration_s", 3.5 * 86400) == "3 days 12 h");
  CHECK(FormatMetricValue("engine_specific", 2.5) == "2.5");
  // Undefined and infinite values read alike, as the canonical JSON's null.
  CHECK(FormatMetricValue("sharpe_ratio", std::nan("")) == "—");
  CHECK(FormatMetricValue("profit_factor", HUGE_VAL) == "—");
}

}  // namespace
}  // namespace btr
