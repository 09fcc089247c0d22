// A job's priority through the API: accepted, validated, shown, and not part of the spec (the
// same spec with another priority is the same idempotent request).
#include <catch2/catch.hpp>

#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;

TEST_CASE("a backtest's priority is accepted, validated and shown", "[api][priority]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  json spec = {{"engine", "native"}, {"strategy", "sma_cross"}, {"dataset", dataset}};

  testing::HttpResponse normal = server.Call("POST", "/v1/backtests", key, spec.dump());
  REQUIRE(normal.code == 202);
  CHECK(normal.Json()["priority"] == "normal");
  CHECK(normal.Json()["spec"].contains("priority") == false);

  spec["priority"] = "high";
  testing::HttpResponse high = server.Call("POST", "/v1/backtests", key, spec.dump());
  REQUIRE(high.code == 202);
  CHECK(high.Json()["priority"] == "high");
  CHECK(server.WaitDone(key, high.Json()["id"])["status"] == "succeeded");
  CHECK(server.WaitDone(key, high.Json()["id"])["attempt"] == 1);

  spec["priority"] = "urgent";
  testing::HttpResponse bad = server.Call("POST", "/v1/backtests", key, spec.dump());
  CHECK(bad.code == 400);
  CHECK(bad.Json()["field"] == "priority");
  spec["priority"] = 1;
  CHECK(server.Call("POST", "/v1/backtests", key, spec.dump()).code == 400);
}

}  // namespace
}  // namespace btr
