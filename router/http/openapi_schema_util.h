// Builders of JSON Schema fragments for the OpenAPI schemas (internal to router/http:
// openapi_schemas*.cc).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "router/http/openapi.h"

namespace btr::openapi_schema {

using nlohmann::json;

inline json Typed(const char* type, const std::string& description = "") {
  json s = {{"type", type}};
  if (!description.empty()) s["description"] = description;
  return s;
}
inline json Str(const std::string& d = "") { return Typed("string", d); }
inline json Int(const std::string& d = "") { return Typed("integer", d); }
inline json Num(const std::string& d = "") { return Typed("number", d); }
inline json Bool(const std::string& d = "") { return Typed("boolean", d); }
inline json Time(const std::string& d = "ISO-8601 UTC time") {
  json s = Str(d);
  s["format"] = "date-time";
  return s;
}

// `schema` or null.
inline json OrNull(json schema) {
  if (schema.contains("$ref")) return {{"anyOf", {schema, {{"type", "null"}}}}};
  schema["type"] = {schema["type"], "null"};
  return schema;
}

inline json Array(json items, const std::string& d = "") {
  json s = {{"type", "array"}, {"items", std::move(items)}};
  if (!d.empty()) s["description"] = d;
  return s;
}

inline json Object(const std::string& d, json properties,
                   const std::vector<std::string>& required) {
  json s = {{"type", "object"}, {"description", d}, {"properties", std::move(properties)}};
  if (!required.empty()) s["required"] = required;
  return s;
}

// An object with any members (a map of unknown values, not an empty object).
inline json AnyObject(const std::string& d = "") {
  json s = {{"type", "object"}, {"additionalProperties", true}};
  if (!d.empty()) s["description"] = d;
  return s;
}

// An object whose members all have the schema `values` (a map by name).
inline json MapOf(json values, const std::string& d) {
  return {{"type", "object"}, {"description", d}, {"additionalProperties", std::move(values)}};
}

// A string enumeration of name(v) for each of `values`.
template <typename E, typename NameFn>
json EnumOf(std::initializer_list<E> values, NameFn name, const std::string& d) {
  json names = json::array();
  for (E v : values) names.push_back(std::string(name(v)));
  json s = Str(d);
  s["enum"] = names;
  return s;
}

// "Pass as ?cursor= for the next page; null at the end".
inline json NextCursor() {
  return OrNull(Str("Pass as ?cursor= for the next page; null at the end"));
}

// The schemas of jobs and their results (openapi_schemas_jobs.cc): JobStatus, Error,
// BacktestSpec, Job, JobPage, MetricValue, Conventions, Metrics, Trade, TradePage, EquityPoint,
// EquityPage, Result, LogLine, LogPage.
json JobSchemas();
// OptimizationRequest and OptimizationReport (openapi_schemas_optimize.cc).
json OptimizationSchemas();
// The Monte Carlo request and report (openapi_schemas_monte_carlo.cc): MonteCarloRequest,
// MonteCarloReport.
json MonteCarloSchemas();
// Every named schema: JobSchemas() and the others (openapi_schemas.cc).
json AllSchemas();

}  // namespace btr::openapi_schema
