// /openapi.json against the server's real answers: every route is called through a running
// server, and each answer must have a code its operation declares and a body that matches the
// declared schema (strictly: every field the server sends is documented); each accepted request
// must match the declared parameters and body; and every declared success answer must be
// received at least once. A schema or code that drifts from the handlers fails here.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/router/integration/api_server.h"
#include "tests/router/integration/json_schema_check.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::JsonSchemaCheck;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t k = 0; k <= s.size(); ++k) {
    if (k == s.size() || s[k] == sep) {
      out.push_back(s.substr(start, k - start));
      start = k + 1;
    }
  }
  return out;
}

std::string MediaType(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  return media;
}

bool IsJsonMedia(const std::string& media) {
  return media == "application/json" || media == "application/problem+json";
}

// Calls the server and holds each exchange against the document (see the file comment);
// records the success codes each operation answered.
class DocumentedCalls {
 public:
  DocumentedCalls(ApiServer& server, const json& document)
      : server_(server), document_(document), check_(document_, /*strict=*/true) {}

  // `path` is concrete and may carry a query; a JSON `body` gets Content-Type: application/json
  // unless `headers` name one.
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& key,
                    const std::string& body = "", std::vector<std::string> headers = {}) {
    std::string content_type;
    for (const std::string& h : headers) {
      if (h.rfind("Content-Type:", 0) == 0) content_type = MediaType(h.substr(13));
    }
    while (!content_type.empty() && content_type.front() == ' ') content_type.erase(0, 1);
    if (content_type.empty() && !body.empty()) {
      content_type = "application/json";
      headers.push_back("Content-Type: application/json");
    }
    HttpResponse r = server_.Call(method, path, key, body, headers);
    const size_t q = path.find('?');
    const std::string route = Template(path.substr(0, q));
    INFO(method << " " << path << " -> " << r.code << " " << r.body.substr(0, 300));
    REQUIRE(r.error.empty());
    REQUIRE(!route.empty());
    const std::string lower = Lower(method);
    REQUIRE(document_["paths"][route].contains(lower));
    const json& op = document_["paths"][route][lower];
    CheckAnswer(op, r);
    if (r.code >= 200 && r.code < 300) {
      CheckQuery(op, q == std::string::npos ? "" : path.substr(q + 1));
      CheckHeaders(op, headers);
      CheckBody(op, body, content_type);
      succeeded_[Upper(method) + " " + route].insert(static_cast<int>(r.code));
    }
    return r;
  }

  // The documented success answers ("DELETE /v1/x/{id} 202") no call received.
  std::vector<std::string> Unexercised() const {
    std::vector<std::string> out;
    for (const auto& [path, item] : document_["paths"].items()) {
      for (const auto& [method, op] : item.items()) {
        const std::string name = Upper(method) + " " + path;
        const auto seen = succeeded_.find(name);
        for (const auto& [code, response] : op["responses"].items()) {
          if (code[0] != '2') continue;
          if (seen == succeeded_.end() || seen->second.count(std::stoi(code)) == 0) {
            out.push_back(name + " " + code);
          }
        }
      }
    }
    return out;
  }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  static std::string Upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

  // The document's path template matching `path`, preferring literal segments; "" for none.
  std::string Template(const std::string& path) const {
    const std::vector<std::string> segments = Split(path, '/');
    std::string best;
    int best_literals = -1;
    for (const auto& [candidate, item] : document_["paths"].items()) {
      const std::vector<std::string> parts = Split(candidate, '/');
      if (parts.size() != segments.size()) continue;
      int literals = 0;
      bool match = true;
      for (size_t k = 0; k < parts.size() && match; ++k) {
        const bool is_param = !parts[k].empty() && parts[k].front() == '{';
        match = is_param || parts[k] == segments[k];
        literals += is_param ? 0 : 1;
      }
      if (match && literals > best_literals) {
        best = candidate;
        best_literals = literals;
      }
    }
    return best;
  }

  json Deref(const json& node) const {
    return node.contains("$ref") ? check_.Resolve(node["$ref"].get<std::string>()) : node;
  }

  void ExpectConforms(const json& value, const json& schema, const std::string& what) {
    const std::vector<std::string> errors = check_.Check(value, schema);
    INFO(what << ": " << value.dump().substr(0, 600));
    for (const std::string& e : errors) {
      INFO(e);
      CHECK(errors.empty());
    }
  }

  // The answer's code is declared, and its body is the declared one.
  void CheckAnswer(const json& op, const HttpResponse& r) {
    const std::string code = std::to_string(r.code);
    INFO("declared answers: " << op["responses"].dump().substr(0, 400));
    REQUIRE(op["responses"].contains(code));
    const json response = Deref(op["responses"][code]);
    if (!response.contains("content")) {
      CHECK(r.body.empty());
      return;
    }
    const auto content_type = r.headers.find("content-type");
    REQUIRE(content_type != r.headers.end());
    const std::string media = MediaType(content_type->second);
    INFO("content-type: " << content_type->second);
    REQUIRE(response["content"].contains(media));
    const json& schema = response["content"][media]["schema"];
    if (IsJsonMedia(media)) {
      const json body = r.Json();
      REQUIRE(!body.is_discarded());
      ExpectConforms(body, schema, "answer " + code);
    } else {
      CHECK(Deref(schema)["type"] == "string");
      CHECK(!r.body.empty());
    }
  }

  // Every query parameter of an accepted request is declared, with a conforming value.
  void CheckQuery(const json& op, const std::string& query) {
    if (query.empty()) return;
    for (const std::string& pair : Split(query, '&')) {
      const size_t eq = pair.find('=');
      const std::string name = pair.substr(0, eq);
      const std::string text = eq == std::string::npos ? "" : pair.substr(eq + 1);
      const json param = Parameter(op, "query", name);
      INFO("query parameter " << name);
      REQUIRE(param.is_object());
      const json schema = Deref(param["schema"]);
      const std::string type = schema.value("type", "string");
      const json value = (type == "integer" || type == "number") ? json::parse(text) : json(text);
      ExpectConforms(value, param["schema"], "query parameter " + name);
    }
  }

  void CheckHeaders(const json& op, const std::vector<std::string>& headers) {
    for (const std::string& h : headers) {
      const std::string name = h.substr(0, h.find(':'));
      if (name == "Content-Type" || name == "Authorization") continue;
      INFO("header " << name);
      CHECK(Parameter(op, "header", name).is_object());
    }
  }

  // An accepted body is declared, in its media type, and conforms.
  void CheckBody(const json& op, const std::string& body, const std::string& media) {
    if (body.empty()) return;
    INFO("request body in " << media);
    REQUIRE(op.contains("requestBody"));
    REQUIRE(op["requestBody"]["content"].contains(media));
    const json& schema = op["requestBody"]["content"][media]["schema"];
    if (IsJsonMedia(media)) ExpectConforms(json::parse(body), schema, "request body");
  }

  static json Parameter(const json& op, const std::string& in, const std::string& name) {
    for (const json& p : op.value("parameters", json::array())) {
      if (p["in"] == in && p["name"] == name) return p;
    }
    return nullptr;
  }

  ApiServer& server_;
  const json document_;
  const JsonSchemaCheck check_;
  std::map<std::string, std::set<int>> succeeded_;  // "GET /v1/x/{id}" -> codes
};

