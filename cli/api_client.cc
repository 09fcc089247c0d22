#include "cli/api_client.h"

namespace btr::cli {
namespace {

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

std::vector<std::pair<std::string, std::string>> ClientHeaders(const std::string& api_key) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!api_key.empty()) headers.emplace_back("Authorization", "Bearer " + api_key);
  headers.emplace_back("Accept", "application/json, application/problem+json");
  return headers;
}

}  // namespace

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
    message = Excerpt(response.body);
    if (message.empty()) message = "empty reply";
  }
  return Status(CodeForHttp(response.code),
                message + " (HTTP " + std::to_string(response.code) + ")");
}

ApiClient::ApiClient(std::string base_url, std::string api_key)
    : http_(std::move(base_url), "btrouter-cli", ClientHeaders(api_key)) {}

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
  HttpRequest request;
  request.method = method;
  request.path = std::string(path);
  request.body = body;
  request.content_type = std::string(content_type);
  request.headers = headers;
  request.timeout = timeout;
  Result<ApiResponse> response = http_.Send(request);
  if (response.ok()) return response;
  // The CLI talks to btrouter: say how to get one running.
  // The CLI talks to btrouter: name it and say how to get one running.
  std::string message = response.status().message();
  for (std::string_view verb : {"cannot reach ", "no complete answer from "}) {
    if (message.rfind(verb, 0) == 0) {
      message = std::string(verb) + "btrouter at " + message.substr(verb.size());
    }
  }
  if (response.status().code() == StatusCode::kUnavailable) {
    message += " — is `btrouter serve` running?";
  }
  return Status::Unavailable(message);
}

}  // namespace btr::cli
