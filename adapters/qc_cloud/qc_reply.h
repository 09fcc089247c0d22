// Reading the QuantConnect Cloud API's answers (reference/qc_lean.md §1.3,
// docs/engines/qc_cloud.md): the rules QcClient::Call applies to one HTTP answer, and what each
// call takes from a successful answer. Pure: no I/O and no clock; QcClient sends, waits and
// retries.
//
// Every text quoted in a message (server errors, excerpts of answers) passes through Redact(),
// so no message carries the token, a request hash or an Authorization value.
// Immutable after construction: concurrent calls are safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr::qc {

// Whether a call may create something (qc_client.h: what may be retried).
enum class CallKind { kRead, kCreate };

struct CompileState {
  std::string state;  // "InQueue", "BuildSuccess", "BuildError"
  std::vector<std::string> logs;
};

struct ProjectSummary {
  int64_t id = 0;
  std::string name;
};

struct OrdersPage {
  std::vector<nlohmann::json> orders;
  int64_t length = 0;  // as answered ("length"); 0 when absent
};

class QcReplyReader {
 public:
  // `token`: the API token, cut out of every quoted text (may be empty).
  explicit QcReplyReader(std::string token) : token_(std::move(token)) {}

  // One answer (HTTP status `code`, `body`) of `endpoint` ("backtests/read") read with the rules
  // of qc_client.h: the body's JSON object on success (a chart "loading" answer is returned as
  // is, whatever its `success`), else the error. *retryable (not null) is set when the failure
  // may be retried (a read's 429 or 5xx: Unavailable); it is false otherwise.
  Result<nlohmann::json> ReadAnswer(std::string_view endpoint, CallKind kind, long code,
                                    std::string_view body, bool* retryable) const;

  // What each call takes from a successful answer; Internal naming the missing member, with a
  // redacted excerpt of the answer, when it is not there.
  Result<int64_t> ProjectId(const nlohmann::json& doc) const;      // projects/create
  Result<std::string> CompileId(const nlohmann::json& doc) const;  // compile/create
  Result<CompileState> Compile(const nlohmann::json& doc) const;   // compile/read
  // backtests/create: UnknownOutcome without an id (the backtest may run, but cannot be
  // followed or stopped).
  Result<std::string> BacktestId(const nlohmann::json& doc) const;
  // backtests/read: the "backtest" object (the first element when the API sends an array).
  Result<nlohmann::json> Backtest(const nlohmann::json& doc) const;
  // backtests/chart/read: the "chart" object, or nullopt while the API answers "loading".
  Result<std::optional<nlohmann::json>> Chart(const nlohmann::json& doc) const;
  Result<OrdersPage> Orders(const nlohmann::json& doc) const;                     // orders/read
  Result<std::vector<ProjectSummary>> Projects(const nlohmann::json& doc) const;  // projects/read
  // backtests/list: the ids of the project's backtests, in the API's order.
  Result<std::vector<std::string>> BacktestIds(const nlohmann::json& doc) const;

  // `text` with the token, any run of 64 or more hex digits (a request hash) and any
  // "Basic <base64>" value replaced by "<redacted>".
  std::string Redact(std::string_view text) const;

 private:
  // `text` redacted and cut to an excerpt of about `max_chars` bytes (Excerpt, http_client.h).
  std::string Quote(std::string_view text, size_t max_chars) const;
  // The error of a non-2xx answer (ReadAnswer's rules).
  Status HttpError(std::string_view endpoint, CallKind kind, long code, std::string_view body,
                   const std::string& envelope_text, bool* retryable) const;
  // "QuantConnect <endpoint>: no <what> in <excerpt of doc>" (Internal).
  Status Missing(std::string_view endpoint, std::string_view what, const nlohmann::json& doc) const;

  std::string token_;
};

}  // namespace btr::qc
