#include "router/http/openapi.h"

#include <cctype>
#include <map>
#include <set>
#include <string>

namespace btr {
namespace {

using nlohmann::json;

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
       "Submit backtests, follow their status and progress, read results, trades and equity, "
       "and test a result's robustness by Monte Carlo"},
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

// The problem+json answers, shared under components/responses by name.
struct ProblemAnswer {
  const char* name;
  const char* description;
  const char* header;  // a header the answer carries, or null
  const char* header_description;
};

const std::map<int, ProblemAnswer>& ProblemAnswers() {
  static const std::map<int, ProblemAnswer> kAnswers = {
      {400,
       {"BadRequest", "Invalid input; `field` names the parameter or body field at fault", nullptr,
        nullptr}},
      {401,
       {"Unauthorized", "No API key, or an unknown or revoked one", "WWW-Authenticate",
        "Always `Bearer`"}},
      {403, {"Forbidden", "The key is not an admin key", nullptr, nullptr}},
      {404,
       {"NotFound", "Not found (another tenant's resource is not found either)", nullptr, nullptr}},
      {409,
       {"Conflict",
        "The resource is in the wrong state for this (a job or comparison still running or "
        "already finished, an engine not in the state the action needs)",
        nullptr, nullptr}},
      {413,
       {"ContentTooLarge",
        "The body is larger than server.max_body_bytes (or, for datasets, "
        "limits.max_dataset_bytes)",
        nullptr, nullptr}},
      {422,
       {"IdempotencyKeyReused", "The Idempotency-Key was used before with a different body",
        nullptr, nullptr}},
      {429,
       {"TooManyRequests", "The job queue is full or the tenant has too many active jobs",
        "Retry-After", "Seconds to wait before trying again"}},
      {426,
       {"UpgradeRequired", "This path serves WebSocket only: send `Upgrade: websocket`", "Upgrade",
        "Always `websocket`"}},
      {431,
       {"HeadersTooLarge", "The request line and headers are larger than server.max_header_bytes",
        nullptr, nullptr}},
      {503,
       {"Unavailable",
        "Not available now: no engine can take the job (the detail names each engine's state), "
        "the store is unreachable, or the feature is off on this server",
        nullptr, nullptr}},
  };
  return kAnswers;
}

json ProblemContent() { return {{"application/problem+json", {{"schema", SchemaRef("Problem")}}}}; }

json ResponseComponents() {
  json out = {{"Error",
               {{"description", "An unexpected error, as RFC 9457 problem details"},
                {"content", ProblemContent()}}}};
  for (const auto& [code, answer] : ProblemAnswers()) {
    json response = {{"description", answer.description}, {"content", ProblemContent()}};
    if (answer.header != nullptr) {
      response["headers"][answer.header] = {{"description", answer.header_description},
                                            {"schema", {{"type", "string"}}}};
    }
    out[answer.name] = std::move(response);
  }
  return out;
}

json Parameters(const ApiRoute& route) {
  json parameters = json::array();
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
  for (const ApiParam& p : route.params) {
    parameters.push_back({{"name", p.name},
                          {"in", p.in == ApiParam::In::kQuery ? "query" : "header"},
                          {"required", p.required},
                          {"description", p.description},
                          {"schema", p.schema}});
  }
  return parameters;
}

std::string SuccessDescription(int code) {
  switch (code) {
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "Done; no body";
    default:
      return "Success";
  }
}

json SuccessResponse(const ApiRoute& route) {
  json success = {{"description", SuccessDescription(route.success_code)}};
  if (route.success_code == 204) return success;
  const std::string media = SuccessMediaType(route);
  json schema = media == "application/json" ? json{{"type", "object"}} : json{{"type", "string"}};
  if (!route.success_schema.is_null()) schema = route.success_schema;
  success["content"] = {{media, {{"schema", schema}}}};
  return success;
}

// The problem codes a route can answer: derived from its shape, plus its own.
std::set<int> ProblemCodes(const ApiRoute& route) {
  std::set<int> codes(route.problems.begin(), route.problems.end());
  if (route.body || !route.params.empty()) codes.insert(400);
  if (route.access != Access::kPublic) codes.insert(401);
  if (route.access == Access::kAdmin) codes.insert(403);
  if (route.path.find('{') != std::string::npos) codes.insert(404);
  if (route.body) codes.insert(413);
  codes.insert(431);
  return codes;
}

json Responses(const ApiRoute& route) {
  json responses = {{std::to_string(route.success_code), SuccessResponse(route)}};
  for (const ApiAnswer& answer : route.other_answers) {
    json response = {{"description", answer.description}};
    if (!answer.schema.is_null()) {
      response["content"] = {{"application/json", {{"schema", answer.schema}}}};
    }
    responses[std::to_string(answer.code)] = std::move(response);
  }
  for (int code : ProblemCodes(route)) {
    responses[std::to_string(code)] = {
        {"$ref", std::string("#/components/responses/") + ProblemAnswers().at(code).name}};
  }
  responses["default"] = {{"$ref", "#/components/responses/Error"}};
  return responses;
}

json RequestBody(const ApiBody& body) {
  json content = json::object();
  for (const std::string& media : body.media_types) content[media] = {{"schema", body.schema}};
  json out = {{"required", body.required}, {"content", content}};
  if (!body.description.empty()) out["description"] = body.description;
  return out;
}

json Operation(const ApiRoute& route) {
  json op = {
      {"operationId", OperationId(route)},
      {"summary", route.summary},
      {"description", route.summary + ".\n\n" + AccessText(route.access) +
                          " Errors are RFC 9457 problem details naming the offending field."},
      {"tags", {TagOf(route.path)}},
  };
  const json parameters = Parameters(route);
  if (!parameters.empty()) op["parameters"] = parameters;
  if (route.body) op["requestBody"] = RequestBody(*route.body);
  op["responses"] = Responses(route);
  if (route.access == Access::kPublic) op["security"] = json::array();
  return op;
}

}  // namespace

json SchemaRef(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

ApiBody JsonBody(std::string_view schema_name) {
  ApiBody body;
  body.schema = SchemaRef(schema_name);
  return body;
}

json OpenApiDocument(const std::vector<ApiRoute>& routes) {
  json paths = json::object();
  std::set<std::string> tags;
  for (const ApiRoute& route : routes) {
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[route.path][method] = Operation(route);
    tags.insert(TagOf(route.path));
  }
  json tag_list = json::array();
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
      {"security", {{{"bearer", json::array()}}}},
      {"tags", tag_list},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description",
             "An API key from `btrouter keys create` or POST /v1/keys, sent as "
             "`Authorization: Bearer <key>`"}}}}},
        {"responses", ResponseComponents()},
        {"schemas", OpenApiSchemas()}}},
  };
}

}  // namespace btr
