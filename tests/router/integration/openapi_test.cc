// /openapi.json against the server that serves it: the document lists exactly the routes the
// server answers (and no others), and has the OpenAPI 3.1 shape tools rely on.
#include "router/http/openapi.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <utility>

#include "router/app/server_app.h"
#include "router/http/handlers.h"
#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::HttpResponse;
using testing::Request;

using RouteKey = std::pair<std::string, std::string>;  // (path template, upper-case method)

// The methods probed on every documented path. HEAD and CONNECT are left out: curl treats
// their replies specially (no body, tunnels), which says nothing about the routes.
const char* const kProbedMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "/v1/backtests/{id}/result" -> "/v1/backtests/id_0000000000/result".
std::string WithDummyParams(const std::string& path) {
  std::string out;
  for (size_t k = 0; k < path.size(); ++k) {
    if (path[k] != '{') {
      out += path[k];
      continue;
    }
    const size_t end = path.find('}', k);
    out += path.substr(k + 1, end - k - 1) + "_0000000000";
    k = end;
  }
  return out;
}

// The answers the router gives itself when no route matches: 405, or 404 naming "path".
bool IsRouterRejection(const HttpResponse& r) {
  if (r.code == 405) return true;
  return r.code == 404 && r.Json().is_object() && r.Json().value("field", "") == "path";
}

std::map<RouteKey, json> Operations(const json& document) {
  std::map<RouteKey, json> ops;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, op] : item.items()) ops[{path, Upper(method)}] = op;
  }
  return ops;
}

// The node a "$ref" names, or `node` itself when it is no reference.
json Deref(const json& document, const json& node) {
  if (!node.is_object() || !node.contains("$ref")) return node;
  const json::json_pointer pointer(node["$ref"].get<std::string>().substr(1));
  return document.contains(pointer) ? document.at(pointer) : json(nullptr);
}

// Every "$ref" under `node` (with where it is).
void CollectRefs(const json& node, const std::string& at,
                 std::vector<std::pair<std::string, std::string>>* refs) {
  if (node.is_object()) {
    for (const auto& [name, child] : node.items()) {
      if (name == "$ref" && child.is_string()) refs->push_back({at, child.get<std::string>()});
      CollectRefs(child, at + "/" + name, refs);
    }
  } else if (node.is_array()) {
    for (size_t k = 0; k < node.size(); ++k)
      CollectRefs(node[k], at + "/" + std::to_string(k), refs);
  }
}

TEST_CASE("openapi: every $ref resolves and every named schema is used", "[api][openapi]") {
  const json document = OpenApiDocument(BuildRoutes(ApiDeps{}));
  std::vector<std::pair<std::string, std::string>> refs;
  CollectRefs(document, "#", &refs);
  REQUIRE(!refs.empty());
  std::set<std::string> used;
  for (const auto& [at, ref] : refs) {
    INFO(at << " -> " << ref);
    REQUIRE(ref.rfind("#/", 0) == 0);
    CHECK(Deref(document, {{"$ref", ref}}).is_object());
    used.insert(ref);
  }
  for (const auto& [name, schema] : document["components"]["schemas"].items()) {
    INFO("components/schemas/" << name);
    CHECK(used.count("#/components/schemas/" + name) == 1);
    CHECK(!schema.value("description", "").empty());
  }
}