void ServiceAndKeys(DocumentedCalls& api, const std::string& admin) {
  CHECK(api.Call("GET", "/livez", "").code == 200);
  CHECK(api.Call("GET", "/readyz", "").code == 200);
  CHECK(api.Call("GET", "/metrics", "").code == 200);
  CHECK(api.Call("GET", "/openapi.json", "").code == 200);
  CHECK(api.Call("GET", "/v1/whoami", admin).code == 200);
  HttpResponse created = api.Call("POST", "/v1/keys", admin, R"({"tenant": "bob"})");
  REQUIRE(created.code == 201);
  const std::string bob = created.Json()["key"];
  CHECK(api.Call("GET", "/v1/keys", admin).code == 200);
  CHECK(api.Call("GET", "/v1/keys", bob).code == 403);
  CHECK(api.Call("GET", "/v1/whoami", "").code == 401);
  CHECK(api.Call("POST", "/v1/keys", admin, R"({"role": "admin"})").code == 400);
  CHECK(api.Call("DELETE", "/v1/keys/" + created.Json()["id"].get<std::string>(), admin).code ==
        204);
  CHECK(api.Call("DELETE", "/v1/keys/key_nope", admin).code == 404);
}

void StrategiesAndEngines(DocumentedCalls& api, const std::string& admin) {
  const HttpResponse workers = api.Call("GET", "/v1/workers", admin);
  CHECK(workers.code == 200);
  CHECK(workers.Json()["items"].size() == 1);  // the embedded server's own workers
  CHECK(api.Call("GET", "/v1/strategies", admin).code == 200);
  CHECK(api.Call("GET", "/v1/engines", admin).code == 200);
  CHECK(api.Call("GET", "/v1/engines/native", admin).code == 200);
  CHECK(api.Call("GET", "/v1/engines/nope", admin).code == 404);
  CHECK(api.Call("POST", "/v1/engines/native/drain", admin).code == 200);
  CHECK(api.Call("POST", "/v1/engines/native/resume", admin).code == 200);
  CHECK(api.Call("POST", "/v1/engines/native/disable", admin).code == 200);
  CHECK(api.Call("POST", "/v1/engines/native/enable", admin).code == 200);
}

