// The OpenAPI 3.1 document of the route table (GET /openapi.json, `btrouter openapi`): every
// route's path, query and header parameters, request body, success answers and problem+json
// answers. Bodies are described by named schemas under components/schemas (openapi_schemas.cc),
// written to match what the handlers build, and referenced with $ref; the problem answers are
// shared under components/responses. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "router/http/api.h"

namespace btr {

// The document describing `routes`.
nlohmann::json OpenApiDocument(const std::vector<ApiRoute>& routes);

// {"$ref": "#/components/schemas/<name>"}. REQUIRES: `name` is a key of OpenApiSchemas().
nlohmann::json SchemaRef(std::string_view name);

// A JSON request body described by the named schema.
ApiBody JsonBody(std::string_view schema_name);

// The named schemas (components/schemas): Job, BacktestSpec, Result, Metrics, Trade, Dataset,
// Engine, Strategy, Comparison, the pages, Problem, ...
nlohmann::json OpenApiSchemas();

}  // namespace btr
