// The comparison page's number, duration and time formatting and its axis ticks: the cases
// where rounding, signs, separators, units or calendar alignment go wrong.
#include "services/compare/report_format.h"

#include <catch2/catch.hpp>
#include <cmath>

namespace btr::compare {
namespace {

using nlohmann::json;

// "2020-01-01" or "2020-01-01T09:30:00" as a time.
TimeNs At(const char* iso) { return ParseIsoTime(iso).value(); }

std::vector<std::string> Labels(const NiceScale& scale) {
  std::vector<std::string> out;
  for (const AxisTick& t : scale.ticks) out.push_back(t.label);
  return out;
}

std::vector<std::string> Labels(const std::vector<TimeTick>& ticks) {
  std::vector<std::string> out;
  for (const TimeTick& t : ticks) out.push_back(t.label);
  return out;
}

TEST_CASE("Grouped separates thousands and never shows a negative zero", "[compare][format]") {
  CHECK(Grouped(1234567.891, 2) == "1,234,567.89");
  CHECK(Grouped(-1234.5, 2) == "-1,234.50");
  CHECK(Grouped(999.999, 2) == "1,000.00");  // the carry makes a new group
  CHECK(Grouped(100000, 0) == "100,000");
  CHECK(Grouped(100, 0) == "100");
  CHECK(Grouped(-0.001, 2) == "0.00");
  CHECK(Grouped(-0.0, 0) == "0");
  CHECK(Grouped(std::nan(""), 2) == "—");
  CHECK(Grouped(-INFINITY, 2) == "-∞");
}

TEST_CASE("fractions read as percentages, money in cents, other numbers to 6 digits",
          "[compare][format]") {
  CHECK(FormatPercent(7.181237000000001) == "718.12 %");
  CHECK(FormatPercent(-0.3279366156491895) == "-32.79 %");
  CHECK(FormatPercent(0.0) == "0.00 %");
  CHECK(FormatPercent(1e-5) == "0.001 %");  // not "0.00 %": a tiny difference stays visible
  CHECK(FormatMoney(81812.37000000001) == "81,812.37");
  CHECK(FormatMoney(-8852.730000000025) == "-8,852.73");
  CHECK(FormatNumber(0.9947444630256107) == "0.994744");
  CHECK(FormatNumber(7.181237000000001) == "7.18124");
  CHECK(FormatNumber(580.19) == "580.19");
  CHECK(FormatNumber(12345.678) == "12,345.7");
  CHECK(FormatNumber(-121) == "-121");
  CHECK(FormatNumber(0) == "0");
  CHECK(FormatNumber(1e-9) == "1e-09");
  CHECK(FormatRatio(0.715702895129024) == "0.716");
  CHECK(FormatRatio(1.4357861345633303) == "1.44");
  CHECK(FormatRatio(0.021408515351462674) == "0.0214");
  CHECK(FormatRatio(-2.5) == "-2.50");
  CHECK(FormatCount(93.0) == "93");
  CHECK(FormatCount(2148) == "2,148");
}

TEST_CASE("durations read in days, hours, minutes or seconds", "[compare][format]") {
  CHECK(FormatSeconds(58752000) == "680 days");
  CHECK(FormatSeconds(269222400) == "3,116 days");
  CHECK(FormatSeconds(86400) == "1 day");
  CHECK(FormatSeconds(90000) == "1 day 1 h");
  CHECK(FormatSeconds(3 * 86400 + 4 * 3600) == "3 days 4 h");
  CHECK(FormatSeconds(86399) == "1 day");  // rounds up into the next unit, not "24 h"
  CHECK(FormatSeconds(3600) == "1 h");
  CHECK(FormatSeconds(5400) == "1 h 30 min");
  CHECK(FormatSeconds(75) == "1 min 15 s");
  CHECK(FormatSeconds(59.96) == "1 min");
  CHECK(FormatSeconds(12) == "12 s");
  CHECK(FormatSeconds(5.2) == "5.2 s");
  CHECK(FormatSeconds(0.35) == "350 ms");
  CHECK(FormatSeconds(0) == "0 s");
  CHECK(FormatSeconds(-3600) == "-1 h");
}

TEST_CASE("JSON values and differences in their unit", "[compare][format]") {
  CHECK(FormatValue(json(nullptr), Unit::kFraction) == "—");
  CHECK(FormatValue(json("inf"), Unit::kRatio) == "∞");
  CHECK(FormatValue(json("2004-08-19T00:00:00Z"), Unit::kTime) == "2004-08-19");
  CHECK(FormatValue(json("2004-08-19T15:30:00Z"), Unit::kTime) == "2004-08-19 15:30");
  CHECK(FormatValue(json("D"), Unit::kText) == "D");
  CHECK(FormatValue(json(0.5), Unit::kFraction) == "50.00 %");
  CHECK(FormatValue(json(86400.0), Unit::kSeconds) == "1 day");
  CHECK(FormatDelta(json(0.0123), Unit::kFraction) == "+1.23 pp");
  CHECK(FormatDelta(json(-0.0123), Unit::kFraction) == "-1.23 pp");
  CHECK(FormatDelta(json(-0.5), Unit::kMoney) == "-0.50");
  CHECK(FormatDelta(json(3), Unit::kCount) == "+3");
  CHECK(FormatDelta(json(0.0), Unit::kMoney) == "0");
  CHECK(FormatDelta(json(2 * 86400.0), Unit::kSeconds) == "+2 days");
  CHECK(FormatDelta(json(nullptr), Unit::kMoney) == "—");
}

TEST_CASE("metric keys have labels and units; unknown keys get them from their name",
          "[compare][format]") {
  CHECK(FormatOfKey("max_drawdown_duration_s").label == "Longest drawdown");
  CHECK(FormatOfKey("max_drawdown_duration_s").unit == Unit::kSeconds);
  CHECK(FormatOfKey("win_rate").unit == Unit::kFraction);
  CHECK(FormatOfKey("equity_final").unit == Unit::kMoney);
  CHECK(FormatOfKey("num_trades").unit == Unit::kCount);
  CHECK(FormatOfKey("holding_period_s").label == "Holding period");
  CHECK(FormatOfKey("holding_period_s").unit == Unit::kSeconds);
  CHECK(FormatOfKey("turnover_ratio").label == "Turnover ratio");
  CHECK(FormatOfKey("turnover_ratio").unit == Unit::kNumber);
}

TEST_CASE("value axes step by 1, 2 or 5 times a power of ten", "[compare][format]") {
  NiceScale unit = MakeNiceScale(0, 1, 6, Unit::kNumber);
  CHECK(unit.step == Approx(0.2));
  // 3 x 0.2 is 0.6000000000000001: the label is still "0.6".
  CHECK(Labels(unit) == std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"});

  NiceScale equity = MakeNiceScale(9873.2, 10412.7, 6, Unit::kMoney);
  CHECK(equity.step == 200);
  CHECK(equity.lo == 9800);
  CHECK(equity.hi == 10600);
  CHECK(Labels(equity) ==
        std::vector<std::string>{"9,800", "10,000", "10,200", "10,400", "10,600"});

  NiceScale drawdown = MakeNiceScale(0, 0.3279, 5, Unit::kFraction);
  CHECK(Labels(drawdown) == std::vector<std::string>{"0 %", "10 %", "20 %", "30 %", "40 %"});

  NiceScale around_zero = MakeNiceScale(-0.35, 0.05, 5, Unit::kNumber);
  CHECK(Labels(around_zero) == std::vector<std::string>{"-0.4", "-0.2", "0.0", "0.2"});

  // A flat curve still gets an axis around its value.
  NiceScale flat = MakeNiceScale(10000, 10000, 5, Unit::kMoney);
  CHECK(Labels(flat) == std::vector<std::string>{"9,500", "10,000", "10,500"});

  NiceScale tiny = MakeNiceScale(1.0000001, 1.0000003, 5, Unit::kNumber);
  for (size_t k = 1; k < tiny.ticks.size(); ++k)
    CHECK(tiny.ticks[k].label != tiny.ticks[k - 1].label);
}

TEST_CASE("value axes cover the data with at most the ticks asked for", "[compare][format]") {
  const std::vector<std::pair<double, double>> ranges = {
      {0, 1}, {-7.3, 12.9}, {0.00012, 0.00047}, {1e6, 3.7e6}, {-5e-3, -1e-3}, {81812.37, 81879.03}};
  for (const auto& [lo, hi] : ranges) {
    for (int max_ticks : {3, 5, 8}) {
      INFO(lo << " .. " << hi << ", at most " << max_ticks);
      const NiceScale s = MakeNiceScale(lo, hi, max_ticks, Unit::kNumber);
      CHECK(s.lo <= lo);
      CHECK(s.hi >= hi);
      CHECK(s.ticks.size() >= 2);
      CHECK(s.ticks.size() <= static_cast<size_t>(max_ticks));
      const double mantissa = s.step / std::pow(10.0, std::floor(std::log10(s.step) + 1e-9));
      CHECK((mantissa == Approx(1) || mantissa == Approx(2) || mantissa == Approx(5)));
      for (size_t k = 1; k < s.ticks.size(); ++k) {
        CHECK(s.ticks[k].value - s.ticks[k - 1].value == Approx(s.step));
      }
    }
  }
}

TEST_CASE("time axes tick on whole years, months, weeks, days, hours or seconds",
          "[compare][format]") {
  // GOOG's 8.5 years: every other year, on 1 January.
  const std::vector<TimeTick> years = MakeTimeTicks(At("2004-08-19"), At("2013-03-01"), 8);
  CHECK(Labels(years) == std::vector<std::string>{"2006", "2008", "2010", "2012"});
  CHECK(years[0].time == At("2006-01-01"));

  CHECK(Labels(MakeTimeTicks(At("2020-01-15"), At("2020-04-20"), 8)) ==
        std::vector<std::string>{"2020-02", "2020-03", "2020-04"});

  // Quarters start in January, April, July and October.
  CHECK(Labels(MakeTimeTicks(At("2019-11-10"), At("2021-08-01"), 8)) ==
        std::vector<std::string>{"2020-01", "2020-04", "2020-07", "2020-10", "2021-01", "2021-04",
                                 "2021-07"});

  // Weeks start on Mondays.
  const std::vector<TimeTick> weeks = MakeTimeTicks(At("2024-01-03"), At("2024-02-20"), 8);
  REQUIRE(weeks.size() == 7);
  CHECK(weeks[0].label == "2024-01-08");
  for (const TimeTick& t : weeks) CHECK(DayOfWeek(t.time) == 0);

  CHECK(Labels(MakeTimeTicks(At("2020-01-01T09:30:00"), At("2020-01-01T16:00:00"), 8)) ==
        std::vector<std::string>{"2020-01-01 10:00", "2020-01-01 11:00", "2020-01-01 12:00",
                                 "2020-01-01 13:00", "2020-01-01 14:00", "2020-01-01 15:00",
                                 "2020-01-01 16:00"});
  CHECK(Labels(MakeTimeTicks(At("2020-01-01"), At("2020-01-01T00:00:20"), 5)) ==
        std::vector<std::string>{"00:00:00", "00:00:05", "00:00:10", "00:00:15", "00:00:20"});

  // Before 1970 (negative times) the days still start at midnight.
  CHECK(Labels(MakeTimeTicks(At("1969-12-30T06:00:00"), At("1970-01-03T06:00:00"), 6)) ==
        std::vector<std::string>{"1969-12-31", "1970-01-01", "1970-01-02", "1970-01-03"});
}

}  // namespace
}  // namespace btr::compare
