#include "engines/data/zip_reader.h"

#include <catch2/catch.hpp>
#include <string>

#include "engines/core/utf8.h"
#include "engines/data/file_util.h"
#include "tests/engines/data/zip_test_util.h"

namespace btr {
namespace {

using testing::SharedData;
using testing::TempDir;

const char kDaily[] = "lean/equity/usa/daily/spy.zip";
const char kMinute[] = "lean/equity/usa/minute/spy/20131007_trade.zip";

TEST_CASE("ZipReader lists and extracts LEAN daily zip (ZIP64 extra fields)", "[zip]") {
  Result<ZipReader> zip = ZipReader::Open(SharedData(kDaily));
  REQUIRE(zip.ok());
  REQUIRE(zip->entries().size() == 1);
  const ZipEntry& e = zip->entries()[0];
  CHECK(e.name == "spy.csv");
  CHECK(e.method == 8);
  CHECK(e.uncompressed_size == 326552);
  Result<std::string> text = zip->Extract("spy.csv");
  REQUIRE(text.ok());
  CHECK(text->size() == 326552);
  CHECK(text->rfind("19980102 00:00,973100,975300,965300,973600,2150000\n", 0) == 0);
  const std::string last = "20210331 00:00,3953500,3980000,3953300,3963300,90673494";
  CHECK(text->compare(text->size() - last.size(), last.size(), last) == 0);
}

TEST_CASE("ZipReader extracts a LEAN minute zip", "[zip]") {
  Result<ZipReader> zip = ZipReader::Open(SharedData(kMinute));
  REQUIRE(zip.ok());
  REQUIRE(zip->entries().size() == 1);
  CHECK(zip->entries()[0].name == "20131007_spy_minute_trade.csv");
  Result<std::string> text = zip->Extract(zip->entries()[0]);
  REQUIRE(text.ok());
  CHECK(text->size() == 38745);
  CHECK(text->find("34200000,1674300,1675200,1674100,1674400,816453") != std::string::npos);
}

TEST_CASE("ZipReader reports missing archives and entries", "[zip]") {
  Result<ZipReader> missing = ZipReader::Open("/nonexistent/dir/x.zip");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() ==
        "/nonexistent/dir/x.zip: cannot open: No such file or directory");

  Result<ZipReader> zip = ZipReader::Open(SharedData(kDaily));
  REQUIRE(zip.ok());
  Result<std::string> none = zip->Extract("qqq.csv");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == StatusCode::kNotFound);
  CHECK(none.status().message().find("no entry 'qqq.csv' (entries: spy.csv)") != std::string::npos);
}

TEST_CASE("ZipReader fails cleanly on truncated and corrupt archives", "[zip]") {
  TempDir dir;
  Result<std::string> bytes = ReadFileToString(SharedData(kMinute));
  REQUIRE(bytes.ok());
  const std::string& good = *bytes;

  SECTION("truncated copy on disk") {
    const std::string path =
        dir.Write("half.zip", std::string_view(good).substr(0, good.size() / 2));
    Result<ZipReader> zip = ZipReader::Open(path);
    REQUIRE_FALSE(zip.ok());
    CHECK(zip.status().code() == StatusCode::kInvalidArgument);
    CHECK(zip.status().message() == path +
                                        ": corrupt or truncated ZIP archive: "
                                        "end-of-central-directory record not found");
  }
  SECTION("every truncation length fails without crashing") {
    for (size_t len = 0; len < good.size(); len += 37) {
      Result<ZipReader> zip = ZipReader::FromBytes(good.substr(0, len), "t.zip");
      if (zip.ok()) {
        Result<std::string> text = zip->Extract(zip->entries()[0]);
        CHECK_FALSE(text.ok());
      } else {
        CHECK(zip.status().message().rfind("t.zip: ", 0) == 0);
      }
    }
  }
  SECTION("a flipped byte in the compressed data") {
    for (size_t pos = 200; pos < 7000; pos += 611) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
      Result<ZipReader> zip = ZipReader::FromBytes(bad, "c.zip");
      REQUIRE(zip.ok());
      Result<std::string> text = zip->Extract(zip->entries()[0]);
      REQUIRE_FALSE(text.ok());
      CHECK(text.status().code() == StatusCode::kInvalidArgument);
      CHECK(text.status().message().rfind("c.zip: corrupt or truncated ZIP archive: "
                                          "20131007_spy_minute_trade.csv: ",
                                          0) == 0);
    }
  }
  SECTION("garbage everywhere") {
    std::string junk(5000, 'P');
    junk += "PK\x05\x06";
    junk += std::string(18, '\xff');
    Result<ZipReader> zip = ZipReader::FromBytes(junk, "junk.zip");
    CHECK_FALSE(zip.ok());
  }
}

TEST_CASE("ZipReader reads a stored entry and checks its CRC", "[zip]") {
  const std::string z = testing::MakeStoredZip("a.txt", "hello\n");
  Result<ZipReader> zip = ZipReader::FromBytes(z, "s.zip");
  REQUIRE(zip.ok());
  CHECK(zip->entries()[0].crc32 == 0x363a3020u);
  CHECK(zip->entries()[0].method == 0);
  Result<std::string> text = zip->Extract("a.txt");
  REQUIRE(text.ok());
  CHECK(*text == "hello\n");

  std::string bad = z;
  bad[30 + 5] = 'j';  // the first data byte, after the 30-byte header and the name
  Result<ZipReader> zip2 = ZipReader::FromBytes(bad, "s.zip");
  REQUIRE(zip2.ok());
  Result<std::string> text2 = zip2->Extract("a.txt");
  REQUIRE_FALSE(text2.ok());
  CHECK(text2.status().message() ==
        "s.zip: corrupt or truncated ZIP archive: a.txt: CRC-32 mismatch (stored 0x363a3020, "
        "computed 0x7bf2912b)");
}

TEST_CASE("ZipReader quotes entry names as valid UTF-8, cut short", "[zip]") {
  // ZIP names are raw bytes: quoted as they were, a message could not go into JSON.
  const std::string raw_name = "d\xff\xfe" + std::string(100, 'n') + ".csv";
  std::string bad = testing::MakeStoredZip(raw_name, "hello\n");
  bad[30 + raw_name.size()] = 'j';  // the first data byte: a CRC mismatch naming the entry
  Result<ZipReader> zip = ZipReader::FromBytes(bad, "s.zip");
  REQUIRE(zip.ok());
  const std::string shown = "d\\xff\\xfe" + std::string(77, 'n') + "...";
  const Result<std::string> text = zip->Extract(zip->entries()[0]);
  REQUIRE_FALSE(text.ok());
  CHECK(IsValidUtf8(text.status().message()));
  CHECK(text.status().message().rfind("s.zip: corrupt or truncated ZIP archive: " + shown + ": ",
                                      0) == 0);
  const Result<std::string> missing = zip->Extract("x\x80");
  CHECK(missing.status().message() == "s.zip: no entry 'x\\x80' (entries: " + shown + ")");
}

}  // namespace
}  // namespace btr
