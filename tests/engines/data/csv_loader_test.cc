#include "engines/data/csv_loader.h"

#include <catch2/catch.hpp>
#include <string>

#include "engines/core/time.h"
#include "engines/core/utf8.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::SharedData;
using testing::TempDir;

TimeNs T(const char* iso) { return *ParseIsoTime(iso); }

// Parses `text` as "x.csv" and returns the error message (empty when it parsed).
std::string ErrorOf(std::string_view text) {
  Result<BarSeries> r = ParseCsv(text, "x.csv");
  return r.ok() ? std::string() : r.status().message();
}

TEST_CASE("LoadCsvFile reads GOOG.csv", "[csv]") {
  Result<BarSeries> r = LoadCsvFile(SharedData("GOOG.csv"));
  REQUIRE(r.ok());
  const BarSeries& b = *r;
  REQUIRE(b.size() == 2148);
  CHECK(b.symbol == "GOOG");
  CHECK(b.has_volume);
  CHECK(b.time.front() == T("2004-08-19"));
  CHECK(b.open.front() == 100.0);
  CHECK(b.high.front() == 104.06);
  CHECK(b.low.front() == 95.96);
  CHECK(b.close.front() == 100.34);
  CHECK(b.volume.front() == 22351900.0);
  CHECK(b.time.back() == T("2013-03-01"));
  CHECK(b.close.back() == 806.19);
  CHECK(b.volume.back() == 2175400.0);
}

TEST_CASE("LoadCsvFile reads EURUSD.csv with date-times", "[csv]") {
  Result<BarSeries> r = LoadCsvFile(SharedData("EURUSD.csv"));
  REQUIRE(r.ok());
  const BarSeries& b = *r;
  REQUIRE(b.size() == 5000);
  CHECK(b.time.front() == T("2017-04-19 09:00:00"));
  CHECK(b.open.front() == 1.0716);
  CHECK(b.low.front() == 1.07083);
  CHECK(b.close.front() == 1.07219);
  CHECK(b.time.back() == T("2018-02-07 15:00:00"));
  CHECK(b.high.back() == 1.23444);
  CHECK(b.volume.back() == 6143.0);
}

TEST_CASE("LoadCsvFile reads BTCUSD.csv with fractional volume", "[csv]") {
  Result<BarSeries> r = LoadCsvFile(SharedData("BTCUSD.csv"));
  REQUIRE(r.ok());
  const BarSeries& b = *r;
  REQUIRE(b.size() == 156);
  CHECK(b.time.front() == T("2012-01-31"));
  CHECK(b.volume.front() == 2012.25343589);
  CHECK(b.time.back() == T("2024-12-31"));
  CHECK(b.high.back() == 108364.0);
  CHECK(b.volume.back() == 25342.80228337);
}

