#include "engines/data/zip_writer.h"

#include <catch2/catch.hpp>
#include <string>

#include "engines/data/zip_reader.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::ReadFile;
using testing::TempDir;

// Some compressible text, like a LEAN CSV.
std::string CsvText(int rows) {
  std::string text;
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(34200000 + i * 60000) + ",1674300,1675200,1674100,1674400," +
            std::to_string(816453 + i) + "\n";
  }
  return text;
}

TEST_CASE("ZipWriter round-trips stored and deflated entries through ZipReader", "[zip]") {
  const std::string csv = CsvText(400);
  ZipWriter writer;
  REQUIRE(writer.Add("20131007_spy_minute_trade.csv", csv).ok());
  REQUIRE(writer.Add("stored.txt", "hello, zip", ZipMethod::kStored).ok());
  REQUIRE(writer.Add("empty.csv", "").ok());
  REQUIRE(writer.Add("dir/nested.csv", "a,b\n", ZipMethod::kDeflated).ok());
  CHECK(writer.size() == 4);
  Result<std::string> bytes = writer.Finish();
  REQUIRE(bytes.ok());

  Result<ZipReader> zip = ZipReader::FromBytes(*bytes, "mem.zip");
  REQUIRE(zip.ok());
  REQUIRE(zip->entries().size() == 4);
  CHECK(zip->entries()[0].name == "20131007_spy_minute_trade.csv");
  CHECK(zip->entries()[0].method == 8);
  CHECK(zip->entries()[0].compressed_size < csv.size() / 3);
  CHECK(zip->entries()[1].method == 0);
  CHECK(zip->Extract("20131007_spy_minute_trade.csv").value() == csv);
  CHECK(zip->Extract("stored.txt").value() == "hello, zip");
  CHECK(zip->Extract("empty.csv").value().empty());
  CHECK(zip->Extract("dir/nested.csv").value() == "a,b\n");
}

TEST_CASE("ZipWriter output is deterministic and readable by unzip", "[zip]") {
  const std::string csv = CsvText(50);
  ZipWriter a, b;
  REQUIRE(a.Add("spy.csv", csv).ok());
  REQUIRE(b.Add("spy.csv", csv).ok());
  CHECK(a.Finish().value() == b.Finish().value());

  TempDir dir;
  const std::string path = dir.Path("spy.zip");
  REQUIRE(WriteZipFile(path, "spy.csv", csv).ok());
  CHECK(ReadFile(path) == a.Finish().value());
  // The system's unzip, when present, must agree (an independent reader).
  if (std::system("command -v unzip >/dev/null 2>&1") == 0) {
    const std::string out = dir.Path("out.csv");
    const std::string cmd = "unzip -p -qq '" + path + "' spy.csv > '" + out + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(ReadFile(out) == csv);
  }
}

TEST_CASE("ZipWriter rejects bad and duplicate names", "[zip]") {
  ZipWriter writer;
  CHECK(writer.Add("", "x").code() == StatusCode::kInvalidArgument);
  CHECK(writer.Add("/abs.csv", "x").code() == StatusCode::kInvalidArgument);
  CHECK(writer.Add("dir/", "x").code() == StatusCode::kInvalidArgument);
  REQUIRE(writer.Add("a.csv", "x").ok());
  const Status dup = writer.Add("a.csv", "y");
  CHECK(dup.code() == StatusCode::kInvalidArgument);
  CHECK(dup.message() == "zip: duplicate entry name 'a.csv'");
  // An empty archive is still a valid one.
  Result<std::string> empty = ZipWriter().Finish();
  REQUIRE(empty.ok());
  CHECK(empty->size() == 22);
}

TEST_CASE("WriteZipFile names the path on failure", "[zip]") {
  const Status s = WriteZipFile("/nonexistent/dir/x.zip", "x.csv", "1");
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("/nonexistent/dir/x.zip") != std::string::npos);
}

}  // namespace
}  // namespace btr
