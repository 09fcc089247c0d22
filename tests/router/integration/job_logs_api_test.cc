// GET /v1/backtests/{id}/logs through the REST API: what btrouter did with a job (submitted,
// started, fallback, reconciling, how it ended) and the engine's own lines, in order, followed
// with ?after=, scoped to the tenant. Against the native engine and the Backtesting.py fake.
#include <catch2/catch.hpp>

#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ServiceProcess;

std::string Submit(ApiServer& server, const std::string& key, const json& spec) {
  HttpResponse r = server.Call("POST", "/v1/backtests", key, spec.dump());
  INFO(r.body);
  REQUIRE(r.code == 202);
  return r.Json()["id"].get<std::string>();
}

json Logs(ApiServer& server, const std::string& key, const std::string& id,
          const std::string& query = "") {
  HttpResponse r = server.Call("GET", "/v1/backtests/" + id + "/logs" + query, key);
  INFO(r.body);
  REQUIRE(r.code == 200);
  return r.Json();
}

// The messages of a log, "source: message" per line.
std::vector<std::string> Lines(const json& logs) {
  std::vector<std::string> out;
  for (const json& line : logs["items"]) {
    out.push_back(line["source"].get<std::string>() + ": " + line["message"].get<std::string>());
  }
  return out;
}

bool Has(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const std::string& line : lines) {
    if (line.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST_CASE("logs: a native job's log, in order, followed with ?after=", "[api][logs]") {
  ApiServer server;
  const std::string key = server.NewKey("acme");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const std::string id =
      Submit(server, key,
             {{"engine", "native"}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}});
  REQUIRE(server.WaitDone(key, id)["status"] == "succeeded");

  const json all = Logs(server, key, id);
  const std::vector<std::string> lines = Lines(all);
  INFO(all.dump(2));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "btrouter: submitted: engine native, strategy sma_cross, dataset " + dataset);
  CHECK(lines[1] == "btrouter: started on native (attempt 1)");
  CHECK(lines[2].rfind("btrouter: succeeded on native in ", 0) == 0);
  CHECK(all["items"][0]["level"] == "info");
  CHECK(all["items"][0]["time"].get<std::string>().back() == 'Z');
  CHECK(all["next_after"] == all["items"][2]["seq"]);

  // Following: one line at a time after the last seq seen, then nothing new.
  const json first = Logs(server, key, id, "?limit=1");
  REQUIRE(first["items"].size() == 1);
  const json second =
      Logs(server, key, id, "?limit=1&after=" + std::to_string(first["next_after"].get<int64_t>()));
  REQUIRE(second["items"].size() == 1);
  CHECK(second["items"][0]["message"] == all["items"][1]["message"]);
  const json none =
      Logs(server, key, id, "?after=" + std::to_string(all["next_after"].get<int64_t>()));
  CHECK(none["items"].empty());
  CHECK(none["next_after"] == all["next_after"]);

  // Another tenant's job is not found; a bad ?after= names the field.
  const std::string other = server.NewKey("umbrella");
  CHECK(server.Call("GET", "/v1/backtests/" + id + "/logs", other).code == 404);
  HttpResponse bad = server.Call("GET", "/v1/backtests/" + id + "/logs?after=-3", key);
  CHECK(bad.code == 400);
  CHECK(bad.Json()["field"] == "after");
}

TEST_CASE("logs: fallback and reconciling steps, and the engine's own lines", "[api][logs]") {
  ServiceProcess fake(testing::BacktestingPyFakeArgv({"--run-seconds", "0.05"}));
  ApiServer server({{"engines.backtestingpy.enabled", "true", "test"},
                    {"engines.backtestingpy.url", fake.Url(), "test"}});
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const json spec = {{"engine", "backtestingpy"},
                     {"fallback", {"native"}},
                     {"strategy", {{"name", "sma_cross"}}},
                     {"dataset", dataset}};
  auto set_fault = [&](const std::string& mode) {
    REQUIRE(testing::Request("POST", fake.Url("/_fault"), json{{"mode", mode}}.dump(), {}).code ==
            200);
  };

  // Accepted, reply lost, reconciled by its key: the log tells the whole story.
  set_fault("drop");
  const std::string adopted = Submit(server, key, spec);
  REQUIRE(server.WaitDone(key, adopted)["status"] == "succeeded");
  set_fault("none");
  std::vector<std::string> lines = Lines(Logs(server, key, adopted));
  INFO(json(lines).dump(2));
  CHECK(Has(lines, "btrouter: started on backtestingpy (attempt 1)"));
  CHECK(Has(lines, "btrouter: the outcome on backtestingpy is unknown ("));
  CHECK(Has(lines, "backtestingpy: found job "));
  CHECK(Has(lines, "btrouter: reconciled after 1 ask(s): adopted backtestingpy's run"));
  CHECK(lines.back().rfind("btrouter: succeeded on backtestingpy in ", 0) == 0);

  // Refused with a 5xx: the fallback step is in the log, then native's run.
  set_fault("error500");
  const std::string moved = Submit(server, key, spec);
  REQUIRE(server.WaitDone(key, moved)["engine_used"] == "native");
  set_fault("none");
  lines = Lines(Logs(server, key, moved));
  INFO(json(lines).dump(2));
  CHECK(Has(lines, "btrouter: fallback backtestingpy -> native: unavailable: "));
  CHECK(Has(lines, "btrouter: running on native"));
  CHECK(lines.back().rfind("btrouter: succeeded on native in ", 0) == 0);

  // A plain run: the service's acceptance is logged by the engine.
  const std::string plain = Submit(server, key, spec);
  REQUIRE(server.WaitDone(key, plain)["status"] == "succeeded");
  lines = Lines(Logs(server, key, plain));
  CHECK(Has(lines, "backtestingpy: accepted by the service as job "));
}

}  // namespace
}  // namespace btr
