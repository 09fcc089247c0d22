// QcClient: the QuantConnect Cloud REST API v2 calls btrouter makes (reference/qc_lean.md §1,
// docs/engines/qc_cloud.md). Every call is POST <url>/<endpoint> with a JSON body, signed with
// fresh Authorization and Timestamp headers (qc_auth.h).
//
// Answers (§1.3, read by QcReplyReader, qc_reply.h): a 2xx body is the envelope {success,
// errors[]}; `success:false` is an error: errors[0] starting "Hash doesn't match" or "UserID not
// valid" → Unauthenticated, otherwise the call's own class (creates: InvalidArgument, the cloud
// refused what was sent; reads: Internal). HTTP 401 → Unauthenticated; 403 → PermissionDenied.
//
// Retries, bounded by QcClientOptions::max_attempts, with exponential backoff and jitter
// (Retry-After honoured), only where a repeat cannot create anything twice:
//   - CallKind::kRead (reads, files/update, deletes): transport failures, 429 and 5xx;
//   - CallKind::kCreate (projects/create, files/create, compile/create, backtests/create): only
//     when the request was never sent (transport Unavailable). A create that may have been
//     applied (no complete answer, or 5xx) is never re-sent: UnknownOutcome. A 429 on a create
//     is Unavailable (refused, nothing created).
// A read whose retries run out → Unavailable. Every wait honours CallScope's cancel flag
// (→ Cancelled) and deadline (→ DeadlineExceeded naming CallScope::deadline_setting).
//
// Secrets: no message, Status or returned value carries the token, a request hash or an
// Authorization value; server texts and excerpts quoted in messages pass through Redact().
// Thread-safe: calls may run concurrently (the jitter generator is locked).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/http_client.h"
#include "adapters/qc_cloud/qc_auth.h"
#include "adapters/qc_cloud/qc_reply.h"
#include "engines/core/clock.h"
#include "engines/core/status.h"

namespace btr::qc {

struct QcClientOptions {
  std::string url = "https://www.quantconnect.com/api/v2";
  QcCredentials credentials;
  std::string organization_id;  // for projects/create; empty = the user's default
  std::chrono::milliseconds request_timeout{30000};  // one HTTP exchange
  int max_attempts = 5;                              // per call, the first one included
  std::chrono::milliseconds backoff_initial{500};    // first retry waits about this
  std::chrono::milliseconds backoff_max{8000};
  uint64_t jitter_seed = 0;  // 0 = from std::random_device
  // Sleeps one short slice (<= 20 ms); tests may replace it. Default: this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// What bounds the calls of one run.
struct CallScope {
  const std::atomic<bool>* cancel = nullptr;  // may be null
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::string deadline_setting;  // named in DeadlineExceeded ("engines.qc_cloud.timeout_s")
  int max_attempts = 0;          // 0 = QcClientOptions::max_attempts
};

class QcClient {
 public:
  // `clock` (not owned, outlives the client) gives the signing time.
  QcClient(QcClientOptions options, const Clock* clock);

  const QcClientOptions& options() const { return options_; }

  // One call with the retry rules above. The answer's JSON on success; a chart "loading"
  // answer ({"status": "loading"}) is returned as is, whatever its `success`.
  Result<nlohmann::json> Call(std::string_view endpoint, const nlohmann::json& body, CallKind kind,
                              const CallScope& scope) const;

  Status Authenticate(const CallScope& scope) const;
  // projects/create (language "Py"): the new project's id.
  Result<int64_t> CreateProject(const std::string& name, const CallScope& scope) const;
  Status UpdateFile(int64_t project, const std::string& name, const std::string& content,
                    const CallScope& scope) const;
  Status CreateFile(int64_t project, const std::string& name, const std::string& content,
                    const CallScope& scope) const;
  Result<std::string> CreateCompile(int64_t project, const CallScope& scope) const;
  Result<CompileState> ReadCompile(int64_t project, const std::string& compile_id,
                                   const CallScope& scope) const;
  // backtests/create with LEAN parameters: the backtest id.
  Result<std::string> CreateBacktest(int64_t project, const std::string& compile_id,
                                     const std::string& name,
                                     const std::map<std::string, std::string>& parameters,
                                     const CallScope& scope) const;
  // The "backtest" object of backtests/read (the first element when the API sends an array).
  Result<nlohmann::json> ReadBacktest(int64_t project, const std::string& backtest_id,
                                      const CallScope& scope) const;
  // backtests/chart/read: the "chart" object, or nullopt while the API answers "loading".
  Result<std::optional<nlohmann::json>> ReadChart(int64_t project, const std::string& backtest_id,
                                                  const std::string& name, int64_t count,
                                                  int64_t start_s, int64_t end_s,
                                                  const CallScope& scope) const;
  // backtests/orders/read for [start, end); REQUIRES end - start < 100.
  Result<OrdersPage> ReadOrders(int64_t project, const std::string& backtest_id, int64_t start,
                                int64_t end, const CallScope& scope) const;
  Status DeleteBacktest(int64_t project, const std::string& backtest_id,
                        const CallScope& scope) const;
  Status DeleteProject(int64_t project, const CallScope& scope) const;
  // projects/read without a projectId: every project of the account (id and name).
  Result<std::vector<ProjectSummary>> ListProjects(const CallScope& scope) const;
  // backtests/list: the ids of the project's backtests, in the API's order.
  Result<std::vector<std::string>> ListBacktests(int64_t project, const CallScope& scope) const;

  // Waits `duration` in short slices; Cancelled or DeadlineExceeded when the scope ends first.
  Status Sleep(std::chrono::milliseconds duration, const CallScope& scope) const;
  // Cancelled / DeadlineExceeded when the scope has ended, else OK.
  Status CheckScope(const CallScope& scope) const;

  // `text` with the token, any 64-hex-digit run (a request hash) and any "Basic <base64>"
  // value replaced by "<redacted>" (QcReplyReader::Redact).
  std::string Redact(std::string_view text) const { return replies_.Redact(text); }
  // The reader of the answers (for reading what several answers make together, qc_wire.h).
  const QcReplyReader& replies() const { return replies_; }

 private:
  std::chrono::milliseconds Backoff(int retry, const HttpResponse* reply) const;

  QcClientOptions options_;
  QcSigner signer_;
  HttpClient http_;
  QcReplyReader replies_;
  mutable std::mutex jitter_mu_;
  mutable std::mt19937_64 jitter_;
};

}  // namespace btr::qc
