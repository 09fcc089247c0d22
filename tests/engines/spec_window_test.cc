// The spec's window (start, end): parsing, normalization, the canonical JSON and its hash, and
// the bars a window selects.
#include "engines/spec_window.h"

#include <catch2/catch.hpp>

#include "engines/data/sha256.h"
#include "engines/spec_json.h"

namespace btr {
namespace {

using nlohmann::json;

TimeNs Day(int y, unsigned m, unsigned d) { return DaysFromCivil(y, m, d) * kNsPerDay; }

json Body(const json& extra = json::object()) {
  json body = {{"strategy", "sma_cross"}, {"dataset", "ds_1"}};
  body.update(extra);
  return body;
}

std::string Error(const json& extra) { return SpecFromJson(Body(extra)).status().message(); }

// Bars at 00:00 of each day from `first` for `days` days, with distinct closes.
BarSeries Daily(TimeNs first, int days) {
  BarSeries bars;
  for (int i = 0; i < days; ++i) {
    const double c = 100 + i;
    bars.Append(first + i * kNsPerDay, c, c + 1, c - 1, c, 10);
  }
  return bars;
}

TEST_CASE("a spec without start and end keeps the canonical JSON and hash it always had") {
  Result<BacktestSpec> spec = SpecFromJson(Body());
  REQUIRE(spec.ok());
  // The canonical text of this spec, written out by hand from the fields a spec had before the
  // window existed (sorted keys, numbers as nlohmann writes doubles).
  const std::string before =
      R"({"cash":10000.0,"commission":0.0,"commission_fixed":0.0,"dataset":"ds_1",)"
      R"("engine":"native","exclusive_orders":false,"fallback":[],"finalize_trades":false,)"
      R"("hedging":false,"margin":1.0,"spread":0.0,)"
      R"("strategy":{"name":"sma_cross","params":{}},"trade_on_close":false})";
  CHECK(SpecToJson(*spec).dump() == before);
  CHECK(SpecHash(*spec) == Sha256Hex(before));
  // Null and "" mean absent: the same spec, the same hash.
  for (const json& unset : {json(nullptr), json("")}) {
    Result<BacktestSpec> same = SpecFromJson(Body({{"start", unset}, {"end", unset}}));
    REQUIRE(same.ok());
    CHECK(same->start.empty());
    CHECK(SpecHash(*same) == SpecHash(*spec));
  }
}

TEST_CASE("start and end round-trip normalized and change the hash") {
  Result<BacktestSpec> spec =
      SpecFromJson(Body({{"start", "20150105"}, {"end", "2015-06-30 16:00"}}));
  REQUIRE(spec.ok());
  CHECK(spec->start == "2015-01-05");
  CHECK(spec->end == "2015-06-30T16:00:00Z");
  const json doc = SpecToJson(*spec);
  CHECK(doc["start"] == "2015-01-05");
  CHECK(doc["end"] == "2015-06-30T16:00:00Z");
  Result<BacktestSpec> again = SpecFromJson(doc);
  REQUIRE(again.ok());
  CHECK(again->start == spec->start);
  CHECK(again->end == spec->end);
  CHECK(SpecHash(*again) == SpecHash(*spec));
  // Spellings of one instant are one spec; another instant is another.
  CHECK(SpecHash(*SpecFromJson(Body({{"start", "2015-01-05"}, {"end", "2015-06-30T16:00:00Z"}}))) ==
        SpecHash(*spec));
  CHECK(SpecHash(*SpecFromJson(Body(
            {{"start", "2015-01-05"}, {"end", "2015-06-30T16:00+00:00"}}))) == SpecHash(*spec));
  CHECK(SpecHash(*SpecFromJson(Body({{"start", "2015-01-05"}}))) != SpecHash(*spec));
  CHECK(SpecHash(*SpecFromJson(Body({{"start", "2015-01-06"}, {"end", "2015-06-30T16:00:00Z"}}))) !=
        SpecHash(*spec));
  // A date and its midnight are different ends (a day versus an instant).
  CHECK(*NormalizeWindowBound("end", "2015-06-30") == "2015-06-30");
  CHECK(*NormalizeWindowBound("end", "2015-06-30T00:00:00Z") == "2015-06-30T00:00:00Z");
  CHECK(*NormalizeWindowBound("start", "2015-06-30T09:30:00.25") ==
        "2015-06-30T09:30:00.250000000Z");
}

TEST_CASE("window errors name the field and the fix") {
  CHECK(
      Error({{"start", "2015-13-01"}}).rfind("start: expected an ISO-8601 date (2015-01-01)", 0) ==
      0);
  CHECK(Error({{"end", "June 30"}}).rfind("end: expected an ISO-8601 date", 0) == 0);
  CHECK(Error({{"end", "June 30"}}).find("got 'June 30'") != std::string::npos);
  // Offsets other than UTC would shift times the bars do not have a zone for.
  CHECK(Error({{"start", "2015-01-05T09:30:00-05:00"}}).rfind("start: expected", 0) == 0);
  CHECK(Error({{"start", 20150105}})
            .rfind("start: expected an ISO-8601 date or date-time string", 0) == 0);
  const std::string after = Error({{"start", "2015-07-01"}, {"end", "2015-06-30"}});
  CHECK(after == "start: 2015-07-01 is after end 2015-06-30; start must not be after end");
  // The same day as start and end is that whole day; an instant later that day is before its end.
  CHECK(SpecFromJson(Body({{"start", "2015-06-30"}, {"end", "2015-06-30"}})).ok());
  CHECK(SpecFromJson(Body({{"start", "2015-06-30T23:59:59Z"}, {"end", "2015-06-30"}})).ok());
  CHECK_FALSE(
      SpecFromJson(Body({{"start", "2015-06-30T00:00:01Z"}, {"end", "2015-06-30T00:00:00Z"}}))
          .ok());
}

TEST_CASE("the window selects the bars in [start, end]; an end date includes its whole day") {
  // Minute-spaced bars over three days, 09:30 to 09:39 each day.
  BarSeries bars;
  for (int d = 0; d < 3; ++d) {
    for (int m = 0; m < 10; ++m) {
      const TimeNs t = Day(2020, 1, 6 + d) + 9 * kNsPerHour + (30 + m) * kNsPerMinute;
      bars.Append(t, 10 + m, 11 + m, 9 + m, 10 + m, 1);
    }
  }
  BacktestSpec spec;
  spec.end = "2020-01-07";
  Result<BarWindow> w = CutToWindow(bars, spec);
  REQUIRE(w.ok());
  CHECK(w->copied());
  CHECK(w->bars().size() == 20);  // both days, the second one whole
  CHECK(w->first_index() == 0);
  spec.start = "2020-01-07T09:35:00Z";
  w = CutToWindow(bars, spec);
  REQUIRE(w.ok());
  REQUIRE(w->bars().size() == 5);
  CHECK(w->first_index() == 15);
  CHECK(w->bars().time.front() == bars.time[15]);
  CHECK(w->bars().close.back() == bars.close[19]);
  CHECK(w->bars().volume.size() == 5);
  // A window holding every bar, or no window: the bars themselves, no copy.
  spec.start = "2019-01-01";
  spec.end = "2021-01-01";
  w = CutToWindow(bars, spec);
  REQUIRE(w.ok());
  CHECK_FALSE(w->copied());
  CHECK(&w->bars() == &bars);
  w = CutToWindow(bars, BacktestSpec{});
  REQUIRE(w.ok());
  CHECK(&w->bars() == &bars);
}

TEST_CASE("a window with fewer than 2 bars says where the dataset's bars are") {
  const BarSeries bars = Daily(Day(2010, 3, 1), 10);  // 2010-03-01 .. 2010-03-10
  BacktestSpec spec;
  spec.start = "2011-01-01";
  Result<BarWindow> w = CutToWindow(bars, spec);
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == StatusCode::kInvalidArgument);
  CHECK(w.status().message() ==
        "start: the window from 2011-01-01 to the last bar holds 0 bars; a backtest needs at "
        "least 2 (the dataset's bars run from 2010-03-01T00:00:00Z to 2010-03-10T00:00:00Z): "
        "choose start and end within them");
  spec.start = "";
  spec.end = "2010-02-01";
  CHECK(CutToWindow(bars, spec).status().message().rfind("end: the window from the first bar", 0) ==
        0);
  spec.start = "2010-03-04";
  spec.end = "2010-03-04";
  const std::string one = CutToWindow(bars, spec).status().message();
  CHECK(one.find("holds 1 bar;") != std::string::npos);
  CHECK(one.find("2010-03-01T00:00:00Z to 2010-03-10T00:00:00Z") != std::string::npos);
  spec.end = "2010-03-05";
  CHECK(CutToWindow(bars, spec).ok());
}

TEST_CASE("submit-time checks need only the dataset's first and last bar") {
  const TimeNs first = Day(2010, 3, 1), last = Day(2010, 3, 10);
  BacktestSpec spec;
  CHECK(CheckWindowOverlaps(spec, first, last).ok());
  CHECK(BarsInWindowIfWhole(spec, 10, first, last) == 10);
  spec.start = "2010-03-11";
  CHECK(CheckWindowOverlaps(spec, first, last).message().rfind("start: 2010-03-11 is after", 0) ==
        0);
  spec.start = "";
  spec.end = "2010-02-28";
  CHECK(CheckWindowOverlaps(spec, first, last).message().rfind("end: 2010-02-28 is before", 0) ==
        0);
  spec.end = "2010-03-01";  // the whole first day: it holds the first bar
  CHECK(CheckWindowOverlaps(spec, first, last).ok());
  CHECK(BarsInWindowIfWhole(spec, 10, first, last) == 0);  // not every bar: unknown count
  spec.end = "2010-03-10";
  spec.start = "2010-03-01";
  CHECK(BarsInWindowIfWhole(spec, 10, first, last) == 10);
}

}  // namespace
}  // namespace btr
