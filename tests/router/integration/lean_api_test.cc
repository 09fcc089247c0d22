// The LEAN engines through the REST API, with the protocol-faithful fakes as their endpoints:
// lean_local launches tests/fakes/fake_lean.py as its command, qc_cloud talks to
// tests/fakes/fake_qc_api.py over loopback HTTP (signature checked). Neither fake is LEAN: they
// write LEAN-shaped results computed by btrouter's native engine, so both engines must give
// the native engine's trades on GOOG; what is tested is the plumbing, not LEAN's fills.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/adapters/lean_local/lean_local_test_util.h"
#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ServiceProcess;

constexpr char kUser[] = "4242";
constexpr char kToken[] = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed";

std::vector<ConfigOverride> LeanEngines(const testing::TempDir& tmp, const ServiceProcess& qc,
                                        const std::string& lean_extra = "") {
  return {{"engines.lean_local.enabled", "true", "test"},
          {"engines.lean_local.command", testing::lean_local::FakeCommand(lean_extra), "test"},
          {"engines.lean_local.lean_data_dir", testing::lean_local::MakeLeanDataDir(tmp), "test"},
          {"engines.lean_local.timeout_s", "120", "test"},
          {"engines.qc_cloud.enabled", "true", "test"},
          {"engines.qc_cloud.url", qc.Url("/api/v2"), "test"},
          {"engines.qc_cloud.user_id", kUser, "test"},
          {"engines.qc_cloud.token", kToken, "test"},
          {"engines.qc_cloud.timeout_s", "120", "test"}};
}

ServiceProcess StartQcFake() {
  return ServiceProcess(testing::QcFakeArgv({"--user-id", kUser, "--token", kToken}),
                        testing::QcFakeEnv());
}

std::string Submit(ApiServer& server, const std::string& key, const std::string& engine,
                   const std::string& dataset) {
  const json spec = {
      {"engine", engine}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}};
  HttpResponse r = server.Call("POST", "/v1/backtests", key, spec.dump());
  INFO(r.body);
  REQUIRE(r.code == 202);
  return r.Json()["id"].get<std::string>();
}