std::string Datasets(DocumentedCalls& api, const std::string& key) {
  const std::string csv = testing::ReadFile(testing::SharedData("GOOG.csv"));
  HttpResponse uploaded =
      api.Call("POST", "/v1/datasets?name=goog", key, csv, {"Content-Type: text/csv"});
  REQUIRE(uploaded.code == 201);
  CHECK(api.Call("POST", "/v1/datasets?name=", key, csv, {"Content-Type: text/csv"}).code == 400);
  const std::string id = uploaded.Json()["id"];
  CHECK(api.Call("GET", "/v1/datasets", key).code == 200);
  CHECK(api.Call("GET", "/v1/datasets/" + id, key).code == 200);
  CHECK(api.Call("GET", "/v1/datasets/ds_nope", key).code == 404);
  CHECK(api.Call("GET", "/v1/datasets/" + id + "/bars?from=2005-01-01&to=2005-12-31&max_points=50",
                 key)
            .code == 200);
  CHECK(api.Call("GET", "/v1/datasets/" + id + "/bars?max_points=0", key).code == 400);
  // The same bytes under the same name: the dataset already there.
  HttpResponse again =
      api.Call("POST", "/v1/datasets?name=goog", key, csv, {"Content-Type: text/csv"});
  CHECK(again.code == 200);
  CHECK(again.Json()["id"] == id);
  // Another upload, deleted.
  HttpResponse other =
      api.Call("POST", "/v1/datasets?name=spare", key, csv, {"Content-Type: text/csv"});
  REQUIRE(other.code == 201);
  const std::string spare = "/v1/datasets/" + other.Json()["id"].get<std::string>();
  CHECK(api.Call("DELETE", spare, key).code == 204);
  CHECK(api.Call("DELETE", spare, key).code == 404);
  // A LEAN-format daily zip.
  const std::string zip = testing::ReadFile(testing::SharedData("lean/equity/usa/daily/spy.zip"));
  CHECK(
      api.Call("POST", "/v1/datasets?name=spy", key, zip, {"Content-Type: application/zip"}).code ==
      201);
  return id;
}

