// The REST API over real HTTP on loopback: a ServerApp started in process on a free port with
// a temporary data directory, driven with libcurl.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ReadFile;
using testing::Request;

std::string Goog() { return testing::SharedData("GOOG.csv"); }

json SmaSpec(const std::string& dataset) {
  return {{"engine", "native"},
          {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 20}}}}},
          {"dataset", dataset},
          {"cash", 10000},
          {"commission", 0.002}};
}

TEST_CASE("happy path: upload, submit, long-poll, result, pages", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, Goog(), "goog");
  HttpResponse submitted = server.Call("POST", "/v1/backtests", key, SmaSpec(dataset).dump());
  INFO(submitted.body);
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  CHECK(submitted.headers["location"] == "/v1/backtests/" + id);
  const json job = server.WaitDone(key, id);
  CHECK(job["status"] == "succeeded");
  CHECK(job["engine_used"] == "native");
  CHECK(job["progress"] == 1.0);

  HttpResponse result = server.Call("GET", "/v1/backtests/" + id + "/result", key);
  REQUIRE(result.code == 200);
  const json doc = result.Json();
  std::ifstream stats_in(std::string(BTR_SOURCE_DIR) +
                         "/tests/parity/reference/goog_sma_cross_comm/stats.json");
  const json stats = json::parse(stats_in);
  CHECK(testing::Near(doc["metrics"]["total_return"].get<double>() * 100,
                      stats["Return [%]"].get<double>(), 1e-9));
  CHECK(testing::Near(doc["metrics"]["sharpe_ratio"].get<double>(),
                      stats["Sharpe Ratio"].get<double>(), 1e-9));
  CHECK(doc["trades"].size() == 93);
  CHECK(doc["open_trades"].size() == 1);
  CHECK(doc["dataset"]["sha256"] ==
        "60e961a567490b157f71888df9e6afb36190a34a40a6286aa38988e2343f1b1a");

  // Trades, paged by 40: 40 + 40 + 13.
  std::string cursor;
  size_t seen = 0, pages = 0;
  do {
    HttpResponse page = server.Call(
        "GET",
        "/v1/backtests/" + id + "/trades?limit=40" + (cursor.empty() ? "" : "&cursor=" + cursor),
        key);
    REQUIRE(page.code == 200);
    const json p = page.Json();
    seen += p["items"].size();
    ++pages;
    cursor = p["next_cursor"].is_null() ? "" : p["next_cursor"].get<std::string>();
  } while (!cursor.empty());
  CHECK(seen == 93);
  CHECK(pages == 3);
  HttpResponse equity = server.Call("GET", "/v1/backtests/" + id + "/equity?limit=5", key);
  REQUIRE(equity.code == 200);
  CHECK(equity.Json()["total"] == 2148);
  CHECK(equity.Json()["items"][0]["equity"] == 10000.0);

  HttpResponse list = server.Call("GET", "/v1/backtests?status=succeeded", key);
  REQUIRE(list.code == 200);
  CHECK(list.Json()["items"].size() == 1);
  const HttpResponse strategies = server.Call("GET", "/v1/strategies", key);
  CHECK(strategies.Json()["items"].size() == 7);
  // Parameters typed as declared: "default":10 for an int, not 10.0; bools as booleans.
  CHECK(strategies.body.find("\"default\":10,") != std::string::npos);
  CHECK(strategies.body.find("\"default\":10.0") == std::string::npos);
  CHECK(strategies.Json()["items"][0]["params"][2]["default"] == false);
  CHECK(server.Call("GET", "/v1/engines", key).Json()[0]["name"] == "native");
  CHECK(server.Call("GET", "/livez", "").code == 200);
  CHECK(server.Call("GET", "/readyz", "").code == 200);
  const HttpResponse metrics = server.Call("GET", "/metrics", "");
  CHECK(metrics.body.find("btr_http_requests_total{") != std::string::npos);
  CHECK(metrics.body.find("btr_jobs_submitted_total{engine=\"native\"} 1") != std::string::npos);
  CHECK(metrics.body.find("btr_jobs_finished_total{engine=\"native\",status=\"succeeded\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("btr_job_duration_seconds_count{engine=\"native\"} 1") !=
        std::string::npos);

  // A finished job is deleted; then it is gone.
  CHECK(server.Call("DELETE", "/v1/backtests/" + id, key).code == 204);
  CHECK(server.Call("GET", "/v1/backtests/" + id, key).code == 404);
}

