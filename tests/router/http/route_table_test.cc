#include "router/http/route_table.h"

#include <catch2/catch.hpp>

namespace btr {
namespace {

std::vector<ApiRoute> Routes() {
  auto named = [](const std::string& name) {
    return [name](const ApiRequest&) { return ApiReply::Json(200, name); };
  };
  return {{"GET", "/v1/backtests", Access::kUser, "", named("list")},
          {"POST", "/v1/backtests", Access::kUser, "", named("submit")},
          {"GET", "/v1/backtests/{id}", Access::kUser, "", named("get")},
          {"DELETE", "/v1/backtests/{id}", Access::kUser, "", named("delete")},
          {"GET", "/v1/backtests/{id}/trades", Access::kUser, "", named("trades")},
          {"GET", "/v1/engines/{name}", Access::kUser, "", named("engine")},
          {"GET", "/v1/engines/self", Access::kUser, "", named("self")}};
}

std::string Called(const RouteMatch& m) {
  REQUIRE(m.route != nullptr);
  return nlohmann::json::parse(m.route->handler(ApiRequest{}).body).get<std::string>();
}

TEST_CASE("RouteTable matches templates segment by segment") {
  const std::vector<ApiRoute> routes = Routes();
  const RouteTable table(routes);
  CHECK(Called(table.Find("GET", "/v1/backtests")) == "list");
  CHECK(Called(table.Find("POST", "/v1/backtests")) == "submit");
  RouteMatch get = table.Find("GET", "/v1/backtests/bt_1");
  CHECK(Called(get) == "get");
  CHECK(get.params.at("id") == "bt_1");
  RouteMatch trades = table.Find("GET", "/v1/backtests/bt_2/trades");
  CHECK(Called(trades) == "trades");
  CHECK(trades.params.at("id") == "bt_2");
  // More literal segments win over a parameter.
  CHECK(Called(table.Find("GET", "/v1/engines/self")) == "self");
  CHECK(Called(table.Find("GET", "/v1/engines/native")) == "engine");
}

TEST_CASE("RouteTable tells 404 from 405 and serves HEAD from GET") {
  const std::vector<ApiRoute> routes = Routes();
  const RouteTable table(routes);
  RouteMatch wrong = table.Find("PUT", "/v1/backtests/bt_1");
  CHECK(wrong.route == nullptr);
  CHECK(wrong.allowed == "DELETE, GET");
  for (const char* path : {"/v1/backtests/", "/v1/backtests//trades", "/v1/nothing", "/",
                           "/v1/backtests/bt_1/trades/x"}) {
    INFO(path);
    RouteMatch none = table.Find("GET", path);
    CHECK(none.route == nullptr);
    CHECK(none.allowed.empty());
  }
  RouteMatch head = table.Find("HEAD", "/v1/backtests/bt_1");
  CHECK(Called(head) == "get");
  CHECK(head.head_as_get);
  CHECK(!table.Find("GET", "/v1/backtests/bt_1").head_as_get);
}

}  // namespace
}  // namespace btr
