// /v1/engines and health routing through the REST API: the engine documents, the admin actions
// (admin role only, problem+json otherwise), fail-fast answers for engines that take no jobs,
// fallbacks shown on GET /v1/backtests/{id} (against the Backtesting.py fake's injected
// faults), engines.default, and the engine metrics.
#include <catch2/catch.hpp>

#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ServiceProcess;

json Spec(const std::string& engine, const std::string& dataset, json fallback = nullptr) {
  json spec = {{"engine", engine}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}};
  if (!fallback.is_null()) spec["fallback"] = fallback;
  return spec;
}

std::string Submit(ApiServer& server, const std::string& key, const json& spec) {
  HttpResponse r = server.Call("POST", "/v1/backtests", key, spec.dump());
  INFO(r.body);
  REQUIRE(r.code == 202);
  return r.Json()["id"].get<std::string>();
}

TEST_CASE("engines: GET /v1/engines shows state, circuit, probe, statistics and capabilities",
          "[api][engines]") {
  ApiServer server;
  const std::string key = server.NewKey("acme");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  REQUIRE(server.WaitDone(key, Submit(server, key, Spec("native", dataset)))["status"] ==
          "succeeded");
  HttpResponse r = server.Call("GET", "/v1/engines", key);
  REQUIRE(r.code == 200);
  const json list = r.Json();
  REQUIRE(list.is_array());
  REQUIRE(list.size() == 4);  // native served; the other known engines listed as disabled
  const json& native = list[0];
  INFO(native.dump());
  CHECK(native["name"] == "native");
  CHECK(native["configured"] == true);
  CHECK(native["state"] == "healthy");
  CHECK(native["reason"].is_null());
  CHECK(native["circuit"] == "closed");
  CHECK(native["up"] == true);
  CHECK(native["capabilities"]["strategies"].size() >= 5);
  CHECK(native["last_probe"]["ok"] == true);
  CHECK(native["last_probe"]["at"].is_string());
  CHECK(native["last_probe"]["latency_ms"].is_number());
  CHECK(native["last_probe"]["detail"].is_string());
  CHECK(native["ejections"] == 0);
  CHECK(native["ejected_until"].is_null());
  CHECK(native["window_runs"] == 1);
  CHECK(native["success_rate"] == 1.0);
  CHECK(native["p50_ms"].is_number());
  CHECK(native["p99_ms"].is_number());
  // Latency over time: this minute's bucket holds the one run.
  CHECK(native["history"]["bucket_s"] == 60);
  REQUIRE(native["history"]["points"].size() == 1);
  CHECK(native["history"]["points"][0]["runs"] == 1);
  CHECK(native["history"]["points"][0]["failures"] == 0);
  CHECK(native["history"]["points"][0]["p50_ms"] == native["p50_ms"]);
  CHECK(native["queue_depth"] == 0);
  CHECK(native["running"] == 0);
  CHECK(server.Call("GET", "/v1/engines/native", key).Json()["name"] == "native");
  HttpResponse missing = server.Call("GET", "/v1/engines/warp", key);
  CHECK(missing.code == 404);
  CHECK(missing.Json()["detail"] ==
        "name: no engine 'warp' (known: native, backtestingpy (not enabled), lean_local (not "
        "enabled), qc_cloud (not enabled))");
}