TEST_CASE("every error is problem+json naming the field", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, Goog(), "goog");
  struct Case {
    std::string method, path, key, body;
    long code;
    std::string field;
  };
  json unknown = SmaSpec(dataset);
  unknown["strategy"]["name"] = "nope";
  json bad_param = SmaSpec(dataset);
  bad_param["strategy"]["params"]["fast"] = 0;
  json missing = SmaSpec("ds_missing");
  json bad_setting = SmaSpec(dataset);
  bad_setting["margin"] = 5;
  const std::vector<Case> cases = {
      {"POST", "/v1/backtests", key, "{not json", 400, "body"},
      {"POST", "/v1/backtests", key, unknown.dump(), 400, "strategy.name"},
      {"POST", "/v1/backtests", key, bad_param.dump(), 400, "strategy.params"},
      {"POST", "/v1/backtests", key, missing.dump(), 400, "dataset"},
      {"POST", "/v1/backtests", key, bad_setting.dump(), 400, "margin"},
      {"POST", "/v1/backtests", "", SmaSpec(dataset).dump(), 401, "authorization"},
      {"POST", "/v1/backtests", "btr_000000000000_0000000000000000000000000000000000000000",
       SmaSpec(dataset).dump(), 401, ""},
      {"GET", "/v1/backtests?limit=0", key, "", 400, "limit"},
      {"GET", "/v1/backtests?status=done", key, "", 400, "status"},
      {"GET", "/v1/backtests/bt_nope", key, "", 404, ""},
      {"POST", "/v1/datasets?name=bad", key, "time,open\n2020-01-01,1\n", 400, "body"},
      {"GET", "/v1/keys", key, "", 403, "authorization"},
      {"PATCH", "/v1/backtests", key, "", 405, "method"},
      {"GET", "/v1/nowhere", key, "", 404, "path"},
  };
  for (const Case& c : cases) {
    HttpResponse r = server.Call(c.method, c.path, c.key, c.body);
    INFO(c.method << " " << c.path << " " << c.body << " -> " << r.body);
    CHECK(r.code == c.code);
    CHECK(r.headers["content-type"] == "application/problem+json");
    const json problem = r.Json();
    CHECK(problem["status"] == c.code);
    if (!c.field.empty()) CHECK(problem["field"] == c.field);
  }
  CHECK(server.Call("PATCH", "/v1/backtests", key).headers["allow"] == "GET, POST");
  CHECK(server.Call("GET", "/v1/backtests", "").headers["www-authenticate"] == "Bearer");

  // A body above server.max_body_bytes (4 MiB here) is refused before any handler runs.
  HttpResponse huge = server.Call("POST", "/v1/datasets?name=big", key, std::string(5u << 20, 'x'));
  CHECK(huge.code == 413);
}