json WaitDone(DocumentedCalls& api, const std::string& key, const std::string& path) {
  for (int k = 0; k < 100; ++k) {
    HttpResponse r = api.Call("GET", path + "?wait=5", key);
    REQUIRE(r.code == 200);
    const std::string status = r.Json()["status"];
    if (status != "queued" && status != "running") return r.Json();
  }
  FAIL("did not finish: " << path);
  return nullptr;
}

void Backtests(DocumentedCalls& api, const std::string& key, const std::string& dataset) {
  const json spec = {
      {"engine", "native"},
      {"strategy",
       {{"name", "sma_cross"},
        {"params", {{"fast", 10}, {"slow", 20}, {"long_only", true}, {"sl_pct", 0.05}}}}},
      {"dataset", dataset},
      {"commission", 0.002}};
  // A spec with a window (a date and a date-time), as sent and as stored.
  json windowed = spec;
  windowed["start"] = "2005-01-01";
  windowed["end"] = "2012-12-31T00:00:00Z";
  HttpResponse on_window = api.Call("POST", "/v1/backtests", key, windowed.dump());
  REQUIRE(on_window.code == 202);
  const std::string windowed_path = "/v1/backtests/" + on_window.Json()["id"].get<std::string>();
  CHECK(WaitDone(api, key, windowed_path)["status"] == "succeeded");
  HttpResponse submitted =
      api.Call("POST", "/v1/backtests", key, spec.dump(), {"Idempotency-Key: conformance-1"});
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  json other = spec;
  other["cash"] = 20000;
  CHECK(api.Call("POST", "/v1/backtests", key, other.dump(), {"Idempotency-Key: conformance-1"})
            .code == 422);
  CHECK(api.Call("POST", "/v1/backtests", key, R"({"strategy": "sma_cross"})").code == 400);
  other["dataset"] = "ds_nope";
  CHECK(api.Call("POST", "/v1/backtests", key, other.dump()).code == 400);
  const std::string path = "/v1/backtests/" + id;
  REQUIRE(WaitDone(api, key, path)["status"] == "succeeded");
  CHECK(api.Call("GET", path, key).code == 200);
  CHECK(api.Call("GET", path + "/result", key).code == 200);
  CHECK(api.Call("GET", path + "/trades?limit=5&cursor=5", key).code == 200);
  CHECK(api.Call("GET", path + "/equity?limit=3&cursor=10", key).code == 200);
  CHECK(api.Call("GET", path + "/logs?after=0&limit=10", key).code == 200);
  // Without `Upgrade: websocket` (the upgrade itself: ws_tests, over the API's port).
  CHECK(api.Call("GET", path + "/events", key).code == 426);
  CHECK(api.Call("GET", "/v1/backtests?status=succeeded&engine=native&limit=1", key).code == 200);
  CHECK(api.Call("GET", "/v1/backtests?status=bogus", key).code == 400);
  CHECK(api.Call("POST", path + "/cancel", key).code == 409);
  CHECK(api.Call("GET", "/v1/backtests/bt_nope/result", key).code == 404);
  const std::string monte_carlo = path + "/monte-carlo";
  CHECK(api.Call("POST", monte_carlo, key, "").code == 200);
  CHECK(api.Call("POST", monte_carlo, key, R"({"method": "bootstrap", "simulations": 200})").code ==
        200);
  CHECK(api.Call("POST", monte_carlo, key,
                 R"({"method": "block_bootstrap", "block_scheme": "circular", "block_length": 5,
                     "simulations": 50, "seed": 3, "ruin_pct": 0.3})")
            .code == 200);
  CHECK(api.Call("POST", monte_carlo, key, R"({"sims": 1})").code == 400);
  CHECK(api.Call("POST", "/v1/backtests/bt_nope/monte-carlo", key, "{}").code == 404);

  CHECK(api.Call("DELETE", path, key).code == 204);
  CHECK(api.Call("DELETE", path, key).code == 404);

  // Cancel and DELETE while jobs wait: the server's one worker runs a batch in turn, so its
  // last jobs are still queued when the calls arrive (a lost race is retried with a new batch).
  bool cancelled = false, delete_cancelled = false;
  for (int round = 0; round < 5 && !(cancelled && delete_cancelled); ++round) {
    std::vector<std::string> ids;
    for (int k = 0; k < 20; ++k) {
      json queued = spec;
      queued["cash"] = 10000 + 100 * round + k;
      ids.push_back(api.Call("POST", "/v1/backtests", key, queued.dump()).Json()["id"]);
    }
    const long cancel = api.Call("POST", "/v1/backtests/" + ids.back() + "/cancel", key).code;
    CHECK((cancel == 202 || cancel == 409));
    cancelled = cancelled || cancel == 202;
    const std::string next_to_last = "/v1/backtests/" + ids[ids.size() - 2];
    const long deleted = api.Call("DELETE", next_to_last, key).code;
    CHECK((deleted == 202 || deleted == 204));
    delete_cancelled = delete_cancelled || deleted == 202;
    if (deleted == 202) CHECK(WaitDone(api, key, next_to_last)["status"] == "cancelled");
    for (size_t k = 0; k + 2 < ids.size(); ++k) WaitDone(api, key, "/v1/backtests/" + ids[k]);
  }
}