TEST_CASE("engines: a known engine the configuration leaves off is listed as disabled with a hint",
          "[api][engines]") {
  ApiServer server;
  const std::string admin = server.admin();
  const std::string dataset = server.Upload(admin, testing::SharedData("GOOG.csv"), "goog");
  const json list = server.Call("GET", "/v1/engines", admin).Json();
  std::vector<std::string> names;
  for (const json& e : list) names.push_back(e["name"]);
  CHECK(names == std::vector<std::string>{"native", "backtestingpy", "lean_local", "qc_cloud"});
  const json cloud = list[3];
  INFO(cloud.dump());
  CHECK(cloud["configured"] == false);
  CHECK(cloud["state"] == "disabled");
  CHECK(cloud["up"] == false);
  CHECK(cloud["capabilities"]["strategies"].empty());
  CHECK(cloud["hint"].get<std::string>().rfind(
            "set engines.qc_cloud.enabled = true (BTR__ENGINES__QC_CLOUD__ENABLED=true)", 0) == 0);
  CHECK(cloud["reason"].get<std::string>().find(cloud["hint"].get<std::string>()) !=
        std::string::npos);
  CHECK(server.Call("GET", "/v1/engines/qc_cloud", admin).Json() == cloud);

  // A submit naming it: 400 saying it is not enabled and how to enable it, not "unknown".
  json spec = Spec("qc_cloud", dataset);
  HttpResponse refused = server.Call("POST", "/v1/backtests", admin, spec.dump());
  CHECK(refused.code == 400);
  CHECK(refused.Json()["field"] == "engine");
  const std::string detail = refused.Json()["detail"];
  CHECK(detail.find("engine 'qc_cloud' is not enabled on this server") != std::string::npos);
  CHECK(detail.find("BTR__ENGINES__QC_CLOUD__ENABLED=true") != std::string::npos);
  CHECK(detail.find("unknown") == std::string::npos);
  spec = Spec("native", dataset);
  spec["fallback"] = {"lean_local"};
  refused = server.Call("POST", "/v1/backtests", admin, spec.dump());
  CHECK(refused.Json()["field"] == "fallback[0]");
  CHECK(refused.Json()["detail"].get<std::string>().find("'lean_local' is not enabled") !=
        std::string::npos);
  // A name no server knows still lists what there is.
  refused = server.Call("POST", "/v1/backtests", admin, Spec("warp", dataset).dump());
  CHECK(refused.Json()["detail"] ==
        "engine: unknown engine 'warp' (available: auto, native; not enabled: backtestingpy, "
        "lean_local, qc_cloud)");

  // Admin actions: 409 with the hint (the configuration decides, at start).
  for (const char* action : {"drain", "resume", "disable", "enable"}) {
    HttpResponse r = server.Call("POST", std::string("/v1/engines/qc_cloud/") + action, admin);
    INFO(action << ": " << r.body);
    CHECK(r.code == 409);
    CHECK(r.Json()["field"] == "name");
    CHECK(r.Json()["detail"].get<std::string>().find("BTR__ENGINES__QC_CLOUD__ENABLED=true") !=
          std::string::npos);
  }
}

TEST_CASE("engines: admin drain, resume, disable, enable; 403 for other keys; 503 fail-fast",
          "[api][engines]") {
  ApiServer server;
  const std::string admin = server.admin();
  const std::string user = server.NewKey("acme");
  const std::string dataset = server.Upload(user, testing::SharedData("GOOG.csv"), "goog");

  HttpResponse forbidden = server.Call("POST", "/v1/engines/native/drain", user);
  CHECK(forbidden.code == 403);
  CHECK(forbidden.headers["content-type"] == "application/problem+json");
  CHECK(server.Call("POST", "/v1/engines/native/drain", "").code == 401);

  HttpResponse drained = server.Call("POST", "/v1/engines/native/drain", admin);
  REQUIRE(drained.code == 200);
  CHECK(drained.Json()["state"] == "draining");
  // An explicit engine that takes no new jobs: 503, naming the engine and its state.
  HttpResponse refused = server.Call("POST", "/v1/backtests", user, Spec("native", dataset).dump());
  CHECK(refused.code == 503);
  CHECK(refused.headers["content-type"] == "application/problem+json");
  CHECK(refused.Json()["field"] == "engine");
  CHECK(refused.Json()["detail"] ==
        "engine: no engine can take this backtest now: native is draining (draining by an "
        "admin: 0 running, no new runs)");
  // auto fails fast too.
  refused = server.Call("POST", "/v1/backtests", user, Spec("auto", dataset).dump());
  CHECK(refused.code == 503);
  CHECK(refused.Json()["detail"].get<std::string>().find("native: draining") != std::string::npos);

  CHECK(server.Call("POST", "/v1/engines/native/enable", admin).code == 409);  // use resume
  CHECK(server.Call("POST", "/v1/engines/native/resume", admin).Json()["state"] == "healthy");
  HttpResponse disabled = server.Call("POST", "/v1/engines/native/disable", admin);
  CHECK(disabled.Json()["state"] == "disabled");
  CHECK(disabled.Json()["next_probe_at"].is_null());
  refused = server.Call("POST", "/v1/backtests", user, Spec("native", dataset).dump());
  CHECK(refused.code == 503);
  CHECK(refused.Json()["detail"].get<std::string>().find("native is disabled (disabled by an "
                                                         "admin)") != std::string::npos);
  HttpResponse conflict = server.Call("POST", "/v1/engines/native/resume", admin);
  CHECK(conflict.code == 409);
  CHECK(conflict.Json()["detail"].get<std::string>().find("use enable") != std::string::npos);
  CHECK(server.Call("POST", "/v1/engines/native/enable", admin).Json()["state"] == "healthy");
  CHECK(server.Call("POST", "/v1/engines/warp/drain", admin).code == 404);
  CHECK(server.WaitDone(user, Submit(server, user, Spec("native", dataset)))["status"] ==
        "succeeded");
}

