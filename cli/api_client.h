// The CLI's HTTP client of a running `btrouter serve`: blocking requests over libcurl with the
// API key as `Authorization: Bearer`. A reply of any HTTP code is a value ({code, body,
// headers}); only transport failures (no connection, timeout, bad URL) are a Status, Unavailable,
// whose message names the server URL and suggests starting `btrouter serve`.
//
//   ApiClient api("http://127.0.0.1:8080", key);
//   Result<ApiResponse> r = api.Get("/v1/backtests/bt_1?wait=5", std::chrono::seconds(35));
//   if (r.ok() && !r->ok()) std::puts(ProblemStatus(*r).message().c_str());
//
// A value type: each request opens its own connection (the CLI makes few requests).
// Thread-safe for concurrent requests.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/common/http_client.h"
#include "engines/core/status.h"

namespace btr::cli {

// A reply of any HTTP code ({code, body, headers}).
using ApiResponse = HttpResponse;

// A non-2xx reply as a Status: the problem+json `detail` (prefixed with `field` when the detail
// does not already start with it), or the raw body when the server sent no problem document;
// " (HTTP <code>)" is appended. 400/413 and other 4xx map to InvalidArgument, 401
// Unauthenticated, 403 PermissionDenied, 404 NotFound, 409 FailedPrecondition, 422
// AlreadyExists, 429 ResourceExhausted, 503 Unavailable, 504 DeadlineExceeded, other codes
// Internal. REQUIRES: !response.ok().
Status ProblemStatus(const ApiResponse& response);

class ApiClient {
 public:
  // `base_url` such as "http://127.0.0.1:8080" (a trailing '/' is dropped; "host:port" without a
  // scheme gets "http://"); `api_key` may be empty for public routes.
  ApiClient(std::string base_url, std::string api_key);

  const std::string& base_url() const { return http_.base_url(); }

  // `path` starts with '/' and may carry a query. `timeout` bounds the whole exchange (a
  // long-poll needs more than its ?wait=). `headers` as {name, value} pairs.
  using Headers = std::vector<std::pair<std::string, std::string>>;
  Result<ApiResponse> Get(std::string_view path,
                          std::chrono::seconds timeout = kDefaultTimeout) const;
  Result<ApiResponse> Post(std::string_view path, std::string_view body,
                           std::string_view content_type, const Headers& headers = {},
                           std::chrono::seconds timeout = kDefaultTimeout) const;
  Result<ApiResponse> Delete(std::string_view path,
                             std::chrono::seconds timeout = kDefaultTimeout) const;

  static constexpr std::chrono::seconds kDefaultTimeout{60};

 private:
  Result<ApiResponse> Perform(const char* method, std::string_view path, const std::string* body,
                              std::string_view content_type, const Headers& headers,
                              std::chrono::seconds timeout) const;

  HttpClient http_;
};

}  // namespace btr::cli
