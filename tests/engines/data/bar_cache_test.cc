#include "engines/data/bar_cache.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "engines/data/csv_loader.h"
#include "engines/data/file_util.h"
#include "engines/data/gbm_generator.h"
#include "engines/data/lean_loader.h"
#include "engines/data/sha256.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::SharedData;
using testing::TempDir;

void CheckSame(const BarSeries& a, const BarSeries& b) {
  CHECK(a.symbol == b.symbol);
  CHECK(a.has_volume == b.has_volume);
  CHECK(a.time == b.time);
  CHECK(a.open == b.open);
  CHECK(a.high == b.high);
  CHECK(a.low == b.low);
  CHECK(a.close == b.close);
  CHECK(a.volume == b.volume);
}

// Moves a file's modification time forward so a rewrite is seen even on coarse clocks.
void Touch(const std::string& path) {
  const auto t = std::filesystem::last_write_time(path);
  std::filesystem::last_write_time(path, t + std::chrono::seconds(2));
}

TEST_CASE("LoadBars round-trips a CSV through the cache", "[cache]") {
  TempDir dir;
  const std::string csv = dir.Path("gbm.csv");
  REQUIRE(WriteBarsCsv(GenerateGbmBars(5000), csv).ok());
  LoadOptions opts;
  opts.cache_dir = dir.Path("cache");

  Result<LoadedBars> first = LoadBars(csv, opts);
  REQUIRE(first.ok());
  CHECK_FALSE(first->from_cache);
  CHECK(first->sha256 == *Sha256File(csv));
  CHECK(first->bars.symbol == "gbm");
  CHECK(std::filesystem::exists(CacheFilePath(opts.cache_dir, csv)));

  Result<LoadedBars> second = LoadBars(csv, opts);
  REQUIRE(second.ok());
  CHECK(second->from_cache);
  CHECK(second->sha256 == first->sha256);
  CheckSame(second->bars, first->bars);
  CheckSame(second->bars, *LoadCsvFile(csv));

  Result<LoadedBars> uncached = LoadBars(csv, LoadOptions{});
  REQUIRE(uncached.ok());
  CHECK_FALSE(uncached->from_cache);
  CHECK(uncached->sha256 == first->sha256);
}

TEST_CASE("LoadBars rebuilds the cache when the source changes", "[cache]") {
  TempDir dir;
  const std::string csv = dir.Path("d.csv");
  REQUIRE(WriteBarsCsv(GenerateGbmBars(100), csv).ok());
  LoadOptions opts;
  opts.cache_dir = dir.Path("cache");
  REQUIRE(LoadBars(csv, opts).ok());

  REQUIRE(WriteBarsCsv(GenerateGbmBars(120), csv).ok());
  Touch(csv);
  Result<LoadedBars> changed = LoadBars(csv, opts);
  REQUIRE(changed.ok());
  CHECK_FALSE(changed->from_cache);
  CHECK(changed->bars.size() == 120);
  CHECK(changed->sha256 == *Sha256File(csv));
  Result<LoadedBars> again = LoadBars(csv, opts);
  REQUIRE(again.ok());
  CHECK(again->from_cache);
  CHECK(again->bars.size() == 120);
}

TEST_CASE("LoadBars ignores corrupt or truncated cache files", "[cache]") {
  TempDir dir;
  const std::string csv = dir.Path("c.csv");
  REQUIRE(WriteBarsCsv(GenerateGbmBars(1000), csv).ok());
  LoadOptions opts;
  opts.cache_dir = dir.Path("cache");
  Result<LoadedBars> built = LoadBars(csv, opts);
  REQUIRE(built.ok());
  const std::string cache = CacheFilePath(opts.cache_dir, csv);
  Result<std::string> good = ReadFileToString(cache);
  REQUIRE(good.ok());

  auto check_rebuilt = [&](const std::string& damaged) {
    REQUIRE(WriteFileAtomic(cache, damaged).ok());
    Result<LoadedBars> r = LoadBars(csv, opts);
    REQUIRE(r.ok());
    CHECK_FALSE(r->from_cache);
    CheckSame(r->bars, built->bars);
    Result<LoadedBars> after = LoadBars(csv, opts);  // the cache was rewritten
    REQUIRE(after.ok());
    CHECK(after->from_cache);
  };
  SECTION("flipped byte in a price column") {
    std::string bad = *good;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 1);
    check_rebuilt(bad);
  }
  SECTION("flipped byte in the header") {
    std::string bad = *good;
    bad[20] = static_cast<char>(bad[20] ^ 0x40);
    check_rebuilt(bad);
  }
  SECTION("truncated") { check_rebuilt(good->substr(0, good->size() - 9)); }
  SECTION("empty") { check_rebuilt(""); }
  SECTION("garbage") { check_rebuilt(std::string(5000, 'B')); }
}

