// Strategies, keys, whoami, health, metrics and the OpenAPI document (datasets are in
// dataset_routes.cc, engines in engine_routes.cc, backtests in backtest_routes.cc).
#include "engines/core/json_text.h"
#include "engines/catalogue/catalogue.h"
#include "engines/catalogue/catalogue_json.h"
#include "router/http/route_util.h"
#include "services/auth/api_keys.h"

namespace btr {

std::vector<ApiRoute> BacktestRoutes(const ApiDeps& deps);
std::vector<ApiRoute> DatasetRoutes(const ApiDeps& deps);     // dataset_routes.cc
std::vector<ApiRoute> EngineRoutes(const ApiDeps& deps);      // engine_routes.cc
std::vector<ApiRoute> ComparisonRoutes(const ApiDeps& deps);  // comparison_routes.cc
std::vector<ApiRoute> OptimizationRoutes(const ApiDeps& deps);  // optimization_routes.cc
std::vector<ApiRoute> MonteCarloRoutes(const ApiDeps& deps);  // monte_carlo_routes.cc
void SetEngineGauges(const ApiDeps& deps);

namespace {

using route_util::Problem;

ApiReply Strategies(const ApiDeps& deps, const ApiRequest&) {
  nlohmann::json out = nlohmann::json::array();
  for (const StrategyInfo& info : StrategyCatalogue()) {
    nlohmann::json engines = nlohmann::json::array();
    for (Engine* engine : deps.engines->All()) {
      for (const std::string& s : engine->capabilities().strategies) {
        if (s == info.name) engines.push_back(std::string(engine->name()));
      }
    }
    nlohmann::json entry = StrategyToJson(info);
    entry["engines"] = engines;
    out.push_back(std::move(entry));
  }
  return ApiReply::Json(200, {{"items", out}});
}

nlohmann::json KeyToJson(const ApiKeyRecord& k) {
  return {{"id", k.id},
          {"tenant", k.tenant},
          {"role", std::string(RoleName(k.role))},
          {"created_at", FormatIsoTime(k.created_at, true)},
          {"revoked", k.revoked_at != 0}};
}

ApiReply CreateKey(const ApiDeps& deps, const ApiRequest& req) {
  const nlohmann::json body = ParseJson(req.body);
  if (!body.is_object() || !body.contains("tenant") || !body["tenant"].is_string()) {
    return Problem(Status::InvalidArgument("tenant: required, a string"), req);
  }
  Role role = Role::kUser;
  if (body.contains("role")) {
    if (body["role"] == "admin") {
      role = Role::kAdmin;
    } else if (body["role"] != "user") {
      return Problem(Status::InvalidArgument("role: expected user or admin"), req);
    }
  }
  Result<IssuedKey> issued =
      IssueApiKey(*deps.store, body["tenant"].get<std::string>(), role, deps.clock->Now());
  if (!issued.ok()) return Problem(issued.status(), req);
  nlohmann::json out = KeyToJson(issued->record);
  out["key"] = issued->key;
  return ApiReply::Json(201, out);
}

ApiReply ListKeys(const ApiDeps& deps, const ApiRequest& req) {
  Result<std::vector<ApiKeyRecord>> keys = deps.store->ListApiKeys();
  if (!keys.ok()) return Problem(keys.status(), req);
  nlohmann::json items = nlohmann::json::array();
  for (const ApiKeyRecord& k : *keys) items.push_back(KeyToJson(k));
  return ApiReply::Json(200, {{"items", items}});
}

ApiReply RevokeKey(const ApiDeps& deps, const ApiRequest& req) {
  Status s = deps.store->RevokeApiKey(req.params.at("id"), deps.clock->Now());
  if (!s.ok()) return Problem(s, req);
  ApiReply reply;
  reply.code = 204;
  return reply;
}

// The calling key: its tenant, role and id (the dashboard greys out admin actions by it).
ApiReply WhoAmI(const ApiDeps&, const ApiRequest& req) {
  return ApiReply::Json(200, {{"tenant", req.caller.tenant},
                              {"role", std::string(RoleName(req.caller.role))},
                              {"key_id", req.caller.id}});
}

ApiReply Livez(const ApiDeps&, const ApiRequest&) {
  return ApiReply::Json(200, {{"status", "ok"}});
}

ApiReply Readyz(const ApiDeps& deps, const ApiRequest& req) {
  Result<size_t> keys = deps.store->CountApiKeys();
  if (!keys.ok()) return Problem(Status::Unavailable("store: " + keys.status().message()), req);
  return ApiReply::Json(200, {{"status", "ready"}, {"queue_depth", deps.jobs->queue_depth()}});
}

ApiReply Metrics(const ApiDeps& deps, const ApiRequest&) {
  deps.metrics->Set("btr_queue_depth", {}, static_cast<double>(deps.jobs->queue_depth()));
  deps.metrics->Set("btr_jobs_running", {}, static_cast<double>(deps.jobs->running_count()));
  SetEngineGauges(deps);
  ApiReply reply;
  reply.body = deps.metrics->Render();
  reply.content_type = "text/plain; version=0.0.4";
  return reply;
}

}  // namespace

std::vector<ApiRoute> BuildRoutes(const ApiDeps& deps) {
  auto bind = [deps](ApiReply (*fn)(const ApiDeps&, const ApiRequest&)) {
    return [deps, fn](const ApiRequest& req) { return fn(deps, req); };
  };
  std::vector<ApiRoute> routes = BacktestRoutes(deps);
  std::vector<ApiRoute> monte_carlo = MonteCarloRoutes(deps);
  routes.insert(routes.end(), monte_carlo.begin(), monte_carlo.end());
  std::vector<ApiRoute> datasets = DatasetRoutes(deps);
  routes.insert(routes.end(), datasets.begin(), datasets.end());
  std::vector<ApiRoute> more = {
      {.method = "GET",
       .path = "/v1/strategies",
       .summary = "The strategy catalogue with typed parameters",
       .handler = bind(Strategies),
       .success_schema = SchemaRef("StrategyList")},
      {.method = "POST",
       .path = "/v1/keys",
       .access = Access::kAdmin,
       .summary = "Create an API key for a tenant (admin)",
       .handler = bind(CreateKey),
       .success_code = 201,
       .success_schema = SchemaRef("NewKey"),
       .body = JsonBody("KeyRequest")},
      {.method = "GET",
       .path = "/v1/keys",
       .access = Access::kAdmin,
       .summary = "List API keys (admin)",
       .handler = bind(ListKeys),
       .success_schema = SchemaRef("KeyList")},
      {.method = "DELETE",
       .path = "/v1/keys/{id}",
       .access = Access::kAdmin,
       .summary = "Revoke an API key (admin)",
       .handler = bind(RevokeKey),
       .success_code = 204},
      {.method = "GET",
       .path = "/v1/whoami",
       .summary = "The calling key's tenant, role (user or admin) and id",
       .handler = bind(WhoAmI),
       .success_schema = SchemaRef("WhoAmI")},
      {.method = "GET",
       .path = "/livez",
       .access = Access::kPublic,
       .summary = "Liveness",
       .handler = bind(Livez),
       .success_schema = SchemaRef("Liveness")},
      {.method = "GET",
       .path = "/readyz",
       .access = Access::kPublic,
       .summary = "Readiness (store reachable)",
       .handler = bind(Readyz),
       .success_schema = SchemaRef("Readiness"),
       .problems = {503}},
      {.method = "GET",
       .path = "/metrics",
       .access = Access::kPublic,
       .summary = "Prometheus metrics",
       .handler = bind(Metrics),
       .success_schema = {{"type", "string"},
                          {"description", "The Prometheus text exposition format 0.0.4"}}},
  };
  routes.insert(routes.end(), more.begin(), more.end());
  std::vector<ApiRoute> engines = EngineRoutes(deps);
  routes.insert(routes.end(), engines.begin(), engines.end());
  std::vector<ApiRoute> comparisons = ComparisonRoutes(deps);
  routes.insert(routes.end(), comparisons.begin(), comparisons.end());
  std::vector<ApiRoute> optimizations = OptimizationRoutes(deps);
  routes.insert(routes.end(), optimizations.begin(), optimizations.end());
  ApiRoute openapi{.method = "GET",
                   .path = "/openapi.json",
                   .access = Access::kPublic,
                   .summary = "This API's OpenAPI 3.1 document",
                   .handler = nullptr,
                   .success_schema = {{"type", "object"},
                                      {"additionalProperties", true},
                                      {"description", "An OpenAPI 3.1 document"}}};
  routes.push_back(openapi);
  const nlohmann::json document = OpenApiDocument(routes);
  routes.back().handler = [document](const ApiRequest&) { return ApiReply::Json(200, document); };
  return routes;
}

}  // namespace btr
