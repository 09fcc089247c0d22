// The backtestingpy engine through the REST API: a ServerApp whose engines.backtestingpy.url
// points at a service child process on loopback. Against the protocol-faithful fake (results
// recorded from real backtesting.py 0.6.6) always; against the real service too wherever the
// `backtesting` library can be imported (or BTR_BACKTESTING_SRC names a 0.6.6 source tree).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <thread>

#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::Near;
using testing::ServiceProcess;

std::vector<ConfigOverride> PointAt(const ServiceProcess& service, int timeout_s = 60) {
  return {{"engines.backtestingpy.enabled", "true", "test"},
          {"engines.backtestingpy.url", service.Url(), "test"},
          {"engines.backtestingpy.timeout_s", std::to_string(timeout_s), "test"},
          {"engines.backtestingpy.request_timeout_s", "5", "test"}};
}

json Spec(const std::string& engine, const std::string& dataset) {
  return {{"engine", engine}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}};
}

std::string Submit(ApiServer& server, const std::string& key, const json& spec) {
  HttpResponse r = server.Call("POST", "/v1/backtests", key, spec.dump());
  INFO(r.body);
  REQUIRE(r.code == 202);
  return r.Json()["id"].get<std::string>();
}

json Result(ApiServer& server, const std::string& key, const std::string& id) {
  HttpResponse r = server.Call("GET", "/v1/backtests/" + id + "/result", key);
  REQUIRE(r.code == 200);
  return r.Json();
}

// The same sma_cross run on GOOG through both engines: identical trades, canonical metrics
// within 1e-9 relative, and the library's own numbers kept and mapped.
void CheckAgreesWithNative(const ServiceProcess& service) {
  ApiServer server(PointAt(service));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const std::string native_id = Submit(server, key, Spec("native", dataset));
  const std::string remote_id = Submit(server, key, Spec("backtestingpy", dataset));
  const json remote_job = server.WaitDone(key, remote_id);
  INFO(remote_job.dump());
  REQUIRE(remote_job["status"] == "succeeded");
  CHECK(remote_job["engine_used"] == "backtestingpy");
  REQUIRE(server.WaitDone(key, native_id)["status"] == "succeeded");

  const json native = Result(server, key, native_id);
  const json remote = Result(server, key, remote_id);
  CHECK(remote["trades"] == native["trades"]);
  CHECK(remote["open_trades"].size() == native["open_trades"].size());
  for (const auto& [name, value] : native["metrics"].items()) {
    INFO(name);
    if (value.is_number()) {
      REQUIRE(remote["metrics"][name].is_number());
      CHECK(Near(remote["metrics"][name].get<double>(), value.get<double>(), 1e-9));
    } else {
      CHECK(remote["metrics"][name] == value);
    }
  }
  CHECK(remote["native"]["raw"]["# Trades"] == 93);
  CHECK(Near(remote["native"]["metrics"]["sharpe_ratio"].get<double>(),
             remote["metrics"]["sharpe_ratio"].get<double>(), 1e-9));
  CHECK(remote["conventions"]["engine"].contains("annualization"));
  CHECK(remote["engine_version"].get<std::string>().rfind("backtesting 0.6.6", 0) == 0);
}

// Where the real library is importable: the service's launcher, or the test launcher that puts
// a backtesting.py source tree (BTR_BACKTESTING_SRC) on the path.
std::vector<std::string> RealServiceArgv() {
  const std::string src = std::string(BTR_SOURCE_DIR);
  const char* tree = std::getenv("BTR_BACKTESTING_SRC");
  if (tree != nullptr && tree[0] != '\0') {
    return {testing::Python(), "-B",
            src + "/tests/adapters/backtestingpy/service/run_from_source.py"};
  }
  const std::string probe = testing::Python() + " -c 'import backtesting' >/dev/null 2>&1";
  if (std::system(probe.c_str()) == 0) {
    return {testing::Python(), "-B", src + "/adapters/backtestingpy/service/run"};
  }
  return {};
}

TEST_CASE("backtestingpy through the API agrees with native (fake service)",
          "[api][backtestingpy]") {
  ServiceProcess fake(testing::BacktestingPyFakeArgv());
  CheckAgreesWithNative(fake);
}

TEST_CASE("backtestingpy through the API agrees with native (real service)",
          "[api][backtestingpy]") {
  const std::vector<std::string> argv = RealServiceArgv();
  if (argv.empty()) {
    WARN(
        "skipped: the backtesting library is not importable here (pip install -r "
        "adapters/backtestingpy/service/requirements.txt, or set BTR_BACKTESTING_SRC to a "
        "backtesting.py 0.6.6 source tree)");
    return;
  }
  ServiceProcess real(argv);
  CheckAgreesWithNative(real);
}

TEST_CASE("backtestingpy faults end as clear job errors; the router keeps serving",
          "[api][backtestingpy]") {
  ServiceProcess fake(testing::BacktestingPyFakeArgv());
  ApiServer server(PointAt(fake, 2));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  auto set_fault = [&](const std::string& mode) {
    REQUIRE(testing::Request("POST", fake.Url("/_fault"), json{{"mode", mode}}.dump(), {}).code ==
            200);
  };
  auto failed_with = [&](const std::string& id, const std::string& code, const std::string& text) {
    const json job = server.WaitDone(key, id);
    INFO(job.dump());
    CHECK(job["status"] == "failed");
    CHECK(job["error"]["code"] == code);
    CHECK(job["error"]["message"].get<std::string>().find(text) != std::string::npos);
  };

  set_fault("error500");
  failed_with(Submit(server, key, Spec("backtestingpy", dataset)), "unavailable", "HTTP 500");
  set_fault("malformed");
  failed_with(Submit(server, key, Spec("backtestingpy", dataset)), "internal", "malformed answer");
  set_fault("never_finish");
  failed_with(Submit(server, key, Spec("backtestingpy", dataset)), "deadline_exceeded",
              "timeout_s");

  // Cancel through the API while the service holds the job.
  const std::string running = Submit(server, key, Spec("backtestingpy", dataset));
  for (int k = 0;
       k < 100 && server.Call("GET", "/v1/backtests/" + running, key).Json()["status"] != "running";
       ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(server.Call("POST", "/v1/backtests/" + running + "/cancel", key).code == 202);
  CHECK(server.WaitDone(key, running)["status"] == "cancelled");

  fake.Stop();
  failed_with(Submit(server, key, Spec("backtestingpy", dataset)), "unavailable", "cannot reach");
  // Still serving, and the native engine still runs.
  CHECK(server.Call("GET", "/readyz", "").code == 200);
  CHECK(server.WaitDone(key, Submit(server, key, Spec("native", dataset)))["status"] ==
        "succeeded");
}

}  // namespace
}  // namespace btr
