// Health routing with real processes: the Backtesting.py fake service is stopped in the middle
// of a load and started again on the same port. Checks the engine's states through
// GET /v1/engines (ejected, then healthy), the fallbacks to native recorded on the jobs, that no
// job is lost, and the engine metrics. Timings are not asserted (short health intervals only
// make the test quick).
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ServiceProcess;

// Health settings that notice within about a second.
std::vector<ConfigOverride> FastHealth(const ServiceProcess& service) {
  return {{"engines.backtestingpy.enabled", "true", "test"},
          {"engines.backtestingpy.url", service.Url(), "test"},
          {"engines.backtestingpy.request_timeout_s", "2", "test"},
          {"engines.backtestingpy.concurrency", "2", "test"},
          {"engines.fallback", "native", "test"},
          {"engines.reconcile_timeout_s", "1", "test"},  // a stopped service stays stopped
          {"jobs.workers", "4", "test"},
          {"health.interval_s", "0.2", "test"},
          {"health.timeout_s", "0.2", "test"},
          {"health.no_traffic_interval_s", "0.5", "test"},
          {"health.unhealthy_threshold", "2", "test"},
          {"health.healthy_threshold", "2", "test"},
          {"health.consecutive_failures", "3", "test"},
          {"health.base_ejection_s", "0.5", "test"},
          {"health.max_ejection_s", "2", "test"}};
}

json EngineDoc(ApiServer& server, const std::string& key, const std::string& name) {
  HttpResponse r = server.Call("GET", "/v1/engines/" + name, key);
  REQUIRE(r.code == 200);
  return r.Json();
}

// Polls the engine until `done` holds (at most ~30 s); returns the last document.
template <typename Pred>
json WaitEngine(ApiServer& server, const std::string& key, const std::string& name, Pred done) {
  json doc;
  for (int k = 0; k < 600; ++k) {
    doc = EngineDoc(server, key, name);
    if (done(doc)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return doc;
}

TEST_CASE("health: the Backtesting.py service stopped mid-load and started again",
          "[api][health][backtestingpy]") {
  ServiceProcess fake(testing::BacktestingPyFakeArgv({"--run-seconds", "0.05"}));
  ApiServer server(FastHealth(fake));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const json spec = {
      {"engine", "backtestingpy"}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}};
  CHECK(EngineDoc(server, key, "backtestingpy")["state"] == "healthy");

  std::vector<std::string> ids;
  for (int k = 0; k < 40; ++k) {
    HttpResponse r = server.Call("POST", "/v1/backtests", key, spec.dump());
    REQUIRE(r.code == 202);
    ids.push_back(r.Json()["id"]);
  }
  // Let a few finish on the service, then stop it.
  for (int k = 0; k < 600; ++k) {
    if (server.Call("GET", "/v1/backtests/" + ids[3], key).Json()["status"] == "succeeded") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fake.Stop();

  int on_service = 0, via_fallback = 0, unknown = 0;
  for (const std::string& id : ids) {
    const json job = server.WaitDone(key, id);  // none stuck
    INFO(job.dump());
    if (job["status"] == "succeeded" && job["engine_used"] == "backtestingpy") {
      ++on_service;
      CHECK(job["fallbacks"] == json::array());
    } else if (job["status"] == "succeeded") {
      CHECK(job["engine_used"] == "native");
      REQUIRE(job["fallbacks"].size() == 1);
      CHECK(job["fallbacks"][0]["from"] == "backtestingpy");
      CHECK(job["fallbacks"][0]["to"] == "native");
      CHECK(job["fallbacks"][0]["reason"].is_string());
      ++via_fallback;
    } else {
      // Only jobs the service had accepted when it went away: their outcome is unknown.
      CHECK(job["status"] == "failed");
      CHECK(job["error"]["code"] == "unknown_outcome");
      ++unknown;
    }
  }
  INFO("on the service " << on_service << ", via fallback " << via_fallback << ", unknown "
                         << unknown);
  CHECK(on_service + via_fallback + unknown == 40);
  CHECK(on_service >= 4);
  CHECK(via_fallback > 0);
  CHECK(unknown <= 2);  // at most the engine's concurrency

  const json down = WaitEngine(server, key, "backtestingpy",
                               [](const json& d) { return d["state"] == "ejected"; });
  INFO(down.dump());
  CHECK(down["state"] == "ejected");
  CHECK(down["up"] == false);
  CHECK(down["last_probe"]["ok"] == false);
  std::string metrics = server.Call("GET", "/metrics", "").body;
  CHECK(metrics.find("btr_engine_up{engine=\"backtestingpy\"} 0\n") != std::string::npos);
  CHECK(metrics.find("btr_fallbacks_total{from=\"backtestingpy\",to=\"native\"} " +
                     std::to_string(via_fallback) + "\n") != std::string::npos);
  CHECK(metrics.find("btr_engine_probes_total{engine=\"backtestingpy\",result=\"failed\"}") !=
        std::string::npos);

  // Heal: the same port again. Probes bring it back; jobs run on it again.
  fake.Start(fake.port());
  // Back when it passes its probes and its circuit is not open (healthy, degraded or half-open).
  const json up =
      WaitEngine(server, key, "backtestingpy", [](const json& d) { return d["up"] == true; });
  INFO(up.dump());
  CHECK(up["up"] == true);
  CHECK(up["state"] != "ejected");
  bool back = false;
  for (int k = 0; k < 100 && !back; ++k) {
    const json job = server.WaitDone(
        key,
        server.Call("POST", "/v1/backtests", key, spec.dump()).Json()["id"].get<std::string>());
    CHECK(job["status"] == "succeeded");
    back = job["engine_used"] == "backtestingpy" && job["fallbacks"].empty();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(back);
  CHECK(EngineDoc(server, key, "backtestingpy")["circuit"] == "closed");
  metrics = server.Call("GET", "/metrics", "").body;
  CHECK(metrics.find("btr_engine_up{engine=\"backtestingpy\"} 1\n") != std::string::npos);
}

}  // namespace
}  // namespace btr