TEST_CASE("CSV errors name the file, line and column", "[csv]") {
  TempDir dir;
  SECTION("missing file") {
    Result<BarSeries> r = LoadCsvFile(dir.Path("nope.csv"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kNotFound);
    CHECK(r.status().message() ==
          dir.Path("nope.csv") + ": cannot open: No such file or directory");
  }
  SECTION("a folder") {
    Result<BarSeries> r = LoadCsvFile(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("Is a directory") != std::string::npos);
  }
  SECTION("bad number") {
    CHECK(ErrorOf("time,open,high,low,close\n2020-01-01,1,2,0.5,1\n2020-01-02,1,2,0.5,abc\n") ==
          "x.csv:3: column 'close': expected a number, got 'abc'");
  }
  SECTION("empty number") {
    CHECK(ErrorOf("time,open,high,low,close\n2020-01-01,1,,0.5,1\n") ==
          "x.csv:2: column 'high': expected a number, got ''");
  }
  SECTION("missing column") {
    CHECK(ErrorOf("time,open,high,low\n2020-01-01,1,2,0.5\n") ==
          "x.csv:1: missing column 'close' (header has: time, open, high, low)");
  }
  SECTION("missing time column") {
    const std::string e = ErrorOf("open,high,low,close\n1,2,0.5,1\n");
    CHECK(e.rfind("x.csv:1: missing the time column", 0) == 0);
  }
  SECTION("time going backwards") {
    CHECK(ErrorOf("date,open,high,low,close\n2020-01-02,1,2,0.5,1\n2020-01-01,1,2,0.5,1\n") ==
          "x.csv:3: column 'time': 2020-01-01T00:00:00 goes backwards from 2020-01-02T00:00:00; "
          "times must be strictly increasing");
  }
  SECTION("duplicate time") {
    const std::string e = ErrorOf(
        "date,open,high,low,close\n2020-01-01 10:00:00,1,2,0.5,1\n"
        "2020-01-01 10:00:00,1,2,0.5,1\n");
    CHECK(e.rfind("x.csv:3: column 'time': 2020-01-01T10:00:00 repeats", 0) == 0);
  }
  SECTION("NaN price") {
    CHECK(ErrorOf("date,open,high,low,close\n2020-01-01,NaN,2,0.5,1\n") ==
          "x.csv:2: column 'open': expected a finite price, got nan");
  }
  SECTION("negative price") {
    CHECK(ErrorOf("date,open,high,low,close\n2020-01-01,1,2,-0.5,1\n") ==
          "x.csv:2: column 'low': expected a price > 0, got -0.5");
  }
  SECTION("high below low") {
    CHECK(ErrorOf("date,open,high,low,close\n2020-01-01,1,1,2,1\n") ==
          "x.csv:2: column 'high': high 1 is below low 2");
  }
  SECTION("negative volume") {
    CHECK(ErrorOf("date,open,high,low,close,volume\n2020-01-01,1,2,0.5,1,-5\n") ==
          "x.csv:2: column 'volume': expected a finite number >= 0, got -5");
  }
  SECTION("bad time") {
    CHECK(ErrorOf("date,open,high,low,close\n2020-13-01,1,2,0.5,1\n")
              .rfind("x.csv:2: column 'time': expected a date or date-time", 0) == 0);
    // Years whose nanosecond counts do not fit in int64 are rejected, not overflowed.
    CHECK(ErrorOf("date,open,high,low,close\n9999-01-01,1,2,0.5,1\n")
              .rfind("x.csv:2: column 'time': expected a date or date-time", 0) == 0);
    CHECK(ErrorOf("timestamp,open,high,low,close\n99999999999999999,1,2,0.5,1\n") ==
          "x.csv:2: column 'time': epoch milliseconds out of range, got '99999999999999999'");
  }
  SECTION("empty file") {
    CHECK(ErrorOf("") == "x.csv: file is empty");
    CHECK(ErrorOf("\xEF\xBB\xBF\r\n\n") == "x.csv: file is empty");
    Result<BarSeries> r = LoadCsvFile(dir.Write("empty.csv", ""));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == dir.Path("empty.csv") + ": file is empty");
  }
  SECTION("header only") {
    CHECK(ErrorOf("date,open,high,low,close\n") ==
          "x.csv: no data rows after the header on line 1");
    CHECK(ErrorOf("date,open,high,low,close\r\n\r\n") ==
          "x.csv: no data rows after the header on line 1");
  }
  SECTION("short and long rows") {
    CHECK(ErrorOf("date,open,high,low,close\n2020-01-01,1,2,0.5\n") ==
          "x.csv:2: column 'close': missing value (the row has 4 fields, the header has 5)");
    CHECK(ErrorOf("date,open,high,low,close\n2020-01-01,1,2,0.5,1,7\n") ==
          "x.csv:2: the row has 6 fields, the header has 5");
  }
  SECTION("duplicate columns") {
    CHECK(ErrorOf("date,open,high,low,close,Close\n2020-01-01,1,2,0.5,1,1\n")
              .rfind("x.csv:1: column 'close' appears twice", 0) == 0);
    CHECK(ErrorOf("date,time,open,high,low,close\n").rfind("x.csv:1: two time columns", 0) == 0);
  }
  SECTION("binary garbage") {
    std::string junk;
    for (int i = 0; i < 100000; ++i) junk += static_cast<char>((i * 7919) % 251);
    const std::string e = ErrorOf(junk);
    CHECK(e.rfind("x.csv:1: ", 0) == 0);
    CHECK(e.size() < 2000);
  }
  SECTION("long values are cut in messages") {
    const std::string e =
        ErrorOf("date,open,high,low,close\n2020-01-01,1,2,0.5," + std::string(100, 'z') + "\n");
    CHECK(e == "x.csv:2: column 'close': expected a number, got '" + std::string(40, 'z') + "...'");
  }
}

TEST_CASE("CSV accepts epoch seconds and milliseconds", "[csv]") {
  Result<BarSeries> s =
      ParseCsv("timestamp,open,high,low,close\n1577836800,1,2,0.5,1\n1577836860,1,2,0.5,1\n", "s");
  REQUIRE(s.ok());
  CHECK(s->time[0] == T("2020-01-01 00:00:00"));
  CHECK(s->time[1] == T("2020-01-01 00:01:00"));
  Result<BarSeries> ms = ParseCsv(
      "timestamp,open,high,low,close\n1577836800000,1,2,0.5,1\n1577836800500,1,2,0.5,1\n", "ms");
  REQUIRE(ms.ok());
  CHECK(ms->time[0] == T("2020-01-01 00:00:00"));
  CHECK(ms->time[1] == T("2020-01-01 00:00:00.5"));
  CHECK(ErrorOf("timestamp,open,high,low,close\n1577836800,1,2,0.5,1\n2020-01-02,1,2,0.5,1\n") ==
        "x.csv:3: column 'time': expected integer epoch seconds (as in the first row), got "
        "'2020-01-02'");
}

