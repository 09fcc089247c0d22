#include "engines/data/gbm_generator.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "engines/data/csv_loader.h"
#include "engines/data/sha256.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::TempDir;

TEST_CASE("Sha256Hex matches known digests", "[sha256]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Result<std::string> missing = Sha256File("/nonexistent/file.csv");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
}

TEST_CASE("GBM 100,000-bar CSV matches the recipe's sha256", "[gbm]") {
  TempDir dir;
  const BarSeries bars = GenerateGbmBars(100'000);
  REQUIRE(bars.size() == 100'000);
  const std::string path = dir.Path("gbm_100k.csv");
  REQUIRE(WriteBarsCsv(bars, path).ok());
  CHECK(std::filesystem::file_size(path) == 5'975'998);
  Result<std::string> sha = Sha256File(path);
  REQUIRE(sha.ok());
  CHECK(*sha == "bc603d002489c8be646df9b874d04a0bc8d57ad4a815b8da86844cba329e1812");

  // The series holds the prices exactly as the CSV reads back.
  Result<BarSeries> back = LoadCsvFile(path);
  REQUIRE(back.ok());
  CHECK(back->time == bars.time);
  CHECK(back->open == bars.open);
  CHECK(back->high == bars.high);
  CHECK(back->low == bars.low);
  CHECK(back->close == bars.close);
  CHECK(back->volume == bars.volume);
  CHECK(ValidateBars(bars).ok());

  std::string text;
  AppendBarsCsv(bars, 4, &text);
  CHECK(Sha256Hex(text) == *sha);
}

TEST_CASE("GBM first bars and the counter-based prefix property", "[gbm]") {
  const BarSeries small = GenerateGbmBars(1000);
  const BarSeries big = GenerateGbmBars(5000);
  CHECK(small.symbol == "GBM");
  CHECK(small.has_volume);
  CHECK(small.time[0] == *ParseIsoTime("2020-01-01 00:00:00"));
  CHECK(small.time[999] == *ParseIsoTime("2020-01-01 16:39:00"));
  CHECK(small.open[0] == 100.0);
  for (size_t i = 0; i < small.size(); ++i) {
    REQUIRE(small.time[i] == big.time[i]);
    REQUIRE(small.open[i] == big.open[i]);
    REQUIRE(small.high[i] == big.high[i]);
    REQUIRE(small.low[i] == big.low[i]);
    REQUIRE(small.close[i] == big.close[i]);
    REQUIRE(small.volume[i] == big.volume[i]);
  }
  // Open is the previous close (both rounded from the same double).
  for (size_t i = 1; i < big.size(); ++i) REQUIRE(big.open[i] == big.close[i - 1]);
  // Another seed gives another path.
  GbmParams p;
  p.seed = 7;
  CHECK(GenerateGbmBars(10, p).close != GenerateGbmBars(10).close);
  CHECK(GenerateGbmBars(0).empty());
}

TEST_CASE("GBM 1,000,000-bar CSV matches the recipe's sha256", "[gbm][1m]") {
  const BarSeries bars = GenerateGbmBars(1'000'000);
  std::string text;
  AppendBarsCsv(bars, 4, &text);
  CHECK(text.size() == 60'852'959);
  CHECK(Sha256Hex(text) == "2299577d522e55a51b93ef9871603abea5a8096a1f1fec8a207e39fc0ba735ad");
}

TEST_CASE("WriteBarsCsv writes files without volume and reports bad paths", "[gbm]") {
  TempDir dir;
  BarSeries b;
  b.Append(*ParseIsoTime("1999-12-31 23:59:59"), 1.23456, 2.0, 0.00005, 1.5, 0);
  const std::string path = dir.Path("nv.csv");
  REQUIRE(WriteBarsCsv(b, path).ok());
  Result<BarSeries> back = LoadCsvFile(path);
  REQUIRE(back.ok());
  CHECK_FALSE(back->has_volume);
  std::string text;
  AppendBarsCsv(b, 4, &text);
  CHECK(text == "Time,Open,High,Low,Close\n1999-12-31 23:59:59,1.2346,2.0000,0.0001,1.5000\n");

  const Status bad = WriteBarsCsv(b, dir.Path("no/such/dir/x.csv"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.message().find("no/such/dir/x.csv: cannot write: No such file or directory") !=
        std::string::npos);
}

}  // namespace
}  // namespace btr