void Comparisons(DocumentedCalls& api, const std::string& key, const std::string& dataset) {
  const json request = {
      {"strategy", "sma_cross"},
      {"dataset", dataset},
      {"engines",
       {"native",
        {{"engine", "native"}, {"overrides", {{"trade_on_close", true}}}, {"label", "toc"}}}}};
  HttpResponse created = api.Call("POST", "/v1/comparisons", key, request.dump());
  REQUIRE(created.code == 202);
  const std::string path = "/v1/comparisons/" + created.Json()["id"].get<std::string>();
  const int early = static_cast<int>(api.Call("GET", path + "/report.json", key).code);
  CHECK((early == 200 || early == 409));
  CHECK(api.Call("POST", "/v1/comparisons", key, R"({"strategy": "sma_cross"})").code == 400);
  CHECK(WaitDone(api, key, path)["status"] == "succeeded");
  CHECK(api.Call("GET", "/v1/comparisons?limit=5", key).code == 200);
  CHECK(api.Call("GET", path + "/report.json", key).code == 200);
  CHECK(api.Call("GET", path + "/report.csv?table=trades", key).code == 200);
  CHECK(api.Call("GET", path + "/report.csv?table=bogus", key).code == 400);
  CHECK(api.Call("GET", path + "/report.html", key).code == 200);
  CHECK(api.Call("GET", "/v1/comparisons/cmp_nope", key).code == 404);
}