// Polls the job until it ends, keeping every progress value seen while it ran.
json Follow(ApiServer& server, const std::string& key, const std::string& id,
            std::vector<double>* progress) {
  for (int k = 0; k < 6000; ++k) {
    const json job = server.Call("GET", "/v1/backtests/" + id, key).Json();
    const std::string status = job["status"];
    if (status == "running") progress->push_back(job["progress"].get<double>());
    if (status != "queued" && status != "running") return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("job did not finish");
  return {};
}

void CheckNoCredential(const std::string& text) {
  CHECK(text.find(kToken) == std::string::npos);
  CHECK(text.find("Basic ") == std::string::npos);
}

TEST_CASE("lean_local and qc_cloud complete through the API with progress, equity, trades",
          "[api][lean]") {
  testing::TempDir tmp;
  ServiceProcess qc = StartQcFake();
  ApiServer server(LeanEngines(tmp, qc, " --fault slow"));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const std::string native_id = Submit(server, key, "native", dataset);
  REQUIRE(server.WaitDone(key, native_id)["status"] == "succeeded");
  const json native = server.Call("GET", "/v1/backtests/" + native_id + "/result", key).Json();

  for (const std::string engine : {"lean_local", "qc_cloud"}) {
    INFO(engine);
    const std::string id = Submit(server, key, engine, dataset);
    std::vector<double> progress;
    const json job = Follow(server, key, id, &progress);
    INFO(job.dump());
    REQUIRE(job["status"] == "succeeded");
    CHECK(job["engine_used"] == engine);
    CHECK(std::any_of(progress.begin(), progress.end(), [](double p) { return p > 0 && p < 1; }));
    CHECK(std::is_sorted(progress.begin(), progress.end()));

    const HttpResponse result = server.Call("GET", "/v1/backtests/" + id + "/result", key);
    REQUIRE(result.code == 200);
    CheckNoCredential(result.body);
    const json doc = result.Json();
    // The fakes compute with the native engine; LEAN's shapes round P&L to cents and stamp
    // fills with LEAN's times, so bars, sizes and prices must match exactly, P&L to a cent.
    REQUIRE(doc["trades"].size() == native["trades"].size());
    for (size_t k = 0; k < doc["trades"].size(); ++k) {
      const json& a = doc["trades"][k];
      const json& b = native["trades"][k];
      INFO("trade " << k << ": " << a.dump() << " vs " << b.dump());
      CHECK(a["entry_bar"] == b["entry_bar"]);
      CHECK(a["exit_bar"] == b["exit_bar"]);
      CHECK(a["size"] == b["size"]);
      CHECK(a["entry_price"] == b["entry_price"]);
      CHECK(a["exit_price"] == b["exit_price"]);
      CHECK(std::abs(a["pnl"].get<double>() - b["pnl"].get<double>()) <= 0.01);
    }
    CHECK(doc["native"]["metrics"].contains("num_trades"));
    CHECK(doc["conventions"]["engine"].contains("sharpe_ratio"));
    const json equity = server.Call("GET", "/v1/backtests/" + id + "/equity?limit=5", key).Json();
    CHECK(equity["total"] == 2148);  // one point per bar (the route checks the lengths)
    CHECK(equity["items"].size() == 5);
  }
  CheckNoCredential(server.Call("GET", "/v1/engines", key).body);
  CheckNoCredential(server.Call("GET", "/metrics", "").body);
}

TEST_CASE("LEAN failures end as clear job errors; no credential leaks", "[api][lean]") {
  testing::TempDir tmp;
  ServiceProcess qc = StartQcFake();
  ApiServer server(LeanEngines(tmp, qc, " --fault runtime_error"));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  auto failed_with = [&](const std::string& engine, const std::string& code,
                         const std::string& text) {
    std::vector<double> progress;
    const json job = Follow(server, key, Submit(server, key, engine, dataset), &progress);
    INFO(job.dump());
    CHECK(job["status"] == "failed");
    CHECK(job["error"]["code"] == code);
    CHECK(job["error"]["message"].get<std::string>().find(text) != std::string::npos);
    CheckNoCredential(job.dump());
  };
  failed_with("lean_local", "internal", "RuntimeError");
  auto qc_fault = [&](const std::string& mode) {
    REQUIRE(testing::Request("POST", qc.Url("/_fault"), json{{"mode", mode}}.dump(), {}).code ==
            200);
  };
  qc_fault("compile_error");
  failed_with("qc_cloud", "invalid_argument", "Build");
  qc_fault("runtime_error");
  failed_with("qc_cloud", "internal", "Runtime Error");
  qc_fault("unauthorized");
  failed_with("qc_cloud", "unauthenticated", "QuantConnect");
  // The router is still up and still runs the native engine.
  CHECK(server.WaitDone(key, Submit(server, key, "native", dataset))["status"] == "succeeded");
}

TEST_CASE("qc_cloud: a lost backtests/create answer is reconciled and adopted", "[api][lean]") {
  testing::TempDir tmp;
  ServiceProcess qc = StartQcFake();
  ApiServer server(LeanEngines(tmp, qc));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  REQUIRE(
      testing::Request("POST", qc.Url("/_fault"), json{{"mode", "drop_create"}}.dump(), {}).code ==
      200);
  std::vector<double> progress;
  const std::string id = Submit(server, key, "qc_cloud", dataset);
  // The fault only drops answers to backtests/create: reads work, so the backtest is found.
  const json job = Follow(server, key, id, &progress);
  INFO(job.dump());
  CHECK(job["status"] == "succeeded");
  CHECK(job["engine_used"] == "qc_cloud");
  CHECK(job["fallbacks"] == json::array());
  int creates = 0;
  const json calls = json::parse(testing::Request("GET", qc.Url("/_calls"), "", {}).body)["calls"];
  for (const json& call : calls) creates += call["endpoint"] == "backtests/create";
  CHECK(creates == 1);
  const std::string logs = server.Call("GET", "/v1/backtests/" + id + "/logs", key).body;
  CHECK(logs.find("found backtest ") != std::string::npos);
  CHECK(logs.find("adopted qc_cloud's run") != std::string::npos);
  CheckNoCredential(logs);
}

TEST_CASE("An optimization on a remote engine runs one backtest per set there", "[api][lean]") {
  testing::TempDir tmp;
  ServiceProcess qc = StartQcFake();
  ApiServer server(LeanEngines(tmp, qc));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const json request = {
      {"engine", "qc_cloud"},    {"dataset", dataset},
      {"strategy", "sma_cross"}, {"space", {{"fast", {5, 10}}, {"slow", {30, 60}}}},
      {"concurrency", 2},        {"blocks", 4}};
  HttpResponse created = server.Call("POST", "/v1/optimizations", key, request.dump());
  INFO(created.body);
  REQUIRE(created.code == 202);
  const std::string id = created.Json()["id"];
  const json job = server.WaitDone(key, id);
  INFO(job.dump());
  REQUIRE(job["status"] == "succeeded");
  CHECK(job["engine_used"] == "qc_cloud");
  const json report = server.Call("GET", "/v1/optimizations/" + id + "/report", key).Json();
  CHECK(report["counts"]["trials"] == 4);
  CHECK(report["counts"]["failed"] == 0);
  const json& best = report["best"];
  REQUIRE(best.is_object());

  // The best trial is the qc_cloud backtest of its parameters.
  const json spec = {{"engine", "qc_cloud"},
                     {"dataset", dataset},
                     {"strategy", {{"name", "sma_cross"}, {"params", best["params"]}}}};
  const json metrics = server.BacktestMetrics(key, spec);
  for (const auto& [name, value] : best["metrics"].items()) {
    INFO(name);
    CHECK(metrics[name] == value);
  }
}

}  // namespace
}  // namespace btr
