// An in-process `btrouter serve` (ServerApp) on a free loopback port with a temporary data
// directory, driven over real HTTP with libcurl: shared by the API integration tests.
// Test-only: failures are Catch2 REQUIREs.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "router/app/server_app.h"
#include "tests/router/integration/http_client.h"
#include "tests/test_util.h"

namespace btr::testing {

using nlohmann::json;

class ApiServer {
 public:
  // `extra` config overrides go after the test defaults (and win).
  explicit ApiServer(const std::vector<ConfigOverride>& extra = {}) {
    std::vector<ConfigOverride> overrides = {{"server.listen", "127.0.0.1:0", "test"},
                                             {"server.data_dir", dir_.path(), "test"},
                                             {"server.max_body_bytes", "4MiB", "test"}};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    Result<Config> config = LoadConfig("", {}, overrides);
    REQUIRE(config.ok());
    Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(*config);
    REQUIRE(app.ok());
    app_ = std::move(app).value();
    admin_ = app_->new_admin_key();
    REQUIRE(!admin_.empty());
    base_ = "http://127.0.0.1:" + std::to_string(app_->port());
  }

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& key,
                    const std::string& body = "", std::vector<std::string> headers = {}) {
    if (!key.empty()) headers.push_back("Authorization: Bearer " + key);
    return Request(method, base_ + path, body, headers);
  }

  std::string NewKey(const std::string& tenant) {
    HttpResponse r = Call("POST", "/v1/keys", admin_, json{{"tenant", tenant}}.dump());
    REQUIRE(r.code == 201);
    return r.Json()["key"].get<std::string>();
  }

  std::string Upload(const std::string& key, const std::string& file, const std::string& name) {
    HttpResponse r =
        Call("POST", "/v1/datasets?name=" + name, key, ReadFile(file), {"Content-Type: text/csv"});
    INFO(r.body);
    REQUIRE(r.code == 201);
    return r.Json()["id"].get<std::string>();
  }

  json WaitDone(const std::string& key, const std::string& id) {
    for (int k = 0; k < 200; ++k) {
      HttpResponse r = Call("GET", "/v1/backtests/" + id + "?wait=5", key);
      REQUIRE(r.code == 200);
      json job = r.Json();
      const std::string status = job["status"];
      if (status != "queued" && status != "running") return job;
    }
    FAIL("job did not finish");
    return {};
  }

  // The canonical metrics of the backtest `spec`, submitted and waited for; REQUIREs success.
  json BacktestMetrics(const std::string& key, const json& spec) {
    HttpResponse submitted = Call("POST", "/v1/backtests", key, spec.dump());
    INFO(submitted.body);
    REQUIRE(submitted.code == 202);
    const std::string id = submitted.Json()["id"];
    REQUIRE(WaitDone(key, id)["status"] == "succeeded");
    return Call("GET", "/v1/backtests/" + id + "/result", key).Json()["metrics"];
  }

  const std::string& admin() const { return admin_; }
  uint16_t port() const { return app_->port(); }
  uint16_t qc_port() const { return app_->qc_port(); }
  std::string data_dir() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
  std::unique_ptr<ServerApp> app_;
  std::string admin_, base_;
};

}  // namespace btr::testing
