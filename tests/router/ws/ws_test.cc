// The live-progress WebSocket (/v1/backtests/{id}/events) over real sockets on loopback:
//  - through a whole ServerApp started in process (REST API to upload and submit, WebSocket to
//    watch), as a user drives it;
//  - on a ProgressWsServer over a JobService whose "native" engine waits for the test to open a
//    gate, so subscribers are certainly connected while the job runs (fan-out, Stop() with open
//    connections, slow readers).
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "engines/core/clock.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/native_engine.h"
#include "router/app/server_app.h"
#include "routing/engine_registry.h"
#include "router/ws/progress_ws_server.h"
#include "services/auth/api_keys.h"
#include "services/jobs/job_service.h"
#include "services/store/sqlite_store.h"
#include "tests/router/integration/http_client.h"
#include "tests/router/ws/ws_client.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::ClientLoop;
using testing::HttpResponse;
using testing::ReadFile;
using testing::UpgradeAnswer;
using testing::UpgradeRequest;
using testing::WaitFor;
using testing::WsOutcome;
using testing::WsSubscriber;
using testing::WsSubscriberOptions;

// 200,000 synthetic minute bars as CSV (about 12 MB), built once.
const std::string& GbmCsv() {
  static const std::string csv = [] {
    std::string out;
    AppendBarsCsv(GenerateGbmBars(200'000), 4, &out);
    return out;
  }();
  return csv;
}

json SmaSpec(const std::string& dataset) {
  return {{"engine", "native"},
          {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 20}}}}},
          {"dataset", dataset},
          {"cash", 10000},
          {"commission", 0.002}};
}

// A ServerApp on a free port with a temporary data directory; the WebSocket is served on the
// API's port unless `ws_listen` names a second address.
class App {
 public:
  explicit App(const std::vector<ConfigOverride>& extra = {}, const std::string& ws_listen = "") {
    std::vector<ConfigOverride> overrides = {{"server.listen", "127.0.0.1:0", "test"},
                                             {"server.data_dir", dir_.path(), "test"},
                                             {"log.level", "warn", "test"}};
    if (ws_listen != "default") overrides.push_back({"server.ws_listen", ws_listen, "test"});
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    Result<Config> config = LoadConfig("", {}, overrides);
    INFO(config.status().message());
    REQUIRE(config.ok());
    Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(*config);
    INFO(app.status().message());
    REQUIRE(app.ok());
    app_ = std::move(app).value();
    admin_ = app_->new_admin_key();
    base_ = "http://127.0.0.1:" + std::to_string(app_->port());
  }

  uint16_t ws_port() const { return app_->ws_port(); }
  uint16_t port() const { return app_->port(); }

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& key,
                    const std::string& body = "", std::vector<std::string> headers = {}) {
    if (!key.empty()) headers.push_back("Authorization: Bearer " + key);
    return testing::Request(method, base_ + path, body, headers);
  }

  std::string NewKey(const std::string& tenant) {
    HttpResponse r = Call("POST", "/v1/keys", admin_, json{{"tenant", tenant}}.dump());
    REQUIRE(r.code == 201);
    return r.Json()["key"].get<std::string>();
  }

  std::string Upload(const std::string& key, const std::string& csv, const std::string& name) {
    HttpResponse r =
        Call("POST", "/v1/datasets?name=" + name, key, csv, {"Content-Type: text/csv"});
    INFO(r.body);
    REQUIRE(r.code == 201);
    return r.Json()["id"].get<std::string>();
  }

  std::string Submit(const std::string& key, const std::string& dataset) {
    HttpResponse r = Call("POST", "/v1/backtests", key, SmaSpec(dataset).dump());
    INFO(r.body);
    REQUIRE(r.code == 202);
    return r.Json()["id"].get<std::string>();
  }

 private:
  testing::TempDir dir_;
  std::unique_ptr<ServerApp> app_;
  std::string admin_, base_;
};

int Stage(const std::string& status) {
  if (status == "queued") return 0;
  if (status == "running") return 1;
  return 2;
}

