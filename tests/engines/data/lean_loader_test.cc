#include "engines/data/lean_loader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "engines/data/file_util.h"
#include "tests/engines/data/zip_test_util.h"

namespace btr {
namespace {

using testing::SharedData;
using testing::TempDir;

TimeNs T(const char* iso) { return *ParseIsoTime(iso); }

const std::string kMinuteDir = "lean/equity/usa/minute/spy";

size_t IndexOf(const BarSeries& b, TimeNs t) {
  for (size_t i = 0; i < b.size(); ++i) {
    if (b.time[i] == t) return i;
  }
  return b.size();
}

TEST_CASE("LoadLeanDailyZip reads spy.zip", "[lean]") {
  Result<BarSeries> r = LoadLeanDailyZip(SharedData("lean/equity/usa/daily/spy.zip"));
  REQUIRE(r.ok());
  const BarSeries& b = *r;
  REQUIRE(b.size() == 5849);
  CHECK(b.symbol == "SPY");
  CHECK(b.has_volume);
  CHECK(b.time.front() == T("1998-01-02"));
  CHECK(b.open.front() == 97.31);
  CHECK(b.high.front() == 97.53);
  CHECK(b.low.front() == 96.53);
  CHECK(b.close.front() == 97.36);
  CHECK(b.volume.front() == 2150000.0);
  CHECK(b.time.back() == T("2021-03-31"));
  CHECK(b.open.back() == 395.35);
  CHECK(b.high.back() == 398.0);
  CHECK(b.low.back() == 395.33);
  CHECK(b.close.back() == 396.33);
  CHECK(b.volume.back() == 90673494.0);
}

TEST_CASE("LoadLeanDailyZip filters a date range", "[lean]") {
  TimeRange range;
  range.begin = T("2020-01-01");
  range.end = T("2020-12-31");
  Result<BarSeries> r = LoadLeanDailyZip(SharedData("lean/equity/usa/daily/spy.zip"), range);
  REQUIRE(r.ok());
  CHECK(r->size() == 253);  // NYSE trading days in 2020
  CHECK(r->time.front() == T("2020-01-02"));
  CHECK(r->time.back() == T("2020-12-31"));
}

TEST_CASE("LoadLeanMinuteDir reads the SPY minute folder", "[lean]") {
  Result<BarSeries> r = LoadLeanMinuteDir(SharedData(kMinuteDir));
  REQUIRE(r.ok());
  const BarSeries& b = *r;
  CHECK(b.symbol == "SPY");
  REQUIRE(b.size() == 711 + 828 + 828 + 813 + 883 + 776);
  CHECK(b.time.front() == T("2013-10-04 04:06:00"));
  CHECK(b.time.back() == T("2013-10-11 19:59:00"));
  const size_t i = IndexOf(b, T("2013-10-07 09:30:00"));
  REQUIRE(i < b.size());
  CHECK(b.open[i] == 167.43);
  CHECK(b.high[i] == 167.52);
  CHECK(b.low[i] == 167.41);
  CHECK(b.close[i] == 167.44);
  CHECK(b.volume[i] == 816453.0);
}

TEST_CASE("LoadLeanMinuteDir filters days and LoadLeanMinuteZip reads one day", "[lean]") {
  TimeRange day;
  day.begin = T("2013-10-07");
  day.end = T("2013-10-07 23:59:59");
  Result<BarSeries> r = LoadLeanMinuteDir(SharedData(kMinuteDir), day);
  REQUIRE(r.ok());
  CHECK(r->size() == 828);
  CHECK(r->time.front() == T("2013-10-07 04:00:00"));

  Result<BarSeries> one = LoadLeanMinuteZip(SharedData(kMinuteDir + "/20131007_trade.zip"));
  REQUIRE(one.ok());
  CHECK(one->symbol == "SPY");
  REQUIRE(one->size() == 828);
  CHECK(one->time == r->time);
  CHECK(one->close == r->close);

  TimeRange session;
  session.begin = T("2013-10-07 09:30:00");
  session.end = T("2013-10-07 15:59:00");
  Result<BarSeries> regular =
      LoadLeanMinuteZip(SharedData(kMinuteDir + "/20131007_trade.zip"), session);
  REQUIRE(regular.ok());
  CHECK(regular->size() == 390);
  CHECK(regular->volume.front() == 816453.0);
}

TEST_CASE("LoadLeanZip recognizes a LEAN zip by what it holds, whatever its name", "[lean]") {
  TempDir tmp;
  namespace fs = std::filesystem;
  // An uploaded dataset's file is named by its id: the name says nothing of the kind.
  const std::string minute = tmp.Path("ds_minute.zip");
  const std::string daily = tmp.Path("ds_daily.zip");
  fs::copy_file(SharedData(kMinuteDir + "/20131007_trade.zip"), minute);
  fs::copy_file(SharedData("lean/equity/usa/daily/spy.zip"), daily);
  Result<BarSeries> m = LoadLeanZip(minute);
  Result<BarSeries> m_ref = LoadLeanMinuteZip(SharedData(kMinuteDir + "/20131007_trade.zip"));
  REQUIRE(m.ok());
  REQUIRE(m_ref.ok());
  CHECK(m->symbol == "SPY");  // from the entry's name, 20131007_spy_minute_trade.csv
  CHECK(m->time == m_ref->time);
  CHECK(m->close == m_ref->close);
  CHECK(m->volume == m_ref->volume);
  Result<BarSeries> d = LoadLeanZip(daily);
  Result<BarSeries> d_ref = LoadLeanDailyZip(SharedData("lean/equity/usa/daily/spy.zip"));
  REQUIRE(d.ok());
  REQUIRE(d_ref.ok());
  CHECK(d->symbol == "SPY");
  CHECK(d->time == d_ref->time);
  CHECK(d->open == d_ref->open);
  // A minute entry in a folder inside the zip; a zip with no CSV at all.
  Result<ZipReader> nested =
      ZipReader::FromBytes(testing::MakeStoredZip("spy/20200102_qqq_minute_trade.csv",
                                                  "34200000,100,101,99,100.5,7\n"
                                                  "34260000,100.5,102,100,101,9\n"),
                           "nested.zip");
  REQUIRE(nested.ok());
  Result<BarSeries> n = ParseLeanZip(*nested);
  REQUIRE(n.ok());
  CHECK(n->symbol == "QQQ");
  REQUIRE(n->size() == 2);
  CHECK(n->time[1] == T("2020-01-02 09:31:00"));
  CHECK(n->close[1] == 101.0 / 10000);
  Result<ZipReader> other =
      ZipReader::FromBytes(testing::MakeStoredZip("notes.txt", "hi"), "o.zip");
  REQUIRE(other.ok());
  const Status none = ParseLeanZip(*other).status();
  CHECK(none.code() == StatusCode::kInvalidArgument);
  CHECK(none.message().find("expected a LEAN daily") != std::string::npos);
  CHECK(none.message().find("notes.txt") != std::string::npos);
}

TEST_CASE("LEAN loader errors name the zip, entry and line", "[lean]") {
  TempDir dir;
  SECTION("missing folder") {
    Result<BarSeries> r = LoadLeanMinuteDir(dir.Path("nope"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kNotFound);
  }
  SECTION("folder without trade zips") {
    std::filesystem::create_directories(dir.Path("spy"));
    dir.Write("spy/20131007_quote.zip", "x");
    Result<BarSeries> r = LoadLeanMinuteDir(dir.Path("spy"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("no LEAN minute trade files") != std::string::npos);
  }
  SECTION("corrupt zip in a folder") {
    std::filesystem::create_directories(dir.Path("spy"));
    Result<std::string> good = ReadFileToString(SharedData(kMinuteDir + "/20131004_trade.zip"));
    REQUIRE(good.ok());
    dir.Write("spy/20131004_trade.zip", *good);
    const std::string bad = dir.Write("spy/20131007_trade.zip", good->substr(0, 3000));
    Result<BarSeries> r = LoadLeanMinuteDir(dir.Path("spy"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().rfind(bad + ": corrupt or truncated ZIP archive", 0) == 0);
  }
  SECTION("a bad row in a daily zip") {
    const std::string zip = dir.Write(
        "qqq.zip", testing::MakeStoredZip("qqq.csv",
                                          "19990310 00:00,1000000,1010000,990000,1005000,100\n"
                                          "19990311 00:00,1000000,1010000,990000,x,100\n"));
    Result<BarSeries> r = LoadLeanDailyZip(zip);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == zip + ":qqq.csv:2: column 'close': expected a number, got 'x'");
  }
  SECTION("a short row and a bad time in minute data") {
    std::filesystem::create_directories(dir.Path("qqq"));
    const std::string zip =
        dir.Write("qqq/20200102_trade.zip",
                  testing::MakeStoredZip("20200102_qqq_minute_trade.csv",
                                         "34200000,1000000,1010000,990000,1005000,100\r\n"
                                         "34260000,1000000,1010000,990000\r\n"));
    Result<BarSeries> r = LoadLeanMinuteDir(dir.Path("qqq"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == zip +
                                      ":20200102_qqq_minute_trade.csv:2: expected 6 fields "
                                      "(time,open,high,low,close,volume), got 4");
    dir.Write("qqq/20200102_trade.zip",
              testing::MakeStoredZip("20200102_qqq_minute_trade.csv",
                                     "86400000,1000000,1010000,990000,1005000,100\n"));
    Result<BarSeries> r2 = LoadLeanMinuteDir(dir.Path("qqq"));
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.status().message().find(":20200102_qqq_minute_trade.csv:1: column 'time': expected "
                                     "milliseconds since midnight") != std::string::npos);
  }
  SECTION("times going backwards across days") {
    std::filesystem::create_directories(dir.Path("qqq"));
    dir.Write("qqq/20200102_trade.zip",
              testing::MakeStoredZip("x.csv", "34200000,1000000,1010000,990000,1005000,100\n"));
    const std::string second =
        dir.Write("qqq/20200103_trade.zip",
                  testing::MakeStoredZip("y.csv",
                                         "34200000,1000000,1010000,990000,1005000,1\n"
                                         "34140000,1000000,1010000,990000,1005000,1\n"));
    Result<BarSeries> r = LoadLeanMinuteDir(dir.Path("qqq"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          second +
              ":y.csv:2: column 'time': 2020-01-03T09:29:00 goes backwards from "
              "2020-01-03T09:30:00; times must be strictly increasing");
  }
  SECTION("a minute zip with a wrong name") {
    Result<BarSeries> r = LoadLeanMinuteZip(dir.Write("trade.zip", "x"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("expected a LEAN minute file named like") != std::string::npos);
  }
}

}  // namespace
}  // namespace btr