TEST_CASE("openapi: the document has the OpenAPI 3.1 shape", "[api][openapi]") {
  testing::ApiServer server;
  HttpResponse r = server.Call("GET", "/openapi.json", "");
  REQUIRE(r.code == 200);
  CHECK(r.headers["content-type"] == "application/json");
  const json document = r.Json();
  REQUIRE(document.is_object());
  CHECK(document["openapi"] == "3.1.0");
  CHECK(document["info"]["title"].is_string());
  CHECK(document["info"]["version"].is_string());
  REQUIRE(document["paths"].is_object());
  CHECK(document["components"]["securitySchemes"].contains("bearer"));

  std::set<std::string> operation_ids;
  const std::map<RouteKey, json> ops = Operations(document);
  REQUIRE(!ops.empty());
  for (const auto& [key, op] : ops) {
    INFO(key.second << " " << key.first);
    REQUIRE(op.is_object());
    REQUIRE(op["operationId"].is_string());
    CHECK(!op["operationId"].get<std::string>().empty());
    CHECK(operation_ids.insert(op["operationId"].get<std::string>()).second);  // unique
    REQUIRE(op["responses"].is_object());
    CHECK(!op["responses"].empty());
    for (const auto& [code, response] : op["responses"].items()) {
      INFO("answer " << code);
      CHECK(Deref(document, response)["description"].is_string());
      // A JSON success body names its schema (only the document itself is any object).
      const json body = Deref(document, response).value("content", json::object());
      if (code[0] == '2' && body.contains("application/json") && key.first != "/openapi.json") {
        CHECK(body["application/json"]["schema"] != json{{"type", "object"}});
      }
    }
    // Query and header parameters say what they are.
    for (const json& p : op.value("parameters", json::array())) {
      INFO("parameter " << p.dump());
      CHECK(!p.value("description", "").empty());
      CHECK(p["schema"].is_object());
    }
    // Every {param} of the template is declared as a required path parameter.
    std::set<std::string> declared;
    for (const json& p : op.value("parameters", json::array())) {
      if (p["in"] == "path" && p["required"] == true) declared.insert(p["name"].get<std::string>());
    }
    for (size_t pos = key.first.find('{'); pos != std::string::npos;
         pos = key.first.find('{', pos + 1)) {
      CHECK(declared.count(key.first.substr(pos + 1, key.first.find('}', pos) - pos - 1)) == 1);
    }
  }
}

TEST_CASE("openapi: the document lists exactly the routes the server answers", "[api][openapi]") {
  testing::ApiServer server;
  const json document = server.Call("GET", "/openapi.json", "").Json();
  REQUIRE(document.is_object());
  const std::map<RouteKey, json> ops = Operations(document);

  // The served document is the one `btrouter openapi` prints, and it has an entry for every
  // route of the table the server registers, and no other.
  const std::vector<ApiRoute> routes = BuildRoutes(ApiDeps{});
  CHECK(document == OpenApiDocument(routes));
  std::set<RouteKey> table;
  for (const ApiRoute& route : routes) table.insert({route.path, route.method});
  for (const RouteKey& key : table) {
    INFO("route in BuildRoutes: " << key.second << " " << key.first);
    CHECK(ops.count(key) == 1);
  }
  for (const auto& [key, op] : ops) {
    INFO("documented: " << key.second << " " << key.first);
    CHECK(table.count(key) == 1);
  }

  // The discriminator below does tell a missing route apart.
  CHECK(IsRouterRejection(server.Call("GET", "/v1/nowhere", server.admin())));

  std::map<std::string, std::set<std::string>> methods_by_path;
  for (const auto& [key, op] : ops) methods_by_path[key.first].insert(key.second);
  for (const auto& [path, methods] : methods_by_path) {
    const std::string url = WithDummyParams(path);
    for (const char* method : kProbedMethods) {
      INFO(method << " " << url);
      if (methods.count(method) == 0) {
        // Undocumented method on a documented path: 405 naming what is allowed.
        HttpResponse r = server.Call(method, url, server.admin());
        CHECK(r.code == 405);
        std::string allow;
        for (const std::string& m : methods) allow += (allow.empty() ? "" : ", ") + m;
        CHECK(r.headers["allow"] == allow);
        continue;
      }
      // Documented: the route answers (a 400/404 about the dummy id or empty body is an
      // answer from the handler; the router's own 404/405 is not).
      const HttpResponse with_key = server.Call(method, url, server.admin());
      INFO(with_key.body);
      CHECK(with_key.error.empty());
      CHECK_FALSE(IsRouterRejection(with_key));
      CHECK(with_key.code < 500);
      // Without a key: public routes answer, the others ask for one.
      const json& op = ops.at({path, method});
      const bool is_public = op.contains("security") && op["security"].empty();
      const HttpResponse without_key = server.Call(method, url, "");
      CHECK_FALSE(IsRouterRejection(without_key));
      if (is_public) {
        CHECK(without_key.code != 401);
      } else {
        CHECK(without_key.code == 401);
        CHECK(op["responses"].contains("401"));
      }
    }
  }
}

}  // namespace
}  // namespace btr
