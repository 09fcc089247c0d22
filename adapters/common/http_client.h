// HttpClient: blocking HTTP/1.1 requests over libcurl, shared by the CLI's API client and the
// remote engine adapters (Backtesting.py service, QuantConnect Cloud).
//
// A reply of any HTTP status is a value (HttpResponse); only transport failures are a Status:
//   - Unavailable: the connection could not be made (refused, unresolvable, connect timeout);
//     the request certainly never reached the server.
//   - UnknownOutcome: the request was (or may have been) sent, but no complete answer came
//     (timeout, connection dropped); the server may have acted on it.
// Messages name the URL (never a header value, so credentials in headers stay out of them).
//
// A value type; each request opens its own connection. Thread-safe for concurrent requests.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engines/core/status.h"

namespace btr {

struct HttpResponse {
  long code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; the last value of repeats

  bool ok() const { return code >= 200 && code < 300; }
  // The body parsed (ParseJson, engines/core/json_text.h); a discarded value when it is not JSON
  // or nests too deeply.
  nlohmann::json Json() const;
  // A header's value, or "" when absent. `lower_case_name` as stored.
  std::string Header(const std::string& lower_case_name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path;                   // starts with '/', may carry a query
  const std::string* body = nullptr;  // not owned; sent when non-null
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // {name, value}
  std::chrono::milliseconds timeout{60000};                  // the whole exchange
};

class HttpClient {
 public:
  // `base_url` such as "http://127.0.0.1:8765" (trailing '/' dropped; "host:port" gets
  // "http://"). `default_headers` go with every request. `user_agent` names the caller.
  HttpClient(std::string base_url, std::string user_agent,
             std::vector<std::pair<std::string, std::string>> default_headers = {});

  const std::string& base_url() const { return base_url_; }

  Result<HttpResponse> Send(const HttpRequest& request) const;

  // Connect timeout (default 10 s; never more than the request timeout).
  void set_connect_timeout(std::chrono::milliseconds timeout) { connect_timeout_ = timeout; }

 private:
  std::string base_url_;
  std::string user_agent_;
  std::vector<std::pair<std::string, std::string>> default_headers_;
  std::chrono::milliseconds connect_timeout_{10000};
};

// "a/b c" -> "a%2Fb%20c": a query or path component, percent-encoded (RFC 3986 unreserved kept).
std::string UrlEncode(std::string_view text);

// `text` on one line and at most `max_chars` bytes long ("..." appended when cut), never cut
// inside a character, bytes that are not UTF-8 shown as \xNN (engines/core/utf8.h): for quoting
// unexpected replies in error messages, which must stay valid UTF-8.
std::string Excerpt(std::string_view text, size_t max_chars = 200);

}  // namespace btr
