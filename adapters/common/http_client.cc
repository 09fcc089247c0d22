#include "adapters/common/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

#include "engines/core/json_text.h"
#include "engines/core/utf8.h"

namespace btr {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string_view TrimHeaderValue(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  return value;
}

// One header line ("Name: value\r\n"); the status line and the blank end line have no colon.
size_t AppendHeader(char* data, size_t size, size_t n, void* out) {
  const std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    (*static_cast<std::map<std::string, std::string>*>(out))[name] =
        std::string(TrimHeaderValue(line.substr(colon + 1)));
  }
  return size * n;
}

std::string NormalizeBaseUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.find("://") == std::string::npos) url = "http://" + url;
  return url;
}

// Transport failure → Status: Unavailable when nothing was sent, UnknownOutcome otherwise.
Status TransportStatus(CURLcode rc, const char* error, long request_bytes,
                       const std::string& what) {
  const std::string why = error[0] != '\0' ? error : curl_easy_strerror(rc);
  const bool never_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                          rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_URL_MALFORMAT ||
                          rc == CURLE_UNSUPPORTED_PROTOCOL || request_bytes == 0;
  if (never_sent) return Status::Unavailable("cannot reach " + what + ": " + why);
  return Status::UnknownOutcome("no complete answer from " + what + ": " + why);
}

}  // namespace

nlohmann::json HttpResponse::Json() const { return ParseJson(body); }

std::string HttpResponse::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(std::string base_url, std::string user_agent,
                       std::vector<std::pair<std::string, std::string>> default_headers)
    : base_url_(NormalizeBaseUrl(std::move(base_url))),
      user_agent_(std::move(user_agent)),
      default_headers_(std::move(default_headers)) {
  GlobalInitOnce();
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("libcurl: cannot create a handle");
  curl_slist* list = nullptr;
  std::vector<std::string> lines;
  for (const auto& [name, value] : default_headers_) lines.push_back(name + ": " + value);
  if (request.body != nullptr) lines.push_back("Content-Type: " + request.content_type);
  for (const auto& [name, value] : request.headers) lines.push_back(name + ": " + value);
  lines.push_back("Expect:");  // some servers never answer 100-continue; curl would stall
  for (const std::string& line : lines) list = curl_slist_append(list, line.c_str());

  const std::string url = base_url_ + request.path;
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body->size()));
  }
  const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min<long>(timeout_ms, static_cast<long>(connect_timeout_.count())));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent_.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  long request_bytes = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.code);
  curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_bytes);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return TransportStatus(rc, error, request_bytes,
                           base_url_ + " (" + request.method + " " + request.path + ")");
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

std::string Excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  std::string piece;
  while (!text.empty()) {
    const auto c = static_cast<unsigned char>(text[0]);
    size_t length = Utf8CharLength(text);
    piece.clear();
    if (c == '\n' || c == '\r' || c == '\t') {
      piece = " ";
      length = 1;
    } else if (length == 0) {
      AppendEscapedByte(c, &piece);
      length = 1;
    } else {
      piece.assign(text.substr(0, length));
    }
    if (out.size() + piece.size() > max_chars) {
      out += "...";
      break;
    }
    out += piece;
    text.remove_prefix(length);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace btr