// A subscriber's whole stream: every message is the job, stages and progress never go back,
// only the last message is terminal and has `final_status`, and the server closed normally.
void CheckStream(const WsOutcome& s, const std::string& id,
                 const std::string& final_status = "succeeded") {
  INFO("error: " << s.error);
  REQUIRE(s.error.empty());
  REQUIRE(s.closed_by_server);
  CHECK(s.close_code == 1000);
  const std::vector<json>& messages = s.messages;
  REQUIRE(!messages.empty());
  int stage = 0;
  double progress = 0;
  for (size_t k = 0; k < messages.size(); ++k) {
    const json& m = messages[k];
    INFO("message " << k << ": " << m.dump());
    REQUIRE(m.is_object());
    REQUIRE(m["type"] == "job");
    REQUIRE(m["job"]["id"] == id);
    const int next_stage = Stage(m["job"]["status"].get<std::string>());
    const double next_progress = m["job"]["progress"].get<double>();
    CHECK(next_stage >= stage);
    CHECK(next_progress >= progress);
    CHECK((next_stage == 2) == (k + 1 == messages.size()));
    stage = next_stage;
    progress = next_progress;
  }
  CHECK(messages.back()["job"]["status"] == final_status);
}

// One subscriber until the server closes (or 20 s).
WsOutcome RunOne(uint16_t port, WsSubscriberOptions options) {
  ClientLoop loop;
  std::shared_ptr<WsSubscriber> s = loop.Subscribe(port, std::move(options));
  REQUIRE(WaitFor([&] { return s->done(); }, milliseconds(20'000)));
  loop.Stop();
  return s->outcome();
}

TEST_CASE("a subscriber gets the job at once, its changes in order, the end, then a close",
          "[ws]") {
  App app;
  REQUIRE(app.ws_port() != 0);
  const std::string key = app.NewKey("alice");
  const std::string dataset = app.Upload(key, ReadFile(testing::SharedData("GOOG.csv")), "goog");
  const std::string id = app.Submit(key, dataset);
  const WsOutcome s = RunOne(app.ws_port(), {"/v1/backtests/" + id + "/events", key});
  CheckStream(s, id);
  CHECK(s.messages.back()["job"]["progress"] == 1.0);
  CHECK(s.messages.back()["job"]["engine_used"] == "native");

  // A finished job: the final state at once, then the close.
  const WsOutcome again = RunOne(app.ws_port(), {"/v1/backtests/" + id + "/events", key});
  CheckStream(again, id);
  CHECK(again.messages.size() == 1);
}

TEST_CASE("the subprotocol authenticates browsers; progress streams while the job runs", "[ws]") {
  // One worker and two jobs ahead: the watched job is still queued when the subscriber comes.
  App app({{"jobs.workers", "1", "test"},
           {"engines.native.concurrency", "1", "test"},
           {"jobs.progress_interval_ms", "10", "test"}});
  const std::string key = app.NewKey("alice");
  const std::string dataset = app.Upload(key, GbmCsv(), "gbm");
  app.Submit(key, dataset);
  app.Submit(key, dataset);
  const std::string id = app.Submit(key, dataset);
  WsSubscriberOptions options{"/v1/backtests/" + id + "/events", ""};
  options.protocol_key = key;
  const WsOutcome s = RunOne(app.ws_port(), options);
  CHECK(s.handshake_status == 101);
  CheckStream(s, id);
  CHECK(s.messages.size() >= 2);
  CHECK(s.messages.front()["job"]["status"] == "queued");
}

TEST_CASE("refusals are HTTP problems without an upgrade", "[ws]") {
  App app;
  const std::string alice = app.NewKey("alice");
  const std::string bob = app.NewKey("bob");
  const std::string dataset = app.Upload(alice, ReadFile(testing::SharedData("GOOG.csv")), "goog");
  const std::string id = app.Submit(alice, dataset);
  const std::string events = "/v1/backtests/" + id + "/events";
  const uint16_t port = app.ws_port();

  auto expect_problem = [](const UpgradeAnswer& a, int status) {
    INFO(a.error << " " << a.body);
    REQUIRE(a.error.empty());
    CHECK(a.status == status);
    CHECK(a.headers.count("upgrade") == (status == 426 ? 1u : 0u));
    CHECK(a.headers.at("content-type") == "application/problem+json");
    const json body = json::parse(a.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["status"] == status);
    CHECK(!body["detail"].get<std::string>().empty());
    return body;
  };

  SECTION("no key: 401") {
    const UpgradeAnswer a = UpgradeRequest(port, events, {});
    const json body = expect_problem(a, 401);
    CHECK(body["field"] == "authorization");
    CHECK(a.headers.at("www-authenticate") == "Bearer");
    // A WebSocket client sees the handshake declined with the status.
    const WsOutcome s = RunOne(port, {events, ""});
    CHECK(!s.error.empty());
    CHECK(s.handshake_status == 401);
    CHECK(s.messages.empty());
  }
  SECTION("wrong keys: 401") {
    expect_problem(UpgradeRequest(port, events, {{"Authorization", "Bearer btr_nope_nope"}}), 401);
    expect_problem(
        UpgradeRequest(port, events, {{"Sec-WebSocket-Protocol", "btrouter.v1, bearer.btr_no"}}),
        401);
    expect_problem(UpgradeRequest(port, events, {{"Authorization", "Basic abc"}}), 401);
  }
  SECTION("a key in the URL: 401 naming the subprotocol, even a valid key") {
    for (const std::string& token : {alice, std::string("btr_nope_nope")}) {
      const json body =
          expect_problem(UpgradeRequest(port, events + "?access_token=" + token, {}), 401);
      CHECK(body["field"] == "access_token");
      CHECK(body["detail"].get<std::string>().find("bearer.<key>") != std::string::npos);
    }
    // Also next to a valid header or subprotocol: the URL must not carry keys at all.
    const json body =
        expect_problem(UpgradeRequest(port, events + "?access_token=" + alice,
                                      {{"Sec-WebSocket-Protocol", "btrouter.v1, bearer." + alice}}),
                       401);
    CHECK(body["field"] == "access_token");
    WsSubscriberOptions options{events + "?access_token=" + alice, ""};
    options.protocol_key = alice;
    const WsOutcome s = RunOne(port, options);
    CHECK(s.handshake_status == 401);
    CHECK(s.messages.empty());
  }
  SECTION("another tenant's job and unknown jobs: 404") {
    expect_problem(UpgradeRequest(port, events, {{"Authorization", "Bearer " + bob}}), 404);
    expect_problem(
        UpgradeRequest(port, events, {{"Sec-WebSocket-Protocol", "btrouter.v1, bearer." + bob}}),
        404);
    expect_problem(UpgradeRequest(port, "/v1/backtests/bt_nope/events",
                                  {{"Authorization", "Bearer " + alice}}),
                   404);
  }
  SECTION("other paths: 404") {
    for (const std::string& path : std::vector<std::string>{
             "/", "/v1/backtests/" + id, "/v1/backtests/" + id + "/event",
             "/v1/backtests/" + id + "/events/x", "/v1/backtests//events", "/v2" + events}) {
      INFO(path);
      expect_problem(UpgradeRequest(port, path, {{"Authorization", "Bearer " + alice}}), 404);
    }
  }
  SECTION("a plain GET: 426") {
    expect_problem(UpgradeRequest(port, events, {{"Authorization", "Bearer " + alice}}, false),
                   426);
  }
  SECTION("the owner is served") { CheckStream(RunOne(port, {events, alice}), id); }
}

TEST_CASE("100 concurrent subscribers of one long job all get the final message", "[ws]") {
  App app({{"jobs.workers", "1", "test"},
           {"engines.native.concurrency", "1", "test"},
           {"jobs.progress_interval_ms", "10", "test"}});
  const std::string key = app.NewKey("alice");
  const std::string dataset = app.Upload(key, GbmCsv(), "gbm");
  app.Submit(key, dataset);  // keeps the worker busy while the subscribers connect
  const std::string id = app.Submit(key, dataset);
  const auto start = std::chrono::steady_clock::now();
  ClientLoop loop;
  std::vector<std::shared_ptr<WsSubscriber>> subscribers;
  for (int k = 0; k < 100; ++k) {
    subscribers.push_back(loop.Subscribe(app.ws_port(), {"/v1/backtests/" + id + "/events", key}));
  }
  REQUIRE(WaitFor(
      [&] {
        for (const auto& s : subscribers) {
          if (!s->done()) return false;
        }
        return true;
      },
      milliseconds(20'000)));
  loop.Stop();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t live = 0;
  for (const auto& s : subscribers) {
    CheckStream(s->outcome(), id);
    if (s->outcome().messages.size() > 1) ++live;
  }
  WARN("100 subscribers done in " << seconds << " s; " << live << " saw the job before it ended");
}

TEST_CASE("the WebSocket is served on the API's port, and on server.ws_listen when set", "[ws]") {
  SECTION("empty: the API's port only") {
    App app({}, "");
    CHECK(app.ws_port() == app.port());
  }
  SECTION("an address: a second port that serves the same stream") {
    App app({}, "127.0.0.1:0");
    REQUIRE(app.ws_port() != 0);
    CHECK(app.ws_port() != app.port());
    const std::string key = app.NewKey("alice");
    const std::string dataset =
        app.Upload(key, ReadFile(testing::SharedData("GOOG.csv")), "goog");
    const std::string id = app.Submit(key, dataset);
    CheckStream(RunOne(app.ws_port(), {"/v1/backtests/" + id + "/events", key}), id);
    CheckStream(RunOne(app.port(), {"/v1/backtests/" + id + "/events", key}), id);
  }
}

// ---------------------------------------------------------------------------------------------
// A ProgressWsServer over a JobService whose engine waits for the test.

// The "native" engine, except that each run waits until Open(), then reports `steps` progress
// steps `step` apart with `phase`, then runs the native engine. Honours cancel while it waits.
class GatedEngine final : public Engine {
 public:
  GatedEngine(int steps, milliseconds step, std::string phase)
      : steps_(steps), step_(step), phase_(std::move(phase)) {}

  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

  std::string_view name() const override { return "native"; }
  EngineCapabilities capabilities() const override { return native_.capabilities(); }
  Status Validate(const BacktestSpec& spec) const override { return native_.Validate(spec); }
  Health Probe(std::chrono::steady_clock::time_point deadline) override {
    return native_.Probe(deadline);
  }
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (!open_) {
        if (context.cancel != nullptr && context.cancel->load()) return Status::Cancelled("gate");
        cv_.wait_for(lock, milliseconds(2));
      }
    }
    for (int k = 1; k <= steps_; ++k) {
      if (context.cancel != nullptr && context.cancel->load()) return Status::Cancelled("steps");
      std::this_thread::sleep_for(step_);
      if (context.progress) context.progress(0.9 * k / steps_, phase_);
    }
    return native_.Run(spec, bars, RunContext{});
  }

 private:
  NativeEngine native_;
  const int steps_;
  const milliseconds step_;
  const std::string phase_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// The store, a one-worker JobService over the gated engine, a key and a running job of
// "alice", and a ProgressWsServer on a free port.
class GatedServer {
 public:
  GatedServer(ProgressWsOptions options, int steps, milliseconds step,
              std::string phase = "running")
      : ws_(options) {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.Path("btrouter.db"));
    REQUIRE(store.ok());
    store_ = std::move(store).value();
    auto engine = std::make_unique<GatedEngine>(steps, step, std::move(phase));
    engine_ = engine.get();
    REQUIRE(engines_.Register(std::move(engine)).ok());
    JobServiceOptions job_options;
    job_options.workers = 1;
    job_options.progress_interval = milliseconds(10);
    jobs_ = std::make_unique<JobService>(store_.get(), &engines_, &clock_, job_options);
    REQUIRE(jobs_->Start().ok());
    Result<IssuedKey> key = IssueApiKey(*store_, "alice", Role::kUser, clock_.Now());
    REQUIRE(key.ok());
    key_ = key->key;
    DatasetRecord dataset;
    dataset.id = "ds_goog";
    dataset.tenant = "alice";
    dataset.name = "goog";
    dataset.path = testing::SharedData("GOOG.csv");
    dataset.sha256 = "unchecked";
    dataset.created_at = clock_.Now();
    REQUIRE(store_->PutDataset(dataset).ok());
    BacktestSpec spec;
    spec.strategy.name = "sma_cross";
    spec.strategy.params = {{"fast", 10}, {"slow", 20}};
    spec.dataset = dataset.id;
    Result<SubmitOutcome> submitted = jobs_->Submit("alice", spec, "");
    REQUIRE(submitted.ok());
    job_id_ = submitted->job.id;
    REQUIRE(ws_.Start("127.0.0.1", 0, jobs_.get(), store_.get()).ok());
  }
  ~GatedServer() {
    engine_->Open();
    ws_.Stop();
    jobs_->Stop();
  }

  WsSubscriberOptions Events() const { return {"/v1/backtests/" + job_id_ + "/events", key_}; }
  uint16_t port() const { return ws_.port(); }
  ProgressWsServer& ws() { return ws_; }
  GatedEngine& engine() { return *engine_; }
  const std::string& job_id() const { return job_id_; }
  bool JobFinished() {
    Result<JobRecord> job = jobs_->Get("alice", job_id_);
    return job.ok() && IsTerminal(job->status);
  }

 private:
  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<SqliteStore> store_;
  EngineRegistry engines_;
  GatedEngine* engine_ = nullptr;
  std::unique_ptr<JobService> jobs_;
  ProgressWsServer ws_;
  std::string key_, job_id_;
};

bool AllHaveMessages(const std::vector<std::shared_ptr<WsSubscriber>>& subscribers, size_t n) {
  for (const auto& s : subscribers) {
    if (s->message_count() < n) return false;
  }
  return true;
}

bool AllDone(const std::vector<std::shared_ptr<WsSubscriber>>& subscribers) {
  for (const auto& s : subscribers) {
    if (!s->done()) return false;
  }
  return true;
}

TEST_CASE(
    "fan-out: 200 subscribers of a running job get its progress in order; clients that "
    "vanish disturb no one",
    "[ws]") {
  GatedServer server({}, 40, milliseconds(5));
  ClientLoop loop;
  std::vector<std::shared_ptr<WsSubscriber>> stayers, leavers;
  for (int k = 0; k < 200; ++k) {
    WsSubscriberOptions options = server.Events();
    if (k % 10 == 0) options.disconnect_after = 2;
    (k % 10 == 0 ? leavers : stayers).push_back(loop.Subscribe(server.port(), options));
  }
  // Everyone has the snapshot before the job moves.
  REQUIRE(WaitFor([&] { return AllHaveMessages(stayers, 1) && AllHaveMessages(leavers, 1); },
                  milliseconds(10'000)));
  server.engine().Open();
  REQUIRE(WaitFor([&] { return AllDone(stayers) && AllDone(leavers); }, milliseconds(15'000)));
  loop.Stop();
  for (const auto& s : stayers) {
    CheckStream(s->outcome(), server.job_id());
    CHECK(s->messages().size() >= 3);  // the snapshot, progress, the end
    CHECK(s->messages().front()["job"]["status"] != "succeeded");
  }
  for (const auto& s : leavers) {
    CHECK(s->error().empty());
    CHECK(s->dropped_by_client());
    CHECK(s->messages().size() == 2);
  }
  CHECK(WaitFor([&] { return server.ws().stats().open == 0; }, milliseconds(5'000)));
  CHECK(server.ws().stats().upgrades == 200);
}

TEST_CASE("Stop() closes open subscriptions with 1001 (going away) and returns promptly", "[ws]") {
  GatedServer server({}, 1, milliseconds(1));
  ClientLoop loop;
  std::vector<std::shared_ptr<WsSubscriber>> subscribers;
  for (int k = 0; k < 20; ++k)
    subscribers.push_back(loop.Subscribe(server.port(), server.Events()));
  REQUIRE(WaitFor([&] { return AllHaveMessages(subscribers, 1); }, milliseconds(10'000)));
  const auto start = std::chrono::steady_clock::now();
  server.ws().Stop();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 0.9);  // the clients answered the close; no wait for the grace period
  REQUIRE(WaitFor([&] { return AllDone(subscribers); }, milliseconds(5'000)));
  loop.Stop();
  for (const auto& s : subscribers) {
    INFO(s->error());
    CHECK(s->error().empty());
    CHECK(s->closed_by_server());
    CHECK(s->close_code() == 1001);
    REQUIRE(!s->messages().empty());  // queued and/or running; the gate never opened
    CHECK(Stage(s->messages().back()["job"]["status"].get<std::string>()) < 2);
  }
  server.ws().Stop();  // idempotent
}

TEST_CASE("a slow reader skips progress messages but gets the final one", "[ws]") {
  ProgressWsOptions options;
  options.max_queued_messages = 2;
  // 100 KB messages (a long phase name), ~40 of them: more than the socket buffers hold.
  GatedServer server(options, 80, milliseconds(5), std::string(100'000, 'p'));
  ClientLoop loop;
  WsSubscriberOptions slow = server.Events();
  slow.start_paused = true;
  slow.receive_buffer_bytes = 4096;
  std::shared_ptr<WsSubscriber> s = loop.Subscribe(server.port(), slow);
  REQUIRE(WaitFor([&] { return s->connected(); }, milliseconds(10'000)));
  server.engine().Open();
  REQUIRE(WaitFor([&] { return server.JobFinished(); }, milliseconds(10'000)));
  std::this_thread::sleep_for(milliseconds(200));  // the last change reaches the server
  s->Resume();
  REQUIRE(WaitFor([&] { return s->done(); }, milliseconds(10'000)));
  loop.Stop();
  CheckStream(s->outcome(), server.job_id());
  CHECK(server.ws().stats().messages_dropped > 0);
}

}  // namespace
}  // namespace btr
