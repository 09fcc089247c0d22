// Inputs found by fuzzing the parsers behind the API (fuzz/, docs/fuzzing.md), sent over real
// HTTP: each must be answered 400 problem+json while the server keeps serving.
#include <catch2/catch.hpp>
#include <string>

#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;

void CheckRefused(const HttpResponse& r, const std::string& field) {
  INFO(r.body.substr(0, 300));
  CHECK(r.code == 400);
  CHECK(r.headers.at("content-type") == "application/problem+json");
  const json problem = json::parse(r.body, nullptr, false);
  REQUIRE(problem.is_object());
  CHECK(problem["field"] == field);
}

TEST_CASE("a deeply nested JSON body is refused before it can overflow the stack", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  // 1M levels of arrays: nlohmann parses them, and quoting the value in the message recursed
  // once per level until the server died of a stack overflow.
  const size_t depth = 1'000'000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  CheckRefused(server.Call("POST", "/v1/backtests", key,
                           R"({"strategy": "buy_and_hold", "dataset": "d", "cash": )" + deep + "}"),
               "body");
  CheckRefused(server.Call("POST", "/v1/comparisons", key, R"({"runs": )" + deep + "}"), "body");
  CHECK(server.Call("GET", "/livez", "").code == 200);
}

TEST_CASE("a binary file uploaded as CSV is a 400 whose message is valid UTF-8", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  // Binary bytes that are not UTF-8: the header names were quoted raw, so the problem's JSON
  // could not be written and the answer was a 500.
  static constexpr char kBinary[] =
      "\x7f"  // DEL, then "ELF"
      "ELF\x2d\x00\x00\x00\x08\x00\xe1\x32\x5a\x52\xc2\x79,x\n1,2\n";
  const HttpResponse r =
      server.Call("POST", "/v1/datasets?name=bin", key, std::string(kBinary, sizeof kBinary - 1),
                  {"Content-Type: text/csv"});
  CheckRefused(r, "body");
  const json problem = json::parse(r.body, nullptr, false);
  CHECK(problem["detail"].get<std::string>().find("\\xe1") != std::string::npos);
  // The first bytes of a ZIP archive are read as a zip (whatever the Content-Type), and a
  // truncated one is refused as such.
  static constexpr char kZipStart[] =
      "PK\x03\x04\x2d\x00\x00\x00\x08\x00\xe1\x32\x5a\x52\xc2\x79,x\n1,2\n";
  const HttpResponse zip =
      server.Call("POST", "/v1/datasets?name=zip", key,
                  std::string(kZipStart, sizeof kZipStart - 1), {"Content-Type: text/csv"});
  CheckRefused(zip, "body");
  CHECK(json::parse(zip.body)["detail"].get<std::string>().find("zip.zip") != std::string::npos);
}

}  // namespace
}  // namespace btr
