#include "adapters/qc_cloud/qc_client.h"

#include <algorithm>
#include <thread>

namespace btr::qc {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

std::string What(std::string_view endpoint) { return "QuantConnect " + std::string(endpoint); }

// JSON text; invalid UTF-8 is replaced rather than thrown on.
std::string Dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

QcClient::QcClient(QcClientOptions options, const Clock* clock)
    : options_(std::move(options)),
      signer_(options_.credentials, clock),
      http_(options_.url, "btrouter-qc-cloud-adapter"),
      replies_(options_.credentials.token),
      jitter_(options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device()()) {
  http_.set_connect_timeout(std::min(options_.request_timeout, milliseconds(10000)));
  if (!options_.sleep) options_.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };
}

Status QcClient::CheckScope(const CallScope& scope) const {
  if (scope.cancel != nullptr && scope.cancel->load(std::memory_order_relaxed)) {
    return Status::Cancelled("cancelled");
  }
  if (SteadyClock::now() >= scope.deadline) {
    return Status::DeadlineExceeded(
        "time limit reached" +
        (scope.deadline_setting.empty() ? std::string() : " (" + scope.deadline_setting + ")"));
  }
  return Status::Ok();
}

Status QcClient::Sleep(milliseconds duration, const CallScope& scope) const {
  const SteadyClock::time_point until = SteadyClock::now() + duration;
  for (;;) {
    BTR_RETURN_IF_ERROR(CheckScope(scope));
    const SteadyClock::time_point now = SteadyClock::now();
    if (now >= until) return Status::Ok();
    options_.sleep(std::min(
        milliseconds(20), std::chrono::ceil<milliseconds>(std::min(until, scope.deadline) - now)));
  }
}

milliseconds QcClient::Backoff(int retry, const HttpResponse* reply) const {
  const int shift = std::min(retry - 1, 16);
  const milliseconds base = std::min(options_.backoff_max, options_.backoff_initial * (1 << shift));
  double fraction;
  {
    std::lock_guard<std::mutex> lock(jitter_mu_);
    fraction = std::uniform_real_distribution<double>(0.5, 1.0)(jitter_);
  }
  milliseconds wait(static_cast<int64_t>(static_cast<double>(base.count()) * fraction));
  if (reply != nullptr) {  // Retry-After in seconds, honoured up to backoff_max
    const std::string after = reply->Header("retry-after");
    if (!after.empty() && after.size() < 6 && std::all_of(after.begin(), after.end(), IsDigit)) {
      wait = std::max(wait, std::min(options_.backoff_max, milliseconds(std::stoll(after) * 1000)));
    }
  }
  return wait;
}

Result<json> QcClient::Call(std::string_view endpoint, const json& body, CallKind kind,
                            const CallScope& scope) const {
  const std::string what = What(endpoint);
  const std::string text = Dump(body);
  const int attempts = scope.max_attempts > 0 ? scope.max_attempts : options_.max_attempts;
  for (int attempt = 1;; ++attempt) {
    BTR_RETURN_IF_ERROR(CheckScope(scope));
    const SignedHeaders signature = signer_.Sign();
    HttpRequest request;
    request.method = "POST";
    request.path = "/" + std::string(endpoint);
    request.body = &text;
    request.headers = {{"Authorization", signature.authorization},
                       {"Timestamp", signature.timestamp},
                       {"Accept", "application/json"}};
    const auto left = std::chrono::ceil<milliseconds>(scope.deadline - SteadyClock::now());
    request.timeout = std::max(milliseconds(1), std::min(options_.request_timeout, left));
    Result<HttpResponse> reply = http_.Send(request);

    Status failure;  // a failure that may be retried
    const HttpResponse* answered = nullptr;
    if (!reply.ok()) {
      const std::string why = Redact(reply.status().message());
      if (reply.status().code() == StatusCode::kUnknownOutcome && kind == CallKind::kCreate) {
        return Status::UnknownOutcome(what + ": " + why +
                                      "; the request may have been applied, so it is not re-sent");
      }
      failure = Status::Unavailable(what + ": " + why);
    } else {
      answered = &*reply;
      bool retryable = false;
      Result<json> doc = replies_.ReadAnswer(endpoint, kind, reply->code, reply->body, &retryable);
      if (!retryable) return doc;
      failure = doc.status();
    }
    if (attempt >= attempts) {
      if (attempts == 1) return failure;
      return Status::Unavailable(failure.message() + " (gave up after " + std::to_string(attempts) +
                                 " attempts)");
    }
    BTR_RETURN_IF_ERROR(Sleep(Backoff(attempt, answered), scope));
  }
}

