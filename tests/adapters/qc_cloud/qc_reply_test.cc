// Reading QuantConnect answers without HTTP (QcReplyReader): the envelope and retry rules, what
// each call takes from an answer, and the answers fuzzing found (fuzz/qc_reply_fuzz.cc).
#include "adapters/qc_cloud/qc_reply.h"

#include <catch2/catch.hpp>
#include <string>

#include "engines/core/utf8.h"

namespace btr::qc {
namespace {

using nlohmann::json;

constexpr const char* kToken = "s3cr3t-token";

struct Read {
  Result<json> doc;
  bool retryable;
};

Read Answer(long code, std::string_view body, CallKind kind = CallKind::kRead) {
  const QcReplyReader reader(kToken);
  bool retryable = true;
  Result<json> doc = reader.ReadAnswer("backtests/read", kind, code, body, &retryable);
  return {std::move(doc), retryable};
}

TEST_CASE("qc reply: statuses map to codes; only a read's 429 and 5xx are retried", "[qc_cloud]") {
  struct Case {
    long code;
    CallKind kind;
    StatusCode expected;
    bool retryable;
  };
  const Case cases[] = {
      {429, CallKind::kRead, StatusCode::kUnavailable, true},
      {429, CallKind::kCreate, StatusCode::kUnavailable, false},
      {503, CallKind::kRead, StatusCode::kUnavailable, true},
      {500, CallKind::kCreate, StatusCode::kUnknownOutcome, false},
      {401, CallKind::kRead, StatusCode::kUnauthenticated, false},
      {403, CallKind::kCreate, StatusCode::kPermissionDenied, false},
      {404, CallKind::kRead, StatusCode::kInternal, false},
      {302, CallKind::kRead, StatusCode::kInvalidArgument, false},
  };
  for (const Case& c : cases) {
    INFO(c.code);
    const Read r = Answer(c.code, R"({"success": false, "errors": ["no"]})", c.kind);
    CHECK(r.doc.status().code() == c.expected);
    CHECK(r.retryable == c.retryable);
    CHECK(r.doc.status().message().rfind("QuantConnect backtests/read: HTTP ", 0) == 0);
  }
}

TEST_CASE("qc reply: a 2xx envelope", "[qc_cloud]") {
  const Read ok = Answer(200, R"({"success": true, "backtest": {"backtestId": "b1"}})");
  REQUIRE(ok.doc.ok());
  CHECK_FALSE(ok.retryable);
  CHECK((*ok.doc)["backtest"]["backtestId"] == "b1");
  CHECK(Answer(200, R"({"status": "loading", "success": false})").doc.ok());

  const Read refused =
      Answer(200, R"({"success": false, "errors": ["Name taken"]})", CallKind::kCreate);
  CHECK(refused.doc.status().code() == StatusCode::kInvalidArgument);
  CHECK(refused.doc.status().message() == "QuantConnect backtests/read failed: Name taken");
  CHECK(Answer(200, R"({"success": "yes"})").doc.status().code() == StatusCode::kInternal);
  const Read credentials =
      Answer(200, R"({"success": false, "errors": ["Hash doesn't match. token s3cr3t-token"]})");
  CHECK(credentials.doc.status().code() == StatusCode::kUnauthenticated);
  CHECK(credentials.doc.status().message().find(kToken) == std::string::npos);
  CHECK(credentials.doc.status().message().find("engines.qc_cloud.token") != std::string::npos);
}

TEST_CASE("qc reply: what each call takes from an answer", "[qc_cloud]") {
  const QcReplyReader reader(kToken);
  CHECK(*reader.ProjectId(json::parse(R"({"projects": [{"projectId": "42"}]})")) == 42);
  CHECK(reader.ProjectId(json::parse(R"({"projects": []})")).status().message() ==
        "QuantConnect projects/create: no projects[0].projectId in {\"projects\":[]}");
  CHECK(*reader.CompileId(json::parse(R"({"compileId": "c-1"})")) == "c-1");
  const Result<CompileState> compile =
      reader.Compile(json::parse(R"({"state": "BuildError", "logs": ["a s3cr3t-token", 3]})"));
  REQUIRE(compile.ok());
  CHECK(compile->logs == std::vector<std::string>{"a <redacted>"});
  CHECK(*reader.BacktestId(json::parse(R"({"backtest": [{"backtestId": "b2"}]})")) == "b2");
  CHECK(reader.BacktestId(json::parse("{}")).status().code() == StatusCode::kUnknownOutcome);
  CHECK(reader.Backtest(json::parse(R"({"backtest": 5})")).status().code() ==
        StatusCode::kInternal);
  CHECK_FALSE(reader.Chart(json::parse(R"({"status": "loading"})"))->has_value());
  CHECK((**reader.Chart(json::parse(R"({"chart": {"name": "x"}})")))["name"] == "x");
  const Result<OrdersPage> orders =
      reader.Orders(json::parse(R"({"orders": [1, 2], "length": 2})"));
  REQUIRE(orders.ok());
  CHECK(orders->orders.size() == 2);
  CHECK(orders->length == 2);
  const Result<std::vector<ProjectSummary>> projects = reader.Projects(
      json::parse(R"({"projects": [{"projectId": 7, "name": "p"}, {"name": "no id"}, 3]})"));
  REQUIRE(projects.ok());
  REQUIRE(projects->size() == 1);
  CHECK((*projects)[0].name == "p");
  CHECK(*reader.BacktestIds(json::parse(R"({"backtests": [{"backtestId": "x"}, {}, 4]})")) ==
        std::vector<std::string>{"x"});
  // A non-object answer has no members: an error, not an exception.
  CHECK(reader.Projects(json::array()).status().code() == StatusCode::kInternal);
}

TEST_CASE("qc reply: Redact handles adjacent and repeated secrets", "[qc_cloud]") {
  const QcReplyReader reader(kToken);
  const std::string hash(64, 'a');
  CHECK(reader.Redact(std::string(kToken) + hash + " Basic dXNlcg== Basic ") ==
        "<redacted><redacted> Basic <redacted> Basic ");
  CHECK(reader.Redact(hash.substr(1) + " ok " + kToken + kToken) ==
        hash.substr(1) + " ok <redacted><redacted>");
  std::string many;
  for (int i = 0; i < 1000; ++i) many += hash + ",";
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += "<redacted>,";
  CHECK(reader.Redact(many) == expected);
  CHECK(QcReplyReader("").Redact("Basic") == "Basic");
}

TEST_CASE("qc reply: an answer of bytes that are not UTF-8 is quoted as \\xNN (found by fuzzing)",
          "[qc_cloud]") {
  // Quoted raw, such bytes made the message invalid UTF-8: the job's error could not be
  // written as JSON.
  const Read r = Answer(200, "\xad\xad{\"success\": true}");
  CHECK(r.doc.status().code() == StatusCode::kInternal);
  CHECK(IsValidUtf8(r.doc.status().message()));
  CHECK(r.doc.status().message() ==
        "QuantConnect backtests/read: malformed answer (not a JSON object): "
        "\\xad\\xad{\"success\": true}");
  // A cut at the excerpt's length never splits a character.
  const std::string long_error = std::string(299, 'z') + "\xc3\xa9";  // 301 bytes
  const Read cut = Answer(500, R"({"errors": [")" + long_error + R"("]})");
  INFO(cut.doc.status().message());
  CHECK(IsValidUtf8(cut.doc.status().message()));
  CHECK(cut.doc.status().message().find(std::string(299, 'z') + "...") != std::string::npos);
}

TEST_CASE("qc reply: an escaped byte cannot complete the token in a message (found by fuzzing)",
          "[qc_cloud]") {
  // "\xb0" + "f1e2d-token" read "\xb0f1e2d-token" once escaped: the token, after the redaction.
  const QcReplyReader reader("0f1e2d-token");
  bool retryable = false;
  const Result<json> doc = reader.ReadAnswer("backtests/read", CallKind::kRead, 200,
                                             "\xb0"
                                             "f1e2d-token",
                                             &retryable);
  CHECK(doc.status().message() ==
        "QuantConnect backtests/read: malformed answer (not a JSON object): \\xb<redacted>");
}

TEST_CASE("qc reply: a deeply nested answer is malformed, not a stack overflow", "[qc_cloud]") {
  // nlohmann parses a million levels, and returning the value copied it recursively.
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  const Read r = Answer(200, R"({"success": true, "backtest": )" + deep + "}");
  CHECK(r.doc.status().code() == StatusCode::kInternal);
  CHECK(r.doc.status().message().find("malformed answer (not a JSON object)") != std::string::npos);
}

}  // namespace
}  // namespace btr::qc
