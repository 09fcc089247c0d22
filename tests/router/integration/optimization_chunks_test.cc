// A native sweep spread over chunk jobs (jobs.sweep_chunk_trials): the same report as the sweep
// run as one job, with one worker thread or two, chunk jobs kept out of the job lists, and a
// cancel that reaches the chunks. Over HTTP on the embedded server (the same code spreads the
// chunks over `btrouter worker` processes in the distributed mode).
#include <catch2/catch.hpp>

#include <thread>

#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::ApiServer;
using testing::HttpResponse;
using nlohmann::json;

json Request(const std::string& dataset) {
  return {{"dataset", dataset},
          {"strategy", "sma_cross"},
          {"space", {{"fast", {{"min", 4}, {"max", 24}, {"step", 4}}}, {"slow", {30, 40, 60, 90}}}},
          {"blocks", 8},
          {"walk_forward", {{"folds", 2}}},
          {"settings", {{"commission", 0.001}}}};
}

// The report of `request` on a server with `config`, less its timings.
json Report(const std::vector<ConfigOverride>& config, json* jobs_listed = nullptr) {
  ApiServer server(config);
  const std::string key = server.NewKey("alice");
  json request = Request(server.Upload(key, testing::SharedData("GOOG.csv"), "goog"));
  HttpResponse created = server.Call("POST", "/v1/optimizations", key, request.dump());
  INFO(created.body);
  REQUIRE(created.code == 202);
  const std::string id = created.Json()["id"];
  REQUIRE(server.WaitDone(key, id)["status"] == "succeeded");
  json report = server.Call("GET", "/v1/optimizations/" + id + "/report", key).Json();
  report.erase("seconds");
  report.erase("trials_per_second");
  if (jobs_listed != nullptr) {
    *jobs_listed = {{"backtests", server.Call("GET", "/v1/backtests", key).Json()["items"]},
                    {"optimizations", server.Call("GET", "/v1/optimizations", key).Json()["items"]},
                    {"logs", server.Call("GET", "/v1/backtests/" + id + "/logs", key).Json()}};
  }
  return report;
}

TEST_CASE("A sweep spread over chunk jobs reports what one job reports", "[api][optimize]") {
  const json whole = Report({});
  json listed;
  // 6 x 4 points, all admissible: chunks of 5 make 5 chunk jobs.
  const json chunked = Report({{"jobs.sweep_chunk_trials", "5", "test"}}, &listed);
  CHECK(chunked == whole);
  CHECK(chunked["counts"]["trials"] == 24);
  // Only the optimization is listed; its log says how it was spread.
  REQUIRE(listed["backtests"].size() == 1);
  REQUIRE(listed["optimizations"].size() == 1);
  CHECK(listed["logs"].dump().find("in 5 chunk jobs") != std::string::npos);
  // One worker thread: the parent runs its chunks itself.
  CHECK(Report({{"jobs.sweep_chunk_trials", "4", "test"}, {"jobs.workers", "1", "test"}}) == whole);
}

TEST_CASE("Cancelling a chunked sweep cancels its chunks", "[api][optimize]") {
  ApiServer server({{"jobs.sweep_chunk_trials", "50", "test"}, {"jobs.workers", "1", "test"}});
  const std::string key = server.NewKey("alice");
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  json request = Request(dataset);
  request["space"] = {{"fast", {{"min", 2}, {"max", 60}, {"step", 1}}},
                      {"slow", {{"min", 70}, {"max", 250}, {"step", 2}}}};
  HttpResponse created = server.Call("POST", "/v1/optimizations", key, request.dump());
  REQUIRE(created.code == 202);
  const std::string id = created.Json()["id"];
  for (int k = 0; k < 500; ++k) {  // until the first chunk runs
    const HttpResponse chunk = server.Call("GET", "/v1/backtests/" + id + "_c0", key);
    if (chunk.code == 200 && chunk.Json()["status"] != "queued") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(server.Call("POST", "/v1/optimizations/" + id + "/cancel", key).code == 202);
  CHECK(server.WaitDone(key, id)["status"] == "cancelled");
  // Every chunk ended; none is left queued or running.
  for (int i = 0; i < 10; ++i) {
    const json chunk = server.WaitDone(key, id + "_c" + std::to_string(i));
    INFO("chunk " << i << ": " << chunk.dump());
    CHECK((chunk["status"] == "cancelled" || chunk["status"] == "succeeded"));
  }
}

}  // namespace
}  // namespace btr
