#include "router/http/api.h"

#include <string>

#include "router/http/http_edge.h"

namespace btr {

std::optional<std::string> ApiRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> ApiRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

ApiReply ApiReply::Json(int code, const nlohmann::json& body) {
  ApiReply r;
  r.code = code;
  r.body = body.dump();
  return r;
}

int HttpCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kAlreadyExists:
      return 422;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string_view HttpReasonPhrase(int code) {
  switch (code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return code >= 500 ? "Server Error" : "Client Error";
  }
}

ApiReply ApiReply::Problem(const Status& status, const std::string& instance, int http_code) {
  const int code = http_code != 0 ? http_code : HttpCodeFor(status.code());
  // The type names the error class; the title is for people ("Method Not Allowed").
  std::string type(StatusCodeName(status.code()));
  if (http_code != 0 && http_code != HttpCodeFor(status.code())) {
    type = LowerCase(std::string(HttpReasonPhrase(code)));
    for (char& c : type) c = c == ' ' ? '_' : c;
  }
  nlohmann::json body = {
      {"type", "https://btrouter.dev/problems/" + type},
      {"title", std::string(HttpReasonPhrase(code))},
      {"status", code},
      {"detail", code == 500 ? "internal error; see the server log" : status.message()},
  };
  if (!instance.empty()) body["instance"] = instance;
  // "strategy.params.fast: expected ..." names the field before the first ": ".
  const std::string& m = status.message();
  const size_t colon = m.find(": ");
  if (code != 500 && colon != std::string::npos && colon > 0 && m.find(' ') >= colon) {
    body["field"] = m.substr(0, colon);
  }
  ApiReply r;
  r.code = code;
  r.body = body.dump();
  r.content_type = "application/problem+json";
  if (code == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (code == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace btr
