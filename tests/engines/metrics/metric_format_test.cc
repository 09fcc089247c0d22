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
    CHECK(d.label != key);  // a label, not the JSON key
    CHECK(d.label.find('_') == std::string_view::npos);
    CHECK((d.unit == MetricUnit::kDuration) == key.ends_with("_s"));
  }
  CHECK(DisplayOf("duration_s").label == "Duration");
  CHECK(DisplayOf("max_drawdown_duration_s").label == "Max. drawdown duration");
  // A key of an engine's own: its name, in seconds when it says so.
  CHECK(DisplayOf("engine_specific").label == "engine_specific");
  CHECK(DisplayOf("engine_specific").unit == MetricUnit::kRatio);
  CHECK(DisplayOf("warmup_s").unit == MetricUnit::kDuration);
}

TEST_CASE("durations read as days and a clock") {
  CHECK(FormatDuration(3116 * 86400.0) == "3,116 days");
  CHECK(FormatDuration(86400) == "1 day");
  CHECK(FormatDuration(2 * 86400 + 4 * 3600) == "2 days 04:00:00");
  CHECK(FormatDuration(3 * 3600 + 12 * 60) == "03:12:00");
  CHECK(FormatDuration(0) == "00:00:00");
  CHECK(FormatDuration(0.25) == "0.25 s");
  CHECK(FormatDuration(std::nan("")) == "n/a");
}

TEST_CASE("numbers get thousands separators and no negative zero") {
  CHECK(FormatGrouped(56263.51934, 2) == "56,263.52");
  CHECK(FormatGrouped(1234567, 0) == "1,234,567");
  CHECK(FormatGrouped(999.996, 2) == "1,000.00");
  CHECK(FormatGrouped(-1234.5, 1) == "-1,234.5");
  CHECK(FormatGrouped(-0.001, 2) == "0.00");
  CHECK(FormatGrouped(12, 0) == "12");
  CHECK(FormatGrouped(HUGE_VAL, 2) == "inf");
}

TEST_CASE("metric values: percentages, drawdowns negative, money, counts, ratios") {
  CHECK(FormatMetricValue("total_return", 4.6264) == "462.64 %");
  CHECK(FormatMetricValue("worst_trade", -0.1683) == "-16.83 %");
  // Canonical drawdowns are positive fractions; people read them as losses.
  CHECK(FormatMetricValue("max_drawdown", 0.3393159) == "-33.93 %");
  CHECK(FormatMetricValue("max_drawdown", 0) == "0.00 %");
  CHECK(DisplaySign(DisplayOf("max_drawdown").unit) == -1);
  CHECK(DisplaySign(DisplayOf("total_return").unit) == 1);
  CHECK(FormatMetricValue("equity_final", 56263.51934) == "56,263.52");
  CHECK(FormatMetricValue("num_trades", 1093) == "1,093");
  CHECK(FormatMetricValue("sharpe_ratio", 0.60071) == "0.6007");
  CHECK(FormatMetricValue("profit_factor", HUGE_VAL) == "n/a");  // null in the JSON
  CHECK(FormatMetricValue("sharpe_ratio", std::nan("")) == "n/a");
  CHECK(FormatMetricValue("max_trade_duration_s", 121 * 86400.0) == "121 days");
  CHECK(FormatMetricValue("start", 86400) == "1970-01-02T00:00:00Z");
}

}  // namespace
}  // namespace btr
