#include "cli/api_client.h"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

namespace btr::cli {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One header line ("Name: value\r\n"); the status line and the blank end line have no colon.
size_t AppendHeader(char* data, size_t size, size_t n, void* out) {
  const std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = std::string(value);
  }
  return size * n;
}

std::string NormalizeBaseUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.find("://") == std::string::npos) url = "http://" + url;
  return url;
}

StatusCode CodeForHttp(long http) {
  switch (http) {
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kFailedPrecondition;
    case 422:
      return StatusCode::kAlreadyExists;
    case 429:
      return StatusCode::kResourceExhausted;
    case 503:
      return StatusCode::kUnavailable;
    case 504:
      return StatusCode::kDeadlineExceeded;
    default:
      return http >= 400 && http < 500 ? StatusCode::kInvalidArgument : StatusCode::kInternal;
  }
}

// The body on one line, shortened: for replies that are not problem documents.
std::string OneLine(std::string_view body) {
  std::string out;
  for (char c : body) {
    if (out.size() >= 200) {
      out += "...";
      break;
    }
    out += c == '\n' || c == '\r' || c == '\t' ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

nlohmann::json ApiResponse::Json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string ApiResponse::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

Status ProblemStatus(const ApiResponse& response) {
  const nlohmann::json doc = response.Json();
  std::string message;
  if (doc.is_object() && doc.contains("detail") && doc["detail"].is_string()) {
    message = doc["detail"].get<std::string>();
    if (doc.contains("field") && doc["field"].is_string()) {
      const std::string field = doc["field"].get<std::string>();
      if (!field.empty() && message.rfind(field + ":", 0) != 0) message = field + ": " + message;
    }
  } else {
    message = OneLine(response.body);
    if (message.empty()) message = "empty reply";
  }
  return Status(CodeForHttp(response.code),
                message + " (HTTP " + std::to_string(response.code) + ")");
}

ApiClient::ApiClient(std::string base_url, std::string api_key)
    : base_url_(NormalizeBaseUrl(std::move(base_url))), api_key_(std::move(api_key)) {
  GlobalInitOnce();
}

Result<ApiResponse> ApiClient::Get(std::string_view path, std::chrono::seconds timeout) const {
  return Perform("GET", path, nullptr, "", {}, timeout);
}

Result<ApiResponse> ApiClient::Post(std::string_view path, std::string_view body,
                                    std::string_view content_type, const Headers& headers,
                                    std::chrono::seconds timeout) const {
  const std::string copy(body);
  return Perform("POST", path, &copy, content_type, headers, timeout);
}

Result<ApiResponse> ApiClient::Delete(std::string_view path, std::chrono::seconds timeout) const {
  return Perform("DELETE", path, nullptr, "", {}, timeout);
}

Result<ApiResponse> ApiClient::Perform(const char* method, std::string_view path,
                                       const std::string* body, std::string_view content_type,
                                       const Headers& headers, std::chrono::seconds timeout) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("libcurl: cannot create a handle");
  curl_slist* list = nullptr;
  std::vector<std::string> lines;
  if (!api_key_.empty()) lines.push_back("Authorization: Bearer " + api_key_);
  if (body != nullptr) lines.push_back("Content-Type: " + std::string(content_type));
  for (const auto& [name, value] : headers) lines.push_back(name + ": " + value);
  lines.push_back("Accept: application/json, application/problem+json");
  lines.push_back("Expect:");  // Pistache never answers 100-continue; curl would stall on uploads
  for (const std::string& line : lines) list = curl_slist_append(list, line.c_str());

  const std::string url = base_url_ + std::string(path);
  ApiResponse response;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "btrouter-cli");
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.code);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    const std::string why = error[0] != '\0' ? error : curl_easy_strerror(rc);
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
      return Status::Unavailable("cannot reach btrouter at " + base_url_ + ": " + why +
                                 " — is `btrouter serve` running?");
    }
    return Status::Unavailable("no answer from btrouter at " + base_url_ + ": " + why);
  }
  return response;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace btr::cli
