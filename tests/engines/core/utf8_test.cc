#include "engines/core/utf8.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace btr {
namespace {

TEST_CASE("Utf8CharLength accepts well-formed characters only") {
  CHECK(Utf8CharLength("a") == 1);
  CHECK(Utf8CharLength("\xc3\xa9x") == 2);         // é
  CHECK(Utf8CharLength("\xe2\x82\xac") == 3);      // €
  CHECK(Utf8CharLength("\xf0\x9f\x98\x80") == 4);  // U+1F600
  CHECK(Utf8CharLength("") == 0);
  CHECK(Utf8CharLength("\xa9") == 0);              // a continuation byte
  CHECK(Utf8CharLength("\xc3") == 0);              // cut short
  CHECK(Utf8CharLength("\xc3(") == 0);             // not followed by a continuation
  CHECK(Utf8CharLength("\xc0\xaf") == 0);          // overlong '/'
  CHECK(Utf8CharLength("\xe0\x80\xaf") == 0);      // overlong, 3 bytes
  CHECK(Utf8CharLength("\xed\xa0\x80") == 0);      // a surrogate
  CHECK(Utf8CharLength("\xf4\x90\x80\x80") == 0);  // past U+10FFFF
  CHECK(Utf8CharLength("\xff") == 0);
}

TEST_CASE("IsValidUtf8 agrees with what nlohmann::json can dump") {
  const std::string samples[] = {"plain",
                                 "caf\xc3\xa9",
                                 "\xad\xff",
                                 "ok\xe2\x82",
                                 "\xed\xbf\xbf",
                                 "\xf0\x9f\x98\x80!",
                                 std::string("nul\0inside", 10)};
  for (const std::string& s : samples) {
    bool dumps = true;
    try {
      (void)nlohmann::json(s).dump();
    } catch (const nlohmann::json::exception&) {
      dumps = false;
    }
    INFO(nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    CHECK(IsValidUtf8(s) == dumps);
  }
}

TEST_CASE("Utf8Prefix never cuts a character in two") {
  const std::string text = "ab\xc3\xa9\xe2\x82\xac";  // a b é €
  CHECK(Utf8Prefix(text, 3) == "ab");
  CHECK(Utf8Prefix(text, 4) == "ab\xc3\xa9");
  CHECK(Utf8Prefix(text, 6) == "ab\xc3\xa9");
  CHECK(Utf8Prefix(text, 7) == text);
  CHECK(Utf8Prefix(text, 100) == text);
  CHECK(Utf8Prefix("\xff\xfe", 1) == "\xff");  // a stray byte is one character
}

TEST_CASE("Utf8Excerpt keeps short text and cuts long text at a character, with ...") {
  CHECK(Utf8Excerpt("short", 10) == "short");
  CHECK(Utf8Excerpt("exactly10!", 10) == "exactly10!");
  CHECK(Utf8Excerpt("abcdefghijk", 10) == "abcdefg...");
  CHECK(Utf8Excerpt("abcdef\xc3\xa9ghij", 10) == "abcdef...");  // é would straddle the cut
}

TEST_CASE("AppendEscapedByte writes \\xNN") {
  std::string out = "got ";
  AppendEscapedByte(0xad, &out);
  AppendEscapedByte(0x07, &out);
  CHECK(out == "got \\xad\\x07");
}

}  // namespace
}  // namespace btr
