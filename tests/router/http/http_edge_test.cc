#include "router/http/http_edge.h"

#include <catch2/catch.hpp>

namespace btr {
namespace {

TEST_CASE("BearerToken takes the scheme in any case and nothing else") {
  CHECK(BearerToken("Bearer abc") == "abc");
  CHECK(BearerToken("bearer abc") == "abc");
  CHECK(BearerToken("BEARER   abc  ") == "abc");
  CHECK(BearerToken("  Bearer abc") == "abc");
  CHECK(!BearerToken("Bearer"));
  CHECK(!BearerToken("Bearer "));
  CHECK(!BearerToken("Bearerabc"));
  CHECK(!BearerToken("Basic abc"));
  CHECK(!BearerToken(""));
}

TEST_CASE("HasToken reads comma lists case-insensitively") {
  CHECK(HasToken("keep-alive, Upgrade", "upgrade"));
  CHECK(HasToken("Upgrade", "upgrade"));
  CHECK(HasToken(" websocket ", "WebSocket"));
  CHECK(!HasToken("upgrades", "upgrade"));
  CHECK(!HasToken("", "upgrade"));
  CHECK(!HasToken("keep-alive,", "upgrade"));
}

TEST_CASE("ParseQuery decodes names and values and keeps '+'") {
  const auto q = ParseQuery("a=1&from=2005-01-03T00%3A00%3A00%2B00:00&flag&&b=x+y&a=2");
  CHECK(q.at("a") == "2");
  CHECK(q.at("from") == "2005-01-03T00:00:00+00:00");
  CHECK(q.at("flag").empty());
  CHECK(q.at("b") == "x+y");
  CHECK(q.size() == 4);
  CHECK(ParseQuery("").empty());
}

TEST_CASE("SplitTarget separates the path from the query") {
  std::string path, query;
  SplitTarget("/v1/x?a=1?b", &path, &query);
  CHECK(path == "/v1/x");
  CHECK(query == "a=1?b");
  SplitTarget("/v1/x", &path, &query);
  CHECK(path == "/v1/x");
  CHECK(query.empty());
}

TEST_CASE("read failures become problems naming the setting at fault") {
  const EdgeLimits limits{64u << 20, 16u << 10};
  ApiReply body = ReadFailureProblem(ReadFailure::kBodyTooLarge, limits, 200000000, "");
  CHECK(body.code == 413);
  CHECK(body.content_type == "application/problem+json");
  auto json = nlohmann::json::parse(body.body);
  CHECK(json["field"] == "server.max_body_bytes");
  CHECK(json["title"] == "Content Too Large");
  CHECK(json["detail"].get<std::string>().find("200000000") != std::string::npos);
  CHECK(json["detail"].get<std::string>().find("64 MiB") != std::string::npos);

  ApiReply header = ReadFailureProblem(ReadFailure::kHeaderTooLarge, limits, std::nullopt, "");
  CHECK(header.code == 431);
  CHECK(nlohmann::json::parse(header.body)["field"] == "server.max_header_bytes");

  ApiReply length = ReadFailureProblem(ReadFailure::kBadContentLength, limits, std::nullopt, "");
  CHECK(length.code == 400);
  CHECK(nlohmann::json::parse(length.body)["field"] == "content-length");

  ApiReply malformed =
      ReadFailureProblem(ReadFailure::kMalformed, limits, std::nullopt, "bad method");
  CHECK(malformed.code == 400);
  CHECK(nlohmann::json::parse(malformed.body)["detail"].get<std::string>().find("bad method") !=
        std::string::npos);
}

TEST_CASE("ByteSizeText uses the largest exact binary unit") {
  CHECK(ByteSizeText(64u << 20) == "64 MiB");
  CHECK(ByteSizeText(16u << 10) == "16 KiB");
  CHECK(ByteSizeText(1u << 30) == "1 GiB");
  CHECK(ByteSizeText(1000) == "1000 bytes");
  CHECK(ByteSizeText((1u << 20) + 1) == "1048577 bytes");
}

TEST_CASE("problem titles are the HTTP reason phrases") {
  auto title = [](const ApiReply& r) { return nlohmann::json::parse(r.body)["title"]; };
  CHECK(title(ApiReply::Problem(Status::NotFound("id: no such job"))) == "Not Found");
  CHECK(title(ApiReply::Problem(Status::InvalidArgument("method: no"), "", 405)) ==
        "Method Not Allowed");
  CHECK(title(ApiReply::Problem(Status::InvalidArgument("cash: no"))) == "Bad Request");
  CHECK(title(ApiReply::Problem(Status::Unavailable("engines: none"))) == "Service Unavailable");
}

}  // namespace
}  // namespace btr