Status QcClient::Authenticate(const CallScope& scope) const {
  Result<json> doc = Call("authenticate", json::object(), CallKind::kRead, scope);
  return doc.ok() ? Status::Ok() : doc.status();
}

Result<int64_t> QcClient::CreateProject(const std::string& name, const CallScope& scope) const {
  json body = {{"name", name}, {"language", "Py"}};
  if (!options_.organization_id.empty()) body["organizationId"] = options_.organization_id;
  Result<json> doc = Call("projects/create", body, CallKind::kCreate, scope);
  if (!doc.ok()) return doc.status();
  return replies_.ProjectId(*doc);
}

Status QcClient::UpdateFile(int64_t project, const std::string& name, const std::string& content,
                            const CallScope& scope) const {
  Result<json> doc =
      Call("files/update", {{"projectId", project}, {"name", name}, {"content", content}},
           CallKind::kRead, scope);
  return doc.ok() ? Status::Ok() : doc.status();
}

Status QcClient::CreateFile(int64_t project, const std::string& name, const std::string& content,
                            const CallScope& scope) const {
  Result<json> doc =
      Call("files/create", {{"projectId", project}, {"name", name}, {"content", content}},
           CallKind::kCreate, scope);
  return doc.ok() ? Status::Ok() : doc.status();
}

Result<std::string> QcClient::CreateCompile(int64_t project, const CallScope& scope) const {
  Result<json> doc = Call("compile/create", {{"projectId", project}}, CallKind::kCreate, scope);
  if (!doc.ok()) return doc.status();
  return replies_.CompileId(*doc);
}

Result<CompileState> QcClient::ReadCompile(int64_t project, const std::string& compile_id,
                                           const CallScope& scope) const {
  Result<json> doc = Call("compile/read", {{"projectId", project}, {"compileId", compile_id}},
                          CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  return replies_.Compile(*doc);
}

Result<std::string> QcClient::CreateBacktest(int64_t project, const std::string& compile_id,
                                             const std::string& name,
                                             const std::map<std::string, std::string>& parameters,
                                             const CallScope& scope) const {
  const json body = {{"projectId", project},
                     {"compileId", compile_id},
                     {"backtestName", name},
                     {"parameters", parameters}};
  Result<json> doc = Call("backtests/create", body, CallKind::kCreate, scope);
  if (!doc.ok()) return doc.status();
  return replies_.BacktestId(*doc);
}

Result<json> QcClient::ReadBacktest(int64_t project, const std::string& backtest_id,
                                    const CallScope& scope) const {
  Result<json> doc = Call("backtests/read", {{"projectId", project}, {"backtestId", backtest_id}},
                          CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  return replies_.Backtest(*doc);
}

Result<std::optional<json>> QcClient::ReadChart(int64_t project, const std::string& backtest_id,
                                                const std::string& name, int64_t count,
                                                int64_t start_s, int64_t end_s,
                                                const CallScope& scope) const {
  const json body = {{"projectId", project}, {"backtestId", backtest_id}, {"name", name},
                     {"count", count},       {"start", start_s},          {"end", end_s}};
  Result<json> doc = Call("backtests/chart/read", body, CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  return replies_.Chart(*doc);
}

Result<OrdersPage> QcClient::ReadOrders(int64_t project, const std::string& backtest_id,
                                        int64_t start, int64_t end, const CallScope& scope) const {
  const json body = {
      {"projectId", project}, {"backtestId", backtest_id}, {"start", start}, {"end", end}};
  Result<json> doc = Call("backtests/orders/read", body, CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  return replies_.Orders(*doc);
}

Status QcClient::DeleteBacktest(int64_t project, const std::string& backtest_id,
                                const CallScope& scope) const {
  Result<json> doc = Call("backtests/delete", {{"projectId", project}, {"backtestId", backtest_id}},
                          CallKind::kRead, scope);
  return doc.ok() ? Status::Ok() : doc.status();
}

Status QcClient::DeleteProject(int64_t project, const CallScope& scope) const {
  Result<json> doc = Call("projects/delete", {{"projectId", project}}, CallKind::kRead, scope);
  return doc.ok() ? Status::Ok() : doc.status();
}

Result<std::vector<ProjectSummary>> QcClient::ListProjects(const CallScope& scope) const {
  Result<json> doc = Call("projects/read", json::object(), CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  return replies_.Projects(*doc);
}

Result<std::vector<std::string>> QcClient::ListBacktests(int64_t project,
                                                         const CallScope& scope) const {
  Result<json> doc = Call("backtests/list", {{"projectId", project}, {"includeStatistics", false}},
                          CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  return replies_.BacktestIds(*doc);
}

}  // namespace btr::qc
