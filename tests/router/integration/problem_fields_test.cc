// Problem answers name the request's own fields, never an internal name: a 404 for an unknown
// or another tenant's id has no `field` (or the path parameter's name), whatever store method
// looked it up; out-of-range settings name the setting and its range.
#include <catch2/catch.hpp>
#include <regex>

#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;

json SmaSpec(const std::string& dataset) {
  return {{"engine", "native"}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}};
}

// A problem whose `field`, when there is one, is one of `fields`, and whose detail does not
// start with a method name ("GetJob: ...").
void CheckProblem(const HttpResponse& r, int code, const std::vector<std::string>& fields) {
  INFO(r.body);
  CHECK(r.code == code);
  CHECK(r.headers.at("content-type") == "application/problem+json");
  const json problem = r.Json();
  if (problem.contains("field")) {
    CHECK(std::find(fields.begin(), fields.end(), problem["field"].get<std::string>()) !=
          fields.end());
  }
  static const std::regex kMethodName("^[A-Z][a-z]+[A-Z][A-Za-z]*:");
  CHECK_FALSE(std::regex_search(problem["detail"].get<std::string>(), kMethodName));
}

TEST_CASE("a 404 names no internal field for any kind of id", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string other = server.NewKey("bob");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  HttpResponse submitted = server.Call("POST", "/v1/backtests", key, SmaSpec(dataset).dump());
  REQUIRE(submitted.code == 202);
  const std::string job = submitted.Json()["id"];
  server.WaitDone(key, job);

  // The probe's case first: before, `field` was "GetJob".
  HttpResponse nope = server.Call("GET", "/v1/backtests/bt_nope", key);
  CheckProblem(nope, 404, {});
  CHECK_FALSE(nope.Json().contains("field"));
  CHECK(nope.Json()["detail"] == "backtest 'bt_nope' not found");

  for (const std::string& id : {std::string("bt_nope"), job}) {
    const std::string& caller = id == job ? other : key;  // a real id of another tenant
    for (const std::string& path :
         {"/v1/backtests/" + id, "/v1/backtests/" + id + "/result",
          "/v1/backtests/" + id + "/trades", "/v1/backtests/" + id + "/equity",
          "/v1/backtests/" + id + "/logs"}) {
      INFO(path);
      CheckProblem(server.Call("GET", path, caller), 404, {"id"});
    }
    CheckProblem(server.Call("POST", "/v1/backtests/" + id + "/cancel", caller), 404, {"id"});
    CheckProblem(server.Call("DELETE", "/v1/backtests/" + id, caller), 404, {"id"});
  }
  for (const std::string& id : {std::string("ds_nope"), dataset}) {
    const std::string& caller = id == dataset ? other : key;
    CheckProblem(server.Call("GET", "/v1/datasets/" + id, caller), 404, {"id"});
    CheckProblem(server.Call("GET", "/v1/datasets/" + id + "/bars", caller), 404, {"id"});
  }
  CheckProblem(server.Call("GET", "/v1/comparisons/cmp_nope", key), 404, {"id"});
  CheckProblem(server.Call("GET", "/v1/engines/warp", key), 404, {"name"});
  CheckProblem(server.Call("DELETE", "/v1/keys/key_nope", server.admin()), 404, {"id"});
  // 409 and 400 from the store name the request's field, if any.
  CheckProblem(server.Call("GET", "/v1/backtests?cursor=zzz", key), 400, {"cursor"});
  CHECK(server.Call("GET", "/v1/backtests?cursor=zzz", key).Json()["field"] == "cursor");
}

TEST_CASE("a setting out of its range is a 400 naming it and the range", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  json spec = SmaSpec(dataset);
  spec["cash"] = 1e308;
  HttpResponse r = server.Call("POST", "/v1/backtests", key, spec.dump());
  CheckProblem(r, 400, {"cash"});
  CHECK(r.Json()["field"] == "cash");
  CHECK(r.Json()["detail"] == "cash: expected initial cash in (0, 1e+12], got 1e+308");
  spec = SmaSpec(dataset);
  spec["commission_fixed"] = 1e300;
  r = server.Call("POST", "/v1/backtests", key, spec.dump());
  CHECK(r.code == 400);
  CHECK(r.Json()["field"] == "commission_fixed");
  spec = SmaSpec(dataset);
  spec["strategy"]["params"] = {{"fast", 1e300}};
  r = server.Call("POST", "/v1/backtests", key, spec.dump());
  CHECK(r.code == 400);
  CHECK(r.Json()["field"] == "strategy.params.fast");
  CHECK(server.Call("GET", "/v1/backtests", key).Json()["items"].empty());  // nothing accepted
}

}  // namespace
}  // namespace btr
