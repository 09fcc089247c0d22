// The REST API's handler contract, independent of the HTTP library: a route table of
// (method, path, auth, summary, handler, and what the route reads and answers) that the server
// registers and that the OpenAPI document is generated from (router/http/openapi.h), so the two
// cannot drift.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engines/core/status.h"
#include "services/store/store.h"

namespace btr {

struct ApiRequest {
  std::string method;                          // "GET", ...
  std::string path;                            // as received, without the query
  std::map<std::string, std::string> params;   // path parameters by name ("id")
  std::map<std::string, std::string> query;    // names and values %XX-decoded ('+' is kept)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  ApiKeyRecord caller;  // set for authenticated routes
  std::string request_id;

  std::optional<std::string> Query(const std::string& name) const;
  std::optional<std::string> Header(const std::string& lower_case_name) const;
};

struct ApiReply {
  int code = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the reply is computed on another thread (long-poll); `code`/`body` are ignored.
  std::function<ApiReply()> deferred;

  static ApiReply Json(int code, const nlohmann::json& body);
  // RFC 9457 problem+json from a non-OK Status; the field is the message's leading
  // "field.path:" when there is one.
  // `http_code` overrides the code derived from the status (e.g. 405, 413).
  static ApiReply Problem(const Status& status, const std::string& instance = "",
                          int http_code = 0);
};

using ApiHandler = std::function<ApiReply(const ApiRequest&)>;

enum class Access { kPublic, kUser, kAdmin };

// A query or header parameter a route reads, as the OpenAPI document declares it. The handler
// parses and checks the value itself; declare the two side by side.
struct ApiParam {
  enum class In { kQuery, kHeader };
  std::string name;
  In in = In::kQuery;
  std::string description = {};
  nlohmann::json schema = {{"type", "string"}};  // of the value: type, default, enum, range
  bool required = false;
};

// The request body a route reads: the media types it accepts, all with `schema`.
struct ApiBody {
  std::vector<std::string> media_types = {"application/json"};
  nlohmann::json schema = nullptr;
  std::string description = {};
  bool required = true;  // false: the route also takes an empty body
};

// A success answer other than the route's `success_code` (e.g. 202 next to 204).
struct ApiAnswer {
  int code = 200;
  std::string description;
  nlohmann::json schema = nullptr;  // of the JSON body; null: no body
};

// One route. Everything after `handler` only describes the route in the OpenAPI document (the
// server does not read it); declarations use designated initializers:
//   {.method = "GET", .path = "/v1/things/{id}", .summary = "One thing", .handler = ...,
//    .success_schema = SchemaRef("Thing"), .problems = {409}}
struct ApiRoute {
  std::string method;  // "GET", "POST", "DELETE"
  std::string path;    // OpenAPI style: "/v1/backtests/{id}"
  Access access = Access::kUser;
  std::string summary;
  ApiHandler handler;
  int success_code = 200;
  // The JSON schema of the success body (a SchemaRef for JSON bodies); null: a string for the
  // text routes (/metrics, *.csv, *.html), {"type": "object"} otherwise.
  nlohmann::json success_schema = nullptr;
  std::vector<ApiAnswer> other_answers = {};  // further success answers
  std::optional<ApiBody> body = {};           // none: the route reads no body
  std::vector<ApiParam> params = {};          // query and header parameters
  // The problem+json answers beyond those the document derives for every route: 400 with
  // parameters or a body, 401 unless public, 403 for admin, 404 with path parameters, 413 with
  // a body, 431 always. E.g. {409, 422, 429, 503}.
  std::vector<int> problems = {};
};

// HTTP status for a Status code (InvalidArgument 400, Unauthenticated 401, PermissionDenied 403,
// NotFound 404, FailedPrecondition 409, AlreadyExists 422, ResourceExhausted 429,
// Unavailable 503, DeadlineExceeded 504, others 500).
int HttpCodeFor(StatusCode code);

// "Not Found" for 404, "Content Too Large" for 413, ... (RFC 9110); the problem titles.
std::string_view HttpReasonPhrase(int code);

}  // namespace btr
