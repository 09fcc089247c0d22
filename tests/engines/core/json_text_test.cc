#include "engines/core/json_text.h"

#include <catch2/catch.hpp>
#include <string>

namespace btr {
namespace {

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_CASE("JsonNestingDepth counts arrays and objects, not brackets inside strings") {
  CHECK(JsonNestingDepth("1") == 0);
  CHECK(JsonNestingDepth(R"({"a": [1, {"b": []}]})") == 4);
  CHECK(JsonNestingDepth(R"(["[[[", "\"[[", {"k]": "}}"}])") == 2);
  CHECK(JsonNestingDepth(R"([[], [], [[]]])") == 3);
  CHECK(JsonNestingDepth(Nested(1000), 10) == 11);  // stops once past the limit
}

TEST_CASE("ParseJson parses up to kMaxJsonDepth levels and refuses deeper documents") {
  const nlohmann::json deepest = ParseJson(Nested(kMaxJsonDepth));
  REQUIRE_FALSE(deepest.is_discarded());
  CHECK(deepest.dump() == Nested(kMaxJsonDepth));
  CHECK(ParseJson(Nested(kMaxJsonDepth + 1)).is_discarded());
  CHECK(ParseJson(R"({"a": [1, 2]})")["a"][1] == 2);
  CHECK(ParseJson("{not json").is_discarded());
  CHECK(ParseJson("[1, 2]", 0).is_discarded());
}

TEST_CASE("ParseJson refuses a megabyte of nesting before anything recurses over it") {
  // Found by fuzzing: nlohmann parses this, and copying or dumping the value then recursed once
  // per level, overflowing the stack (a POST /v1/backtests with "cash": [[[...]]] crashed the
  // server). Refused, it never becomes a value.
  const std::string body =
      R"({"strategy": "buy_and_hold", "dataset": "d", "cash": )" + Nested(1'000'000) + "}";
  CHECK(ParseJson(body).is_discarded());
}

}  // namespace
}  // namespace btr