TEST_CASE("CSV accepts CRLF, BOM, any-case headers, extra columns, quotes", "[csv]") {
  const std::string text =
      "\xEF\xBB\xBF"
      "Symbol,DATE,Close,Adj Close,LOW,High,Open,Volume,Note\r\n"
      "X,2020-01-01,1.5,1.4,1.0,2.0,1.25,100,a\r\n"
      "\r\n"
      "X,\"2020-01-02T09:30:00\",\"1.75\",1.6,1.5,2.5,1.5,200,b\r\n"
      "\r\n";
  Result<BarSeries> r = ParseCsv(text, "mixed.csv");
  REQUIRE(r.ok());
  const BarSeries& b = *r;
  REQUIRE(b.size() == 2);
  CHECK(b.has_volume);
  CHECK(b.time[0] == T("2020-01-01"));
  CHECK(b.open[0] == 1.25);
  CHECK(b.high[0] == 2.0);
  CHECK(b.low[0] == 1.0);
  CHECK(b.close[0] == 1.5);
  CHECK(b.volume[0] == 100.0);
  CHECK(b.time[1] == T("2020-01-02 09:30:00"));
  CHECK(b.close[1] == 1.75);
}

TEST_CASE("CSV without volume, without final newline, with scientific numbers", "[csv]") {
  Result<BarSeries> r = ParseCsv(",Open,High,Low,Close\n2020-01-01 00:00,1e2,1.5E2,50,100", "n");
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_volume);
  CHECK(r->open[0] == 100.0);
  CHECK(r->high[0] == 150.0);
  CHECK(r->volume[0] == 0.0);
}

TEST_CASE("CSV numbers are parsed exactly like from_chars", "[csv]") {
  // Values near rounding boundaries and with many digits take the slow path or the exact fast
  // path; both must give the correctly rounded double.
  Result<BarSeries> r = ParseCsv(
      "date,open,high,low,close\n"
      "2020-01-01,0.1,123456789012.345,0.000012345678901234567,9007199254740993\n",
      "n");
  REQUIRE(r.ok());
  CHECK(r->open[0] == 0.1);
  CHECK(r->high[0] == 123456789012.345);
  CHECK(r->low[0] == 0.000012345678901234567);
  CHECK(r->close[0] == 9007199254740992.0);
}

// Messages go into JSON answers (POST /v1/datasets), which cannot hold invalid UTF-8.
TEST_CASE("CSV messages stay valid UTF-8 whatever the bytes", "[csv]") {
  SECTION("a binary file's first line as the header (found by fuzzing)") {
    static constexpr char kZipStart[] = "PK\x03\x04\x2d\x00\x08\x00\xe1\x32ZR\xc2\x79,x\n1,2\n";
    const std::string e = ErrorOf(std::string_view(kZipStart, sizeof kZipStart - 1));
    CHECK(IsValidUtf8(e));
    CHECK(e.find("(header has: PK\\x03\\x04-\\x00\\x08\\x00\\xe12ZR\\xc2y, x)") !=
          std::string::npos);
  }
  SECTION("a header name is cut between characters, not inside one") {
    const std::string name = std::string(39, 'n') + "\xc3\xa9t\xc3\xa9";  // nnn...été
    const std::string e = ErrorOf(name + ",open,high,low,close\n1,1,1,1,1\n");
    CHECK(IsValidUtf8(e));
    CHECK(e.find("(header has: " + std::string(39, 'n') + "\xc3\xa9...,") != std::string::npos);
  }
  SECTION("bad bytes in a value are shown as \\xNN") {
    CHECK(ErrorOf("time,open,high,low,close\n2020-01-01,\xff\xfe,1,1,1\n") ==
          "x.csv:2: column 'open': expected a number, got '\\xff\\xfe'");
    const std::string e = ErrorOf("time,open,high,low,close\n2020-01-01,1,1,1," +
                                  std::string(39, 'z') + "\xe2\x82\xac!\n");
    CHECK(e == "x.csv:2: column 'close': expected a number, got '" + std::string(39, 'z') +
                   "\xe2\x82\xac...'");
  }
}

}  // namespace
}  // namespace btr
