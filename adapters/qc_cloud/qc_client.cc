#include "adapters/qc_cloud/qc_client.h"

#include <algorithm>
#include <cctype>
#include <thread>

namespace btr::qc {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kRedacted = "<redacted>";
constexpr std::string_view kCredentialHint =
    " (check engines.qc_cloud.user_id and the API token: engines.qc_cloud.token, "
    "BTR__ENGINES__QC_CLOUD__TOKEN or engines.qc_cloud.token_file)";

std::string What(std::string_view endpoint) { return "QuantConnect " + std::string(endpoint); }

// The first error text of an envelope (errors[0], then messages[0], then Message), or "".
std::string EnvelopeText(const json& doc) {
  if (!doc.is_object()) return "";
  for (const char* key : {"errors", "messages"}) {
    auto it = doc.find(key);
    if (it != doc.end() && it->is_array() && !it->empty() && (*it)[0].is_string()) {
      return (*it)[0].get<std::string>();
    }
  }
  auto it = doc.find("Message");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

// JSON text; invalid UTF-8 is replaced rather than thrown on.
std::string Dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool IsCredentialError(std::string_view text) {
  return text.rfind("Hash doesn't match", 0) == 0 || text.rfind("UserID not valid", 0) == 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool IsBase64(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' || c == '=';
}

// An id member that may come as a number or as digits in a string.
std::optional<int64_t> IntMember(const json& doc, const char* key) {
  if (!doc.is_object()) return std::nullopt;
  auto it = doc.find(key);
  if (it == doc.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    const std::string text = it->get<std::string>();
    if (!text.empty() && text.size() < 19 && std::all_of(text.begin(), text.end(), IsDigit)) {
      return std::stoll(text);
    }
  }
  return std::nullopt;
}

std::string StringMember(const json& doc, const char* key) {
  if (!doc.is_object()) return "";
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

// The "backtest" member: an object, or the first element of an array (the docs' example form).
const json* BacktestMember(const json& doc) {
  auto it = doc.find("backtest");
  if (it == doc.end()) return nullptr;
  if (it->is_object()) return &*it;
  if (it->is_array() && !it->empty() && (*it)[0].is_object()) return &(*it)[0];
  return nullptr;
}

}  // namespace

QcClient::QcClient(QcClientOptions options, const Clock* clock)
    : options_(std::move(options)),
      signer_(options_.credentials, clock),
      http_(options_.url, "btrouter-qc-cloud-adapter"),
      jitter_(options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device()()) {
  http_.set_connect_timeout(std::min(options_.request_timeout, milliseconds(10000)));
  if (!options_.sleep) options_.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };
}

std::string QcClient::Redact(std::string_view text) const {
  std::string out(text);
  const std::string& token = options_.credentials.token;
  if (!token.empty()) {
    for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at)) {
      out.replace(at, token.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  // Request hashes: runs of 64 or more hex digits.
  for (size_t i = 0; i < out.size();) {
    size_t j = i;
    while (j < out.size() && IsHex(out[j])) ++j;
    if (j - i >= 64) {
      out.replace(i, j - i, kRedacted);
      i += kRedacted.size();
    } else {
      i = j == i ? i + 1 : j;
    }
  }
  // Authorization values: "Basic <base64>".
  for (size_t at = out.find("Basic "); at != std::string::npos; at = out.find("Basic ", at)) {
    size_t end = at + 6;
    while (end < out.size() && IsBase64(out[end])) ++end;
    if (end > at + 6) out.replace(at + 6, end - at - 6, kRedacted);
    at += 6;
  }
  return out;
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
      const long code = reply->code;
      const json doc = reply->Json();
      const std::string envelope_text = EnvelopeText(doc);
      const std::string server =
          Excerpt(Redact(envelope_text.empty() ? reply->body : envelope_text), 300);
      const std::string http = what + ": HTTP " + std::to_string(code) +
                               (server.empty() ? std::string() : ": " + server);
      if (code == 401) return Status::Unauthenticated(http + std::string(kCredentialHint));
      if (code == 403) return Status::PermissionDenied(http);
      if (code == 429) {
        if (kind == CallKind::kCreate) {
          return Status::Unavailable(http + " (rate limited; nothing was created)");
        }
        failure = Status::Unavailable(http + " (rate limited)");
      } else if (code >= 500) {
        if (kind == CallKind::kCreate) {
          return Status::UnknownOutcome(
              http + "; the request may have been applied, so it is not re-sent");
        }
        failure = Status::Unavailable(http);
      } else if (code == 404) {
        return Status::Internal(http + " (is engines.qc_cloud.url the API v2 base, such as " +
                                "https://www.quantconnect.com/api/v2?)");
      } else if (code < 200 || code >= 300) {
        return Status::InvalidArgument(http);
      } else if (!doc.is_object()) {
        return Status::Internal(
            what + ": malformed answer (not a JSON object): " + Excerpt(Redact(reply->body)));
      } else if (StringMember(doc, "status") == "loading") {
        return doc;  // backtests/chart/read while the chart is generated
      } else if (doc.contains("success") &&
                 !(doc["success"].is_boolean() && doc["success"].get<bool>())) {
        const std::string error = Excerpt(Redact(envelope_text), 300);
        const std::string message =
            what + " failed: " + (error.empty() ? "success:false without errors" : error);
        if (IsCredentialError(envelope_text)) {
          return Status::Unauthenticated(message + std::string(kCredentialHint));
        }
        if (kind == CallKind::kCreate) return Status::InvalidArgument(message);
        return Status::Internal(message);
      } else {
        return doc;
      }
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
  const json& projects = (*doc)["projects"];
  std::optional<int64_t> id;
  if (projects.is_array() && !projects.empty()) id = IntMember(projects[0], "projectId");
  if (!id) {
    return Status::Internal("QuantConnect projects/create: no projects[0].projectId in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  return *id;
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
  const std::string id = StringMember(*doc, "compileId");
  if (id.empty()) {
    return Status::Internal("QuantConnect compile/create: no compileId in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  return id;
}

Result<CompileState> QcClient::ReadCompile(int64_t project, const std::string& compile_id,
                                           const CallScope& scope) const {
  Result<json> doc = Call("compile/read", {{"projectId", project}, {"compileId", compile_id}},
                          CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  CompileState state;
  state.state = StringMember(*doc, "state");
  if (state.state.empty()) {
    return Status::Internal("QuantConnect compile/read: no state in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  auto logs = doc->find("logs");
  if (logs != doc->end() && logs->is_array()) {
    for (const json& line : *logs) {
      if (line.is_string()) state.logs.push_back(Redact(line.get<std::string>()));
    }
  }
  return state;
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
  const json* backtest = BacktestMember(*doc);
  const std::string id = backtest != nullptr ? StringMember(*backtest, "backtestId") : "";
  if (id.empty()) {
    // The backtest may run, but without its id it cannot be followed or stopped.
    return Status::UnknownOutcome("QuantConnect backtests/create: no backtest.backtestId in " +
                                  Excerpt(Redact(Dump(*doc))));
  }
  return id;
}

Result<json> QcClient::ReadBacktest(int64_t project, const std::string& backtest_id,
                                    const CallScope& scope) const {
  Result<json> doc = Call("backtests/read", {{"projectId", project}, {"backtestId", backtest_id}},
                          CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  const json* backtest = BacktestMember(*doc);
  if (backtest == nullptr) {
    return Status::Internal("QuantConnect backtests/read: no backtest object in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  return *backtest;
}

Result<std::optional<json>> QcClient::ReadChart(int64_t project, const std::string& backtest_id,
                                                const std::string& name, int64_t count,
                                                int64_t start_s, int64_t end_s,
                                                const CallScope& scope) const {
  const json body = {{"projectId", project}, {"backtestId", backtest_id}, {"name", name},
                     {"count", count},       {"start", start_s},          {"end", end_s}};
  Result<json> doc = Call("backtests/chart/read", body, CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  if (StringMember(*doc, "status") == "loading") return std::optional<json>();
  auto chart = doc->find("chart");
  if (chart == doc->end() || !chart->is_object()) {
    return Status::Internal("QuantConnect backtests/chart/read: no chart object in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  return std::optional<json>(*chart);
}

Result<OrdersPage> QcClient::ReadOrders(int64_t project, const std::string& backtest_id,
                                        int64_t start, int64_t end, const CallScope& scope) const {
  const json body = {
      {"projectId", project}, {"backtestId", backtest_id}, {"start", start}, {"end", end}};
  Result<json> doc = Call("backtests/orders/read", body, CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  auto orders = doc->find("orders");
  if (orders == doc->end() || !orders->is_array()) {
    return Status::Internal("QuantConnect backtests/orders/read: no orders array in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  OrdersPage page;
  page.orders.assign(orders->begin(), orders->end());
  page.length = IntMember(*doc, "length").value_or(0);
  return page;
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
  const json& projects = (*doc)["projects"];
  if (!projects.is_array()) {
    return Status::Internal("QuantConnect projects/read: no projects array in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  std::vector<ProjectSummary> out;
  for (const json& project : projects) {
    std::optional<int64_t> id =
        project.is_object() ? IntMember(project, "projectId") : std::nullopt;
    if (!id) continue;
    ProjectSummary summary;
    summary.id = *id;
    if (project.contains("name") && project["name"].is_string()) {
      summary.name = project["name"].get<std::string>();
    }
    out.push_back(std::move(summary));
  }
  return out;
}

Result<std::vector<std::string>> QcClient::ListBacktests(int64_t project,
                                                         const CallScope& scope) const {
  Result<json> doc = Call("backtests/list", {{"projectId", project}, {"includeStatistics", false}},
                          CallKind::kRead, scope);
  if (!doc.ok()) return doc.status();
  const json& backtests = (*doc)["backtests"];
  if (!backtests.is_array()) {
    return Status::Internal("QuantConnect backtests/list: no backtests array in " +
                            Excerpt(Redact(Dump(*doc))));
  }
  std::vector<std::string> ids;
  for (const json& backtest : backtests) {
    if (backtest.is_object() && backtest.contains("backtestId") &&
        backtest["backtestId"].is_string()) {
      ids.push_back(backtest["backtestId"].get<std::string>());
    }
  }
  return ids;
}

}  // namespace btr::qc
