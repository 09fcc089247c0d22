#include "adapters/qc_cloud/qc_reply.h"

#include <algorithm>
#include <cctype>

#include "adapters/common/http_client.h"
#include "engines/core/json_text.h"

namespace btr::qc {
namespace {

using nlohmann::json;

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

// The member `key` of an object, or nullptr.
const json* Member(const json& doc, const char* key) {
  if (!doc.is_object()) return nullptr;
  auto it = doc.find(key);
  return it != doc.end() ? &*it : nullptr;
}

// The "backtest" member: an object, or the first element of an array (the docs' example form).
const json* BacktestMember(const json& doc) {
  const json* backtest = Member(doc, "backtest");
  if (backtest == nullptr) return nullptr;
  if (backtest->is_object()) return backtest;
  if (backtest->is_array() && !backtest->empty() && (*backtest)[0].is_object()) {
    return &(*backtest)[0];
  }
  return nullptr;
}

}  // namespace

Status QcReplyReader::Missing(std::string_view endpoint, std::string_view what,
                              const json& doc) const {
  return Status::Internal(What(endpoint) + ": no " + std::string(what) + " in " +
                          Quote(Dump(doc), 200));
}

Status QcReplyReader::HttpError(std::string_view endpoint, CallKind kind, long code,
                                std::string_view body, const std::string& envelope_text,
                                bool* retryable) const {
  const std::string server = Quote(envelope_text.empty() ? body : envelope_text, 300);
  const std::string http = What(endpoint) + ": HTTP " + std::to_string(code) +
                           (server.empty() ? std::string() : ": " + server);
  if (code == 401) return Status::Unauthenticated(http + std::string(kCredentialHint));
  if (code == 403) return Status::PermissionDenied(http);
  if (code == 429) {
    if (kind == CallKind::kCreate) {
      return Status::Unavailable(http + " (rate limited; nothing was created)");
    }
    *retryable = true;
    return Status::Unavailable(http + " (rate limited)");
  }
  if (code >= 500) {
    if (kind == CallKind::kCreate) {
      return Status::UnknownOutcome(http +
                                    "; the request may have been applied, so it is not re-sent");
    }
    *retryable = true;
    return Status::Unavailable(http);
  }
  if (code == 404) {
    return Status::Internal(http + " (is engines.qc_cloud.url the API v2 base, such as " +
                            "https://www.quantconnect.com/api/v2?)");
  }
  return Status::InvalidArgument(http);
}

Result<json> QcReplyReader::ReadAnswer(std::string_view endpoint, CallKind kind, long code,
                                       std::string_view body, bool* retryable) const {
  *retryable = false;
  json doc = ParseJson(body);
  const std::string envelope_text = EnvelopeText(doc);
  if (code < 200 || code >= 300) {
    return HttpError(endpoint, kind, code, body, envelope_text, retryable);
  }
  const std::string what = What(endpoint);
  if (!doc.is_object()) {
    return Status::Internal(what + ": malformed answer (not a JSON object): " + Quote(body, 200));
  }
  if (StringMember(doc, "status") == "loading") return doc;  // chart/read while it is drawn
  const json* success = Member(doc, "success");
  if (success != nullptr && !(success->is_boolean() && success->get<bool>())) {
    const std::string error = Quote(envelope_text, 300);
    const std::string message =
        what + " failed: " + (error.empty() ? "success:false without errors" : error);
    if (IsCredentialError(envelope_text)) {
      return Status::Unauthenticated(message + std::string(kCredentialHint));
    }
    if (kind == CallKind::kCreate) return Status::InvalidArgument(message);
    return Status::Internal(message);
  }
  return doc;
}

Result<int64_t> QcReplyReader::ProjectId(const json& doc) const {
  const json* projects = Member(doc, "projects");
  std::optional<int64_t> id;
  if (projects != nullptr && projects->is_array() && !projects->empty()) {
    id = IntMember((*projects)[0], "projectId");
  }
  if (!id) return Missing("projects/create", "projects[0].projectId", doc);
  return *id;
}

Result<std::string> QcReplyReader::CompileId(const json& doc) const {
  std::string id = StringMember(doc, "compileId");
  if (id.empty()) return Missing("compile/create", "compileId", doc);
  return id;
}

Result<CompileState> QcReplyReader::Compile(const json& doc) const {
  CompileState state;
  state.state = StringMember(doc, "state");
  if (state.state.empty()) return Missing("compile/read", "state", doc);
  const json* logs = Member(doc, "logs");
  if (logs != nullptr && logs->is_array()) {
    for (const json& line : *logs) {
      if (line.is_string()) state.logs.push_back(Redact(line.get<std::string>()));
    }
  }
  return state;
}

Result<std::string> QcReplyReader::BacktestId(const json& doc) const {
  const json* backtest = BacktestMember(doc);
  std::string id = backtest != nullptr ? StringMember(*backtest, "backtestId") : "";
  if (id.empty()) {
    return Status::UnknownOutcome(
        Missing("backtests/create", "backtest.backtestId", doc).message());
  }
  return id;
}

Result<json> QcReplyReader::Backtest(const json& doc) const {
  const json* backtest = BacktestMember(doc);
  if (backtest == nullptr) return Missing("backtests/read", "backtest object", doc);
  return *backtest;
}

Result<std::optional<json>> QcReplyReader::Chart(const json& doc) const {
  if (StringMember(doc, "status") == "loading") return std::optional<json>();
  const json* chart = Member(doc, "chart");
  if (chart == nullptr || !chart->is_object()) {
    return Missing("backtests/chart/read", "chart object", doc);
  }
  return std::optional<json>(*chart);
}

Result<OrdersPage> QcReplyReader::Orders(const json& doc) const {
  const json* orders = Member(doc, "orders");
  if (orders == nullptr || !orders->is_array()) {
    return Missing("backtests/orders/read", "orders array", doc);
  }
  OrdersPage page;
  page.orders.assign(orders->begin(), orders->end());
  page.length = IntMember(doc, "length").value_or(0);
  return page;
}

Result<std::vector<ProjectSummary>> QcReplyReader::Projects(const json& doc) const {
  const json* projects = Member(doc, "projects");
  if (projects == nullptr || !projects->is_array()) {
    return Missing("projects/read", "projects array", doc);
  }
  std::vector<ProjectSummary> out;
  for (const json& project : *projects) {
    std::optional<int64_t> id = IntMember(project, "projectId");
    if (!id) continue;
    ProjectSummary summary;
    summary.id = *id;
    summary.name = StringMember(project, "name");
    out.push_back(std::move(summary));
  }
  return out;
}

Result<std::vector<std::string>> QcReplyReader::BacktestIds(const json& doc) const {
  const json* backtests = Member(doc, "backtests");
  if (backtests == nullptr || !backtests->is_array()) {
    return Missing("backtests/list", "backtests array", doc);
  }
  std::vector<std::string> ids;
  for (const json& backtest : *backtests) {
    const json* id = Member(backtest, "backtestId");
    if (id != nullptr && id->is_string()) ids.push_back(id->get<std::string>());
  }
  return ids;
}

std::string QcReplyReader::Quote(std::string_view text, size_t max_chars) const {
  // Redacted again after Excerpt: its \xNN escapes end in hex digits, which could complete a
  // hash or the token with the bytes after them.
  return Redact(Excerpt(Redact(text), max_chars));
}

std::string QcReplyReader::Redact(std::string_view text) const {
  // Three passes, each copying once: linear in the text however many secrets it holds.
  std::string no_token;
  if (token_.empty()) {
    no_token.assign(text);
  } else {
    size_t from = 0;
    for (size_t at = text.find(token_); at != std::string_view::npos;
         at = text.find(token_, from)) {
      no_token.append(text.substr(from, at - from)).append(kRedacted);
      from = at + token_.size();
    }
    no_token.append(text.substr(from));
  }
  // Request hashes: runs of 64 or more hex digits.
  std::string no_hash;
  for (size_t i = 0; i < no_token.size();) {
    size_t j = i;
    while (j < no_token.size() && IsHex(no_token[j])) ++j;
    if (j - i >= 64) {
      no_hash.append(kRedacted);
    } else {
      if (j == i) ++j;
      no_hash.append(no_token, i, j - i);
    }
    i = j;
  }
  // Authorization values: "Basic <base64>".
  constexpr std::string_view kBasic = "Basic ";
  std::string out;
  size_t from = 0;
  for (size_t at = no_hash.find(kBasic); at != std::string::npos; at = no_hash.find(kBasic, from)) {
    size_t end = at + kBasic.size();
    while (end < no_hash.size() && IsBase64(no_hash[end])) ++end;
    out.append(no_hash, from, at + kBasic.size() - from);
    if (end > at + kBasic.size()) out.append(kRedacted);
    from = end;
  }
  out.append(no_hash, from);
  return out;
}

}  // namespace btr::qc