void Optimizations(DocumentedCalls& api, const std::string& key, const std::string& dataset) {
  const json request = {{"dataset", dataset},
                        {"strategy", "sma_cross"},
                        {"space", {{"fast", {5, 10}}, {"slow", {{"min", 20}, {"max", 40}, {"step", 10}}}}},
                        {"constraints", {"fast * 3 <= slow"}},
                        {"objective", {{"metric", "total_return"}, {"direction", "max"}}},
                        {"blocks", 4},
                        {"settings", {{"commission", 0.001}}}};
  HttpResponse created = api.Call("POST", "/v1/optimizations", key, request.dump());
  REQUIRE(created.code == 202);
  const std::string path = "/v1/optimizations/" + created.Json()["id"].get<std::string>();
  CHECK(api.Call("POST", "/v1/optimizations", key, R"({"strategy": "sma_cross"})").code == 400);
  CHECK(WaitDone(api, key, path)["status"] == "succeeded");
  CHECK(api.Call("GET", "/v1/optimizations?limit=5", key).code == 200);
  CHECK(api.Call("GET", path + "/report", key).code == 200);
  CHECK(api.Call("GET", path + "/trials.csv", key).code == 200);
  CHECK(api.Call("POST", path + "/cancel", key).code == 409);
  CHECK(api.Call("GET", "/v1/optimizations/bt_nope", key).code == 404);
  // A cancel while it waits behind a backtest batch (retried when the race is lost).
  bool cancelled = false;
  for (int round = 0; round < 5 && !cancelled; ++round) {
    std::vector<std::string> ids;
    for (int k = 0; k < 10; ++k) {
      json more = request;
      more["settings"]["cash"] = 10000 + 100 * round + k;
      ids.push_back(api.Call("POST", "/v1/optimizations", key, more.dump()).Json()["id"]);
    }
    const long code = api.Call("POST", "/v1/optimizations/" + ids.back() + "/cancel", key).code;
    CHECK((code == 202 || code == 409));
    cancelled = code == 202;
    for (const std::string& id : ids) WaitDone(api, key, "/v1/optimizations/" + id);
  }
}

TEST_CASE("openapi: every route's real answers match the document", "[api][openapi]") {
  ApiServer server({{"jobs.workers", "1", "test"}, {"engines.native.concurrency", "1", "test"}});
  const json document = server.Call("GET", "/openapi.json", "").Json();
  REQUIRE(document.is_object());
  DocumentedCalls api(server, document);
  ServiceAndKeys(api, server.admin());
  StrategiesAndEngines(api, server.admin());
  const std::string key = server.NewKey("alice");
  const std::string dataset = Datasets(api, key);
  Backtests(api, key, dataset);
  Comparisons(api, key, dataset);
  Optimizations(api, key, dataset);
  // Every documented success answer was received.
  std::string missing;
  for (const std::string& op : api.Unexercised()) missing += op + "; ";
  INFO("never received: " << missing);
  CHECK(missing.empty());
}

TEST_CASE("openapi: the schema check refuses what the document does not allow", "[api][openapi]") {
  ApiServer server;
  const json document = server.Call("GET", "/openapi.json", "").Json();
  REQUIRE(document.is_object());
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  HttpResponse submitted = server.Call(
      "POST", "/v1/backtests", key, json{{"strategy", "sma_cross"}, {"dataset", dataset}}.dump());
  REQUIRE(submitted.code == 202);
  const json job = server.WaitDone(key, submitted.Json()["id"]);
  const json schema = {{"$ref", "#/components/schemas/Job"}};
  const JsonSchemaCheck strict(document, true), lenient(document, false);
  CHECK(strict.Check(job, schema).empty());

  json extra = job;
  extra["undocumented"] = 1;
  CHECK(!strict.Check(extra, schema).empty());
  CHECK(lenient.Check(extra, schema).empty());
  json missing = job;
  missing.erase("status");
  CHECK(!strict.Check(missing, schema).empty());
  json bad_enum = job;
  bad_enum["status"] = "done";
  CHECK(!strict.Check(bad_enum, schema).empty());
  json bad_type = job;
  bad_type["progress"] = "1";
  CHECK(!strict.Check(bad_type, schema).empty());
  json bad_time = job;
  bad_time["created_at"] = "yesterday";
  CHECK(!strict.Check(bad_time, schema).empty());
  json bad_nested = job;
  bad_nested["spec"]["cash"] = -1;  // exclusiveMinimum 0
  CHECK(!strict.Check(bad_nested, schema).empty());
  bad_nested = job;
  bad_nested["spec"]["margin"] = "x";
  CHECK(!strict.Check(bad_nested, schema).empty());
  CHECK(!strict.Check(job, {{"$ref", "#/components/schemas/Nope"}}).empty());
  CHECK(!strict.Check(job, {{"type", "object"}, {"unknownKeyword", 1}}).empty());
}

}  // namespace
}  // namespace btr