TEST_CASE(
    "engines: fallbacks are recorded and shown; never for invalid input; lost replies reconciled",
    "[api][engines][backtestingpy]") {
  ServiceProcess fake(testing::BacktestingPyFakeArgv({"--run-seconds", "0.05"}));
  ApiServer server({{"engines.backtestingpy.enabled", "true", "test"},
                    {"engines.backtestingpy.url", fake.Url(), "test"},
                    {"engines.backtestingpy.request_timeout_s", "5", "test"},
                    {"engines.default", "backtestingpy", "test"}});
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  auto set_fault = [&](const std::string& mode) {
    REQUIRE(testing::Request("POST", fake.Url("/_fault"), json{{"mode", mode}}.dump(), {}).code ==
            200);
  };

  // engines.default applies to a request that names no engine.
  json no_engine = Spec("x", dataset);
  no_engine.erase("engine");
  const json plain = server.WaitDone(key, Submit(server, key, no_engine));
  CHECK(plain["engine_requested"] == "backtestingpy");
  CHECK(plain["engine_used"] == "backtestingpy");
  CHECK(plain["fallbacks"] == json::array());

  // 5xx before acceptance: falls back to native; the job says where it ran and why.
  set_fault("error500");
  const json moved =
      server.WaitDone(key, Submit(server, key, Spec("backtestingpy", dataset, {"native"})));
  INFO(moved.dump());
  CHECK(moved["status"] == "succeeded");
  CHECK(moved["engine_requested"] == "backtestingpy");
  CHECK(moved["engine_used"] == "native");
  REQUIRE(moved["fallbacks"].size() == 1);
  CHECK(moved["fallbacks"][0]["from"] == "backtestingpy");
  CHECK(moved["fallbacks"][0]["to"] == "native");
  CHECK(moved["fallbacks"][0]["reason"].get<std::string>().rfind("unavailable: ", 0) == 0);
  CHECK(moved["fallbacks"][0]["reason"].get<std::string>().find("HTTP 500") != std::string::npos);

  // Invalid input (the service answers 400): no fallback.
  set_fault("reject");
  const json rejected =
      server.WaitDone(key, Submit(server, key, Spec("backtestingpy", dataset, {"native"})));
  CHECK(rejected["status"] == "failed");
  CHECK(rejected["error"]["code"] == "invalid_argument");
  CHECK(rejected["engine_used"] == "backtestingpy");
  CHECK(rejected["fallbacks"] == json::array());

  // The run was accepted, then the reply was lost: reconciled by its run key, the service's
  // run becomes the job's result; nothing runs twice, nothing falls back.
  set_fault("drop");
  const json dropped =
      server.WaitDone(key, Submit(server, key, Spec("backtestingpy", dataset, {"native"})));
  set_fault("none");
  INFO(dropped.dump());
  CHECK(dropped["status"] == "succeeded");
  CHECK(dropped["engine_used"] == "backtestingpy");
  CHECK(dropped["fallbacks"] == json::array());
  const json calls =
      json::parse(testing::Request("GET", fake.Url("/_calls"), "", {}).body)["calls"];
  int submits = 0, lookups = 0;
  const std::string run_key = dropped["id"].get<std::string>() + ".1.backtestingpy";
  for (const json& call : calls) {
    const std::string path = call["path"];
    submits += call["method"] == "POST" && path == "/backtest/run";
    lookups += path.find("/backtest/history?limit=500&run_key=" + run_key) == 0;
  }
  CHECK(lookups == 1);
  CHECK(submits == 4);  // plain, moved (refused, never accepted), rejected, dropped: one each

  // The submit was lost before the service accepted it: reconciling proves it is not held
  // there, so it falls back, saying so.
  set_fault("drop_unaccepted");
  const json unaccepted =
      server.WaitDone(key, Submit(server, key, Spec("backtestingpy", dataset, {"native"})));
  set_fault("none");
  INFO(unaccepted.dump());
  CHECK(unaccepted["status"] == "succeeded");
  CHECK(unaccepted["engine_used"] == "native");
  REQUIRE(unaccepted["fallbacks"].size() == 1);
  CHECK(unaccepted["fallbacks"][0]["reason"].get<std::string>().find(
            "reconciling proved the run is not held: the backtestingpy service holds no job "
            "with run key " +
            unaccepted["id"].get<std::string>() + ".1.backtestingpy") != std::string::npos);

  // Without a fallback chain and with reconciling off, a lost reply fails the job as unknown.
  ApiServer strict({{"engines.backtestingpy.enabled", "true", "test"},
                    {"engines.backtestingpy.url", fake.Url(), "test"},
                    {"engines.reconcile_timeout_s", "0", "test"}});
  const std::string strict_key = strict.admin();
  const std::string strict_data = strict.Upload(strict_key, testing::SharedData("GOOG.csv"), "g");
  set_fault("drop");
  const json unknown = strict.WaitDone(
      strict_key, Submit(strict, strict_key, Spec("backtestingpy", strict_data, {"native"})));
  set_fault("none");
  INFO(unknown.dump());
  CHECK(unknown["status"] == "failed");
  CHECK(unknown["error"]["code"] == "unknown_outcome");
  CHECK(unknown["error"]["message"].get<std::string>().find(
            "so it was not re-run on another engine") != std::string::npos);
  CHECK(unknown["fallbacks"] == json::array());

  // Unknown fallback engines are the request's fault.
  HttpResponse bad = server.Call("POST", "/v1/backtests", key,
                                 Spec("backtestingpy", dataset, {"native", "warp"}).dump());
  CHECK(bad.code == 400);
  CHECK(bad.Json()["field"] == "fallback[1]");

  set_fault("none");
  const std::string metrics = server.Call("GET", "/metrics", "").body;
  // Two fallbacks: the 5xx, and the submit proven unaccepted.
  CHECK(metrics.find("btr_fallbacks_total{from=\"backtestingpy\",to=\"native\"} 2\n") !=
        std::string::npos);
  CHECK(metrics.find("btr_engine_up{engine=\"native\"} 1\n") != std::string::npos);
  CHECK(metrics.find("btr_engine_ejections_total{engine=\"backtestingpy\"} 0\n") !=
        std::string::npos);
  CHECK(metrics.find("btr_engine_probes_total{engine=\"backtestingpy\",result=\"ok\"}") !=
        std::string::npos);
  CHECK(metrics.find("btr_engine_probe_duration_seconds_count{engine=\"native\"}") !=
        std::string::npos);
}

}  // namespace
}  // namespace btr