TEST_CASE("tenants see only their own jobs and datasets", "[api]") {
  ApiServer server;
  const std::string alice = server.NewKey("alice");
  const std::string bob = server.NewKey("bob");
  const std::string dataset = server.Upload(alice, Goog(), "goog");
  HttpResponse submitted = server.Call("POST", "/v1/backtests", alice, SmaSpec(dataset).dump());
  REQUIRE(submitted.code == 202);
  const std::string id = submitted.Json()["id"];
  CHECK(server.Call("GET", "/v1/backtests/" + id, bob).code == 404);
  CHECK(server.Call("GET", "/v1/backtests/" + id + "/result", bob).code == 404);
  CHECK(server.Call("DELETE", "/v1/backtests/" + id, bob).code == 404);
  CHECK(server.Call("GET", "/v1/datasets/" + dataset, bob).code == 404);
  CHECK(server.Call("POST", "/v1/backtests", bob, SmaSpec(dataset).dump()).code == 400);
  CHECK(server.Call("GET", "/v1/backtests", bob).Json()["items"].empty());
  // A revoked key stops working.
  const json keys = server.Call("GET", "/v1/keys", server.admin()).Json();
  std::string bob_id;
  for (const json& k : keys["items"]) {
    if (k["tenant"] == "bob") bob_id = k["id"];
  }
  REQUIRE(!bob_id.empty());
  CHECK(server.Call("DELETE", "/v1/keys/" + bob_id, server.admin()).code == 204);
  CHECK(server.Call("GET", "/v1/backtests", bob).code == 401);
}

TEST_CASE("idempotency under 50 concurrent identical submits", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, Goog(), "goog");
  const std::string body = SmaSpec(dataset).dump();
  std::vector<std::string> ids(50);
  std::vector<long> codes(50);
  std::vector<std::thread> threads;
  for (size_t k = 0; k < 50; ++k) {
    threads.emplace_back([&, k] {
      HttpResponse r =
          server.Call("POST", "/v1/backtests", key, body, {"Idempotency-Key: same-key"});
      codes[k] = r.code;
      const json j = r.Json();
      if (j.is_object() && j.contains("id")) ids[k] = j["id"];
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t k = 0; k < 50; ++k) {
    CHECK(codes[k] == 202);
    CHECK(ids[k] == ids[0]);
  }
  CHECK(server.Call("GET", "/v1/backtests", key).Json()["items"].size() == 1);
  json other = SmaSpec(dataset);
  other["cash"] = 20000;
  HttpResponse conflict =
      server.Call("POST", "/v1/backtests", key, other.dump(), {"Idempotency-Key: same-key"});
  CHECK(conflict.code == 422);
  CHECK(conflict.Json()["field"] == "Idempotency-Key");
}

TEST_CASE("200 concurrent clients are all answered", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, Goog(), "goog");
  HttpResponse submitted = server.Call("POST", "/v1/backtests", key, SmaSpec(dataset).dump());
  const std::string id = submitted.Json()["id"];
  server.WaitDone(key, id);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int k = 0; k < 200; ++k) {
    clients.emplace_back([&, k] {
      const std::string path =
          k % 2 == 0 ? "/v1/backtests/" + id : "/v1/backtests/" + id + "/result";
      if (server.Call("GET", path, key).code == 200) ++ok;
    });
  }
  for (std::thread& t : clients) t.join();
  CHECK(ok == 200);
}

TEST_CASE("cancel: a queued job is cancelled at once; a finished one cannot be", "[api]") {
  ApiServer server;
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, Goog(), "goog");
  // Fill the two workers' queue with many jobs, then cancel the last one while it waits.
  std::vector<std::string> ids;
  for (int k = 0; k < 30; ++k) {
    json spec = SmaSpec(dataset);
    spec["cash"] = 10000 + k;
    ids.push_back(server.Call("POST", "/v1/backtests", key, spec.dump()).Json()["id"]);
  }
  HttpResponse cancelled = server.Call("DELETE", "/v1/backtests/" + ids.back(), key);
  INFO(cancelled.body);
  if (cancelled.code == 204) {
    // It had already finished: DELETE removed it.
    CHECK(server.Call("GET", "/v1/backtests/" + ids.back(), key).code == 404);
  } else {
    CHECK(cancelled.code == 202);
    CHECK(server.WaitDone(key, ids.back())["status"] == "cancelled");
    CHECK(server.Call("GET", "/v1/backtests/" + ids.back() + "/result", key).code == 409);
  }
  for (size_t k = 0; k + 1 < ids.size(); ++k)
    CHECK(server.WaitDone(key, ids[k])["status"] == "succeeded");
}

}  // namespace
}  // namespace btr
