#include "router/http/api.h"

#include <cctype>
#include <map>
#include <set>

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

namespace {

// The tag of a route: its resource ("/v1/backtests/{id}" -> "backtests"); the unversioned
// service routes (/livez, /readyz, /metrics, /openapi.json) share "service".
std::string TagOf(const std::string& path) {
  if (path.rfind("/v1/", 0) != 0) return "service";
  const size_t end = path.find('/', 4);
  return path.substr(4, end == std::string::npos ? std::string::npos : end - 4);
}

std::string TagDescription(const std::string& tag) {
  static const std::map<std::string, std::string> kDescriptions = {
      {"backtests",
       "Submit backtests, follow their status and progress, read results, trades and equity"},
      {"datasets",
       "Upload CSV bar data (validated, with sha256), list it and read its bars for charts"},
      {"strategies", "The strategy catalogue with typed parameters"},
      {"engines", "Backtesting engines with their state and capabilities"},
      {"keys", "API keys and tenants (admin)"},
      {"whoami", "The calling API key's tenant and role"},
      {"comparisons",
       "Run one spec on several engines and report, metric by metric and trade by trade, how "
       "and why they differ"},
      {"service", "Liveness, readiness, Prometheus metrics and this document"},
  };
  auto it = kDescriptions.find(tag);
  return it != kDescriptions.end() ? it->second : "Routes under /v1/" + tag;
}

// "GET /v1/backtests/{id}/result" -> "get_v1_backtests_id_result".
std::string OperationId(const ApiRoute& route) {
  std::string id;
  for (char c : route.method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char c : route.path) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      id += c;
    } else if (c != '{' && c != '}' && id.back() != '_') {
      id += '_';
    }
  }
  while (id.back() == '_') id.pop_back();
  return id;
}

std::string AccessText(Access access) {
  switch (access) {
    case Access::kPublic:
      return "Public: no API key needed.";
    case Access::kUser:
      return "Needs an API key (`Authorization: Bearer <key>`); reads and writes are scoped to "
             "the key's tenant, and another tenant's resource is a 404.";
    case Access::kAdmin:
      return "Needs an admin API key (`Authorization: Bearer <key>`).";
  }
  return "";
}

// The media type of a route's success body. Every route answers JSON except the Prometheus
// exposition and the report pages named by their extension (.html, .csv).
std::string SuccessMediaType(const ApiRoute& route) {
  if (route.path == "/metrics") return "text/plain";
  if (route.path.ends_with(".html")) return "text/html";
  if (route.path.ends_with(".csv")) return "text/csv";
  return "application/json";
}

nlohmann::json ProblemResponse(const std::string& description) {
  return {
      {"description", description},
      {"content",
       {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

nlohmann::json Operation(const ApiRoute& route) {
  nlohmann::json op = {
      {"operationId", OperationId(route)},
      {"summary", route.summary},
      {"description", route.summary + ".\n\n" + AccessText(route.access) +
                          " Errors are RFC 9457 problem details naming the offending field."},
      {"tags", {TagOf(route.path)}},
  };
  nlohmann::json parameters = nlohmann::json::array();
  for (size_t pos = route.path.find('{'); pos != std::string::npos;
       pos = route.path.find('{', pos + 1)) {
    const size_t end = route.path.find('}', pos);
    const std::string name = route.path.substr(pos + 1, end - pos - 1);
    parameters.push_back({{"name", name},
                          {"in", "path"},
                          {"required", true},
                          {"description", "The resource's " + name + ", as listed by GET " +
                                              route.path.substr(0, pos - 1)},
                          {"schema", {{"type", "string"}}}});
  }
  if (!parameters.empty()) op["parameters"] = parameters;

  nlohmann::json success = {{"description", "Success"}};
  if (route.success_code != 204) {
    const std::string media = SuccessMediaType(route);
    nlohmann::json schema = media == "application/json" ? nlohmann::json{{"type", "object"}}
                                                        : nlohmann::json{{"type", "string"}};
    if (!route.success_schema.is_null()) schema = route.success_schema;
    success["content"] = {{media, {{"schema", schema}}}};
  }
  nlohmann::json responses = {{std::to_string(route.success_code), success}};
  if (route.access != Access::kPublic) {
    responses["401"] = ProblemResponse("No API key, or an unknown or revoked one");
  }
  if (route.access == Access::kAdmin) {
    responses["403"] = ProblemResponse("The key is not an admin key");
  }
  if (!parameters.empty()) {
    responses["404"] = ProblemResponse("Not found (another tenant's resource is not found either)");
  }
  responses["default"] = ProblemResponse("An error, as RFC 9457 problem details");
  op["responses"] = responses;
  if (route.access == Access::kPublic) op["security"] = nlohmann::json::array();
  return op;
}

}  // namespace

nlohmann::json OpenApiDocument(const std::vector<ApiRoute>& routes) {
  nlohmann::json paths = nlohmann::json::object();
  std::set<std::string> tags;
  for (const ApiRoute& route : routes) {
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[route.path][method] = Operation(route);
    tags.insert(TagOf(route.path));
  }
  nlohmann::json tag_list = nlohmann::json::array();
  for (const std::string& tag : tags) {
    tag_list.push_back({{"name", tag}, {"description", TagDescription(tag)}});
  }
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "btrouter API"},
        {"version", "1.0.0"},
        {"description",
         "A multi-engine backtesting router: submit backtests, read canonical "
         "metrics, trades and equity."},
        {"contact", {{"name", "btrouter maintainers"}}},
        {"license", {{"name", "Proprietary"}, {"identifier", "LicenseRef-Proprietary"}}}}},
      {"servers", {{{"url", "/"}, {"description", "The server that answered this document"}}}},
      {"security", {{{"bearer", nlohmann::json::array()}}}},
      {"tags", tag_list},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "An API key from `btrouter keys create` or POST /v1/keys"}}}}},
        {"schemas",
         {{"Problem",
           {{"type", "object"},
            {"description", "RFC 9457 problem details"},
            {"properties",
             {{"type", {{"type", "string"}}},
              {"title", {{"type", "string"}}},
              {"status", {{"type", "integer"}}},
              {"detail", {{"type", "string"}}},
              {"field",
               {{"type", "string"},
                {"description", "The request field at fault, e.g. strategy.params.fast"}}},
              {"instance", {{"type", "string"}}}}},
            {"required", {"type", "title", "status"}}}}}}}},
  };
}

}  // namespace btr
