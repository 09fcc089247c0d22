#include "engines/core/time.h"

#include <catch2/catch.hpp>
#include <cmath>

namespace btr {
namespace {

TEST_CASE("ParseIsoTime accepts dates and date-times") {
  CHECK(ParseIsoTime("1970-01-01") == 0);
  CHECK(ParseIsoTime("1970-01-02 00:00:01") == kNsPerDay + kNsPerSecond);
  CHECK(ParseIsoTime("2020-01-01T00:00:00Z") == DaysFromCivil(2020, 1, 1) * kNsPerDay);
  CHECK(ParseIsoTime("2020-01-01 09:30") ==
        DaysFromCivil(2020, 1, 1) * kNsPerDay + 9 * kNsPerHour + 30 * kNsPerMinute);
  CHECK(ParseIsoTime("19980102 00:00") == DaysFromCivil(1998, 1, 2) * kNsPerDay);
  CHECK(ParseIsoTime("2020-01-01 00:00:00.25") ==
        DaysFromCivil(2020, 1, 1) * kNsPerDay + 250'000'000);
}

TEST_CASE("ParseIsoTime rejects malformed or out-of-range text") {
  CHECK_FALSE(ParseIsoTime("2020-02-30"));
  CHECK_FALSE(ParseIsoTime("2021-02-29"));
  CHECK(ParseIsoTime("2020-02-29"));
  CHECK_FALSE(ParseIsoTime("2020-13-01"));
  CHECK_FALSE(ParseIsoTime("2020-01-01 25:00:00"));
  CHECK_FALSE(ParseIsoTime("2020-01-01+05:00"));
  CHECK_FALSE(ParseIsoTime("2020-01-01 10:00:00+05:00"));
  CHECK_FALSE(ParseIsoTime("abc"));
  CHECK_FALSE(ParseIsoTime(""));
  CHECK_FALSE(ParseIsoTime("1600-01-01"));  // outside int64 nanoseconds
  CHECK_FALSE(ParseIsoTime("9999-12-31 23:59:59"));
  CHECK(ParseIsoTime("2261-12-31"));
}

TEST_CASE("Civil conversions round-trip and know the weekday") {
  for (TimeNs t :
       {TimeNs{0}, -kNsPerDay - 1, DaysFromCivil(2004, 8, 19) * kNsPerDay + 5 * kNsPerHour,
        DaysFromCivil(2400, 2, 29) * kNsPerDay}) {
    CHECK(ParseIsoTime(FormatIsoTime(t)) == t);
  }
  CHECK(DayOfWeek(0) == 3);                            // 1970-01-01 was a Thursday
  CHECK(DayOfWeek(*ParseIsoTime("2026-11-22")) == 6);  // a Sunday
  CHECK(DayOfWeek(-1) == 2);                           // the last nanosecond of a Wednesday
  CHECK(FormatCsvTime(*ParseIsoTime("2020-01-01T00:01:00")) == "2020-01-01 00:01:00");
  CHECK(FormatIsoTime(*ParseIsoTime("2020-01-01 00:00:00.5"), true) ==
        "2020-01-01T00:00:00.500000000Z");
}

TEST_CASE("wall times are shown in µs, ms, s or minutes, never as 0.0 ms") {
  CHECK(FormatElapsed(41e-6) == "41 µs");
  CHECK(FormatElapsed(0) == "0 µs");
  CHECK(FormatElapsed(2e-7) == "< 1 µs");
  CHECK(FormatElapsed(0.0009996) == "1.00 ms");  // not "1000 µs"
  CHECK(FormatElapsed(0.00152) == "1.52 ms");
  CHECK(FormatElapsed(0.0123) == "12.3 ms");
  CHECK(FormatElapsed(0.153) == "153 ms");
  CHECK(FormatElapsed(0.9996) == "1.00 s");
  CHECK(FormatElapsed(1.52) == "1.52 s");
  CHECK(FormatElapsed(12.34) == "12.3 s");
  CHECK(FormatElapsed(125) == "2 min 05 s");
  CHECK(FormatElapsed(3725) == "1 h 02 min");
  CHECK(FormatElapsed(-1) == "n/a");
  CHECK(FormatElapsed(std::nan("")) == "n/a");
}

}  // namespace
}  // namespace btr