TEST_CASE("LoadBars dispatches LEAN zips and folders", "[cache]") {
  TempDir dir;
  LoadOptions opts;
  opts.cache_dir = dir.Path("cache");

  const std::string daily = SharedData("lean/equity/usa/daily/spy.zip");
  Result<LoadedBars> d = LoadBars(daily, opts);
  REQUIRE(d.ok());
  CHECK(d->bars.size() == 5849);
  CHECK(d->sha256.rfind("aaa1febad0cb8f91", 0) == 0);
  Result<LoadedBars> d2 = LoadBars(daily, opts);
  REQUIRE(d2.ok());
  CHECK(d2->from_cache);
  CheckSame(d2->bars, d->bars);

  const std::string folder = SharedData("lean/equity/usa/minute/spy");
  Result<LoadedBars> m = LoadBars(folder, opts);
  REQUIRE(m.ok());
  CHECK(m->bars.size() == 4839);
  CHECK(m->bars.symbol == "SPY");
  Sha256 concat;  // the documented rule: trade zips' bytes in name order
  Result<std::vector<std::string>> zips = ListLeanMinuteZips(folder);
  REQUIRE(zips.ok());
  for (const std::string& zip : *zips) concat.Update(*ReadFileToString(zip));
  CHECK(m->sha256 == concat.FinishHex());
  Result<LoadedBars> m2 = LoadBars(folder, opts);
  REQUIRE(m2.ok());
  CHECK(m2->from_cache);
  CheckSame(m2->bars, m->bars);

  Result<LoadedBars> day = LoadBars(folder + "/20131007_trade.zip", opts);
  REQUIRE(day.ok());
  CHECK(day->bars.size() == 828);
  CHECK(day->sha256.rfind("42a51db3d3b07cb5", 0) == 0);
}

TEST_CASE("LoadBars errors", "[cache]") {
  TempDir dir;
  Result<LoadedBars> missing = LoadBars(dir.Path("none.csv"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() ==
        dir.Path("none.csv") + ": cannot open: No such file or directory");

  Result<LoadedBars> unsupported = LoadBars(dir.Write("x.parquet", "PAR1"));
  REQUIRE_FALSE(unsupported.ok());
  CHECK(unsupported.status().message().find("unsupported data source") != std::string::npos);

  // A bad CSV is reported and nothing is cached.
  LoadOptions opts;
  opts.cache_dir = dir.Path("cache");
  const std::string bad = dir.Write("bad.csv", "date,open,high,low,close\n2020-01-01,1,2,3,1\n");
  Result<LoadedBars> r = LoadBars(bad, opts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == bad + ":2: column 'high': high 2 is below low 3");
  CHECK_FALSE(std::filesystem::exists(CacheFilePath(opts.cache_dir, bad)));

  // An unwritable cache folder is not an error.
  LoadOptions blocked;
  blocked.cache_dir = dir.Write("file_not_dir", "x") + "/cache";
  Result<LoadedBars> ok = LoadBars(SharedData("GOOG.csv"), blocked);
  REQUIRE(ok.ok());
  CHECK(ok->bars.size() == 2148);
}

TEST_CASE("DefaultCacheDir follows XDG_CACHE_HOME and HOME", "[cache]") {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old_xdg != nullptr ? old_xdg : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  CHECK(DefaultCacheDir() == "/tmp/xdg/btrouter");
  ::setenv("XDG_CACHE_HOME", "relative", 1);
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') {
    CHECK(DefaultCacheDir() == std::string(home) + "/.cache/btrouter");
  }
  if (old_xdg != nullptr) {
    ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_CACHE_HOME");
  }
}

}  // namespace
}  // namespace btr
