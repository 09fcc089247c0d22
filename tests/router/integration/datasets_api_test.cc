// /v1/datasets over HTTP: the same bytes uploaded twice under one name are one dataset (200 with
// "existing": true), other bytes under that name a new one; DELETE removes the record and the
// stored file (204), is 404 for unknown ids and other tenants' datasets, and 409 naming the job
// while a queued or running backtest uses the dataset.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ReadFile;

HttpResponse Upload(ApiServer& server, const std::string& key, const std::string& name,
                    const std::string& bytes) {
  return server.Call("POST", "/v1/datasets?name=" + name, key, bytes, {"Content-Type: text/csv"});
}

TEST_CASE("an upload of the same bytes under the same name returns the dataset already there",
          "[api][datasets]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string goog = ReadFile(testing::SharedData("GOOG.csv"));
  HttpResponse first = Upload(server, key, "goog", goog);
  REQUIRE(first.code == 201);
  CHECK(first.Json()["existing"] == false);
  HttpResponse second = Upload(server, key, "goog", goog);
  INFO(second.body);
  REQUIRE(second.code == 200);
  CHECK(second.Json()["existing"] == true);
  CHECK(second.Json()["id"] == first.Json()["id"]);
  CHECK(second.headers["location"] == "/v1/datasets/" + first.Json()["id"].get<std::string>());
  CHECK(server.Call("GET", "/v1/datasets", key).Json()["items"].size() == 1);
  // Other bytes under the name, the bytes under another name, or another tenant: new datasets.
  const std::string changed = goog.substr(0, goog.size() / 2);
  HttpResponse other_bytes =
      Upload(server, key, "goog", changed.substr(0, changed.rfind('\n') + 1));
  CHECK(other_bytes.code == 201);
  CHECK(other_bytes.Json()["id"] != first.Json()["id"]);
  CHECK(Upload(server, key, "goog-copy", goog).code == 201);
  CHECK(Upload(server, server.NewKey("bob"), "goog", goog).code == 201);
  CHECK(server.Call("GET", "/v1/datasets", key).Json()["items"].size() == 3);
}

TEST_CASE("DELETE /v1/datasets/{id} removes the record and the file; 409 while a job uses it",
          "[api][datasets][backtestingpy]") {
  // Backtesting.py fake runs take a few seconds: long enough to find the dataset in use.
  testing::ServiceProcess fake(testing::BacktestingPyFakeArgv({"--run-seconds", "3"}));
  ApiServer server({{"engines.backtestingpy.enabled", "true", "test"},
                    {"engines.backtestingpy.url", fake.Url(), "test"}});
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const std::string file = server.data_dir() + "/datasets/" + dataset + ".csv";
  REQUIRE(std::filesystem::exists(file));

  CHECK(server.Call("DELETE", "/v1/datasets/ds_nope", key).code == 404);
  CHECK(server.Call("DELETE", "/v1/datasets/" + dataset, server.NewKey("bob")).code == 404);

  HttpResponse submitted = server.Call(
      "POST", "/v1/backtests", key,
      json{{"engine", "backtestingpy"}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}}
          .dump());
  REQUIRE(submitted.code == 202);
  const std::string job = submitted.Json()["id"];
  HttpResponse busy = server.Call("DELETE", "/v1/datasets/" + dataset, key);
  INFO(busy.body);
  CHECK(busy.code == 409);
  CHECK(busy.headers["content-type"] == "application/problem+json");
  CHECK(busy.Json()["detail"].get<std::string>().find("backtest '" + job + "'") !=
        std::string::npos);
  CHECK(std::filesystem::exists(file));

  REQUIRE(server.WaitDone(key, job)["status"] == "succeeded");
  const std::filesystem::path cache = server.data_dir() + "/cache";
  REQUIRE(!std::filesystem::is_empty(cache));  // the run left the dataset's bar cache
  HttpResponse deleted = server.Call("DELETE", "/v1/datasets/" + dataset, key);
  CHECK(deleted.code == 204);
  CHECK(deleted.body.empty());
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(std::filesystem::is_empty(cache));
  CHECK(server.Call("GET", "/v1/datasets/" + dataset, key).code == 404);
  CHECK(server.Call("GET", "/v1/datasets", key).Json()["items"].empty());
  CHECK(server.Call("DELETE", "/v1/datasets/" + dataset, key).code == 404);
  // The finished job keeps its result.
  CHECK(server.Call("GET", "/v1/backtests/" + job + "/result", key).code == 200);
}

}  // namespace
}  // namespace btr
