// JobService routing with health (docs/routing.md) on a fault-injecting wrapper around the real
// native engine: fallback only for failures that precede acceptance, recorded step by step;
// never for invalid input; an unknown outcome reconciled first (adopted, proven not held and
// fallen back, or still unknown); routing decided when the job runs; the
// router-enforced time limit; and an engine killed during a load of 200 jobs losing none, with
// traffic back once it heals.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "engines/data/bar_cache.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/native_engine.h"
#include "services/jobs/job_service.h"
#include "services/store/sqlite_store.h"
#include "tests/fakes/faulty_engine.h"
#include "tests/services/jobs/jobs_test_util.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::FaultyEngine;

// "flaky" (a FaultyEngine around a NativeEngine) and "native", a HealthMonitor over them, and
// a JobService. `realtime`: SystemClock and the monitor's probe threads; otherwise a ManualClock
// and probes only when the test runs them.
struct Fixture {
  explicit Fixture(JobServiceOptions options = {}, bool realtime = false,
                   HealthOptions health_options = Quiet()) {
    store = std::move(SqliteStore::Open(dir.Path("db/btrouter.db"))).value();
    auto f = std::make_unique<FaultyEngine>("flaky", std::make_unique<NativeEngine>());
    flaky = f.get();
    REQUIRE(engines.Register(std::move(f)).ok());
    REQUIRE(engines.Register(std::make_unique<NativeEngine>()).ok());
    DatasetRecord d = testing::PutGbmDataset(*store, dir);
    clock = realtime ? static_cast<const Clock*>(&system_clock) : &manual_clock;
    monitor = std::make_unique<HealthMonitor>(&engines, clock, health_options);
    if (realtime) {
      monitor->Start();
    } else {
      monitor->RunDueProbes();
    }
    options.on_fallback = [this](const std::string& from, const std::string& to,
                                 const std::string&) {
      std::lock_guard<std::mutex> lock(mu);
      fallback_steps.push_back(from + "->" + to);
    };
    service = std::make_unique<JobService>(store.get(), &engines, clock, options, monitor.get());
  }
  ~Fixture() {
    service->Stop();
    monitor->Stop();
  }
  // Probes and ejections that never interfere unless a test asks.
  static HealthOptions Quiet() {
    HealthOptions o;
    o.interval_s = 3600;
    o.no_traffic_interval_s = 3600;
    o.consecutive_failures = 1000;
    return o;
  }

  BacktestSpec Spec(const std::string& engine, std::vector<std::string> fallback = {}) const {
    BacktestSpec spec;
    spec.engine = engine;
    spec.fallback = std::move(fallback);
    spec.strategy.name = "sma_cross";
    spec.dataset = "ds_1";
    return spec;
  }
  std::string Submit(const BacktestSpec& spec) {
    Result<SubmitOutcome> submitted = service->Submit("alice", spec, "");
    INFO(submitted.status().ToString());
    REQUIRE(submitted.ok());
    return submitted->job.id;
  }
  JobRecord WaitTerminal(const std::string& id) {
    return testing::WaitTerminal(*service, *clock, id);
  }
  JobRecord Run(const BacktestSpec& spec) { return WaitTerminal(Submit(spec)); }

  testing::TempDir dir;
  SystemClock system_clock;
  ManualClock manual_clock{1'700'000'000 * kNsPerSecond};
  const Clock* clock = nullptr;
  std::unique_ptr<SqliteStore> store;
  EngineRegistry engines;
  FaultyEngine* flaky = nullptr;
  std::unique_ptr<HealthMonitor> monitor;
  std::unique_ptr<JobService> service;
  std::mutex mu;
  std::vector<std::string> fallback_steps;  // guarded by mu
};

json Fallbacks(const JobRecord& job) { return json::parse(job.fallbacks_json); }

TEST_CASE("routing: failures before acceptance fall back, and each step is recorded") {
  Fixture f;
  REQUIRE(f.service->Start().ok());
  for (StatusCode code : {StatusCode::kUnavailable, StatusCode::kResourceExhausted}) {
    INFO(StatusCodeName(code));
    f.flaky->Fail(code, "flaky refused it");
    const JobRecord done = f.Run(f.Spec("flaky", {"native"}));
    CHECK(done.status == JobStatus::kSucceeded);
    CHECK(done.engine_requested == "flaky");
    CHECK(done.engine_used == "native");
    const json steps = Fallbacks(done);
    REQUIRE(steps.size() == 1);
    CHECK(steps[0]["from"] == "flaky");
    CHECK(steps[0]["to"] == "native");
    CHECK(steps[0]["reason"] == std::string(StatusCodeName(code)) + ": flaky refused it");
  }
  CHECK(f.fallback_steps == std::vector<std::string>{"flaky->native", "flaky->native"});
  // Without a chain the failure is the job's, unchanged.
  f.flaky->Fail(StatusCode::kUnavailable, "flaky refused it");
  const JobRecord alone = f.Run(f.Spec("flaky"));
  CHECK(alone.status == JobStatus::kFailed);
  CHECK(alone.error_code == "unavailable");
  CHECK(alone.error_message == "flaky refused it");
  CHECK(Fallbacks(alone).empty());
  // A healthy engine runs it itself.
  f.flaky->Heal();
  const JobRecord direct = f.Run(f.Spec("flaky", {"native"}));
  CHECK(direct.status == JobStatus::kSucceeded);
  CHECK(direct.engine_used == "flaky");
  CHECK(Fallbacks(direct).empty());
}

TEST_CASE("routing: never falls back on invalid input or once the engine may have accepted") {
  Fixture f;
  REQUIRE(f.service->Start().ok());
  struct Case {
    StatusCode code;
    const char* error_code;
  };
  for (const Case& c : {Case{StatusCode::kInvalidArgument, "invalid_argument"},
                        Case{StatusCode::kUnknownOutcome, "unknown_outcome"},
                        Case{StatusCode::kDeadlineExceeded, "deadline_exceeded"},
                        Case{StatusCode::kInternal, "internal"}}) {
    INFO(c.error_code);
    f.flaky->SetReconcileSupported(false);  // an unknown outcome stays unknown
    f.flaky->Fail(c.code, "injected");
    const JobRecord done = f.Run(f.Spec("flaky", {"native"}));
    CHECK(done.status == JobStatus::kFailed);
    CHECK(done.error_code == c.error_code);
    CHECK(done.engine_used == "flaky");
    CHECK(Fallbacks(done).empty());
  }
  CHECK(f.fallback_steps.empty());
  // A reply lost after the engine ran the job: the outcome is unknown, and it says so.
  f.flaky->Heal();
  f.flaky->Drop();
  const int before = f.flaky->runs_started();
  const JobRecord lost = f.Run(f.Spec("flaky", {"native"}));
  CHECK(f.flaky->runs_started() == before + 1);
  CHECK(lost.status == JobStatus::kFailed);
  CHECK(lost.error_code == "unknown_outcome");
  CHECK(lost.error_message.rfind("the outcome on engine 'flaky' is unknown (flaky: the reply was "
                                 "lost (injected: drop)): the engine may have accepted and run "
                                 "it, so it was not re-run on another engine",
                                 0) == 0);
  CHECK(Fallbacks(lost).empty());
}

TEST_CASE("routing: an unknown outcome is reconciled before anything falls back") {
  JobServiceOptions options;
  options.reconcile_timeout = std::chrono::milliseconds(400);
  options.reconcile_backoff = std::chrono::milliseconds(20);
  // Real time: the engine is healed while the reconciler waits between asks.
  Fixture f(options, /*realtime=*/true);
  REQUIRE(f.service->Start().ok());

  // The engine ran it and the reply was lost: the run it holds becomes the job's result.
  f.flaky->Drop();
  int started = f.flaky->runs_started();
  const JobRecord adopted = f.Run(f.Spec("flaky", {"native"}));
  CHECK(adopted.status == JobStatus::kSucceeded);
  CHECK(adopted.engine_used == "flaky");
  CHECK(Fallbacks(adopted).empty());
  CHECK(f.flaky->runs_started() == started + 1);  // run once, never re-run
  CHECK(f.flaky->reconciles() == 1);
  Result<JobResult> result = f.store->GetResult("alice", adopted.id);
  REQUIRE(result.ok());
  CHECK(json::parse(result->result_json)["metrics"]["num_trades"].get<double>() > 0);

  // The submit's reply was lost before the engine accepted it: proven not held, so it falls
  // back, and the reason says how that was established.
  f.flaky->Heal();
  f.flaky->DropUnaccepted();
  const JobRecord moved = f.Run(f.Spec("flaky", {"native"}));
  CHECK(moved.status == JobStatus::kSucceeded);
  CHECK(moved.engine_used == "native");
  const json steps = Fallbacks(moved);
  REQUIRE(steps.size() == 1);
  const std::string reason = steps[0]["reason"];
  CHECK(reason.rfind("unavailable: the reply was lost (flaky: no reply to the submit", 0) == 0);
  CHECK(reason.find("reconciling proved the run is not held: flaky holds no run with key " +
                    moved.id + ".1.flaky") != std::string::npos);
  CHECK(f.flaky->reconciles() == 2);

  // Killed mid-run and still down: asked with backoff until the budget ends, then unknown.
  f.flaky->Heal();
  f.flaky->SetDelay(std::chrono::milliseconds(2000));
  started = f.flaky->runs_started();
  const std::string id = f.Submit(f.Spec("flaky", {"native"}));
  while (f.flaky->runs_started() == started)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  f.flaky->Kill();
  const JobRecord unknown = f.WaitTerminal(id);
  CHECK(unknown.status == JobStatus::kFailed);
  CHECK(unknown.error_code == "unknown_outcome");
  CHECK(unknown.engine_used == "flaky");
  CHECK(Fallbacks(unknown).empty());
  CHECK(unknown.error_message.find("(engines.reconcile_timeout_s), still unknown: flaky: "
                                   "connection refused") != std::string::npos);
  const int asks = f.flaky->reconciles() - 2;
  CHECK(asks >= 3);  // 0, 20, 40, 80, 160 ms ... within 400 ms
  CHECK(asks <= 6);

  // Killed mid-run, back before the budget ends: the restarted engine holds nothing, so the
  // job falls back instead of failing.
  f.flaky->Heal();
  started = f.flaky->runs_started();
  const std::string id2 = f.Submit(f.Spec("flaky", {"native"}));
  while (f.flaky->runs_started() == started)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  f.flaky->Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  f.flaky->Heal();
  const JobRecord recovered = f.WaitTerminal(id2);
  CHECK(recovered.status == JobStatus::kSucceeded);
  CHECK(recovered.engine_used == "native");
  REQUIRE(Fallbacks(recovered).size() == 1);
  CHECK(Fallbacks(recovered)[0]["reason"].get<std::string>().find("lost contact during the run") !=
        std::string::npos);
}

TEST_CASE("routing: after a restart, the interrupted run is reconciled before anything re-runs") {
  JobServiceOptions options;
  options.reconcile_timeout = std::chrono::milliseconds(400);
  options.reconcile_backoff = std::chrono::milliseconds(20);
  Fixture f(options, /*realtime=*/true);
  REQUIRE(f.service->Start().ok());
  Result<DatasetRecord> dataset = f.store->GetDataset("alice", "ds_1");
  REQUIRE(dataset.ok());
  Result<LoadedBars> bars = LoadBars(dataset->path);
  REQUIRE(bars.ok());
  // Submits a job to flaky, lets it start, and stops the server under it: the job stays
  // "running" in the store at attempt 1. Returns its id.
  auto interrupted = [&] {
    f.flaky->Heal();
    f.flaky->Hang();
    const int started = f.flaky->runs_started();
    const std::string id = f.Submit(f.Spec("flaky", {"native"}));
    while (f.flaky->runs_started() == started) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    f.service->Stop();
    Result<JobRecord> job = f.store->GetJob("alice", id);
    REQUIRE(job.ok());
    REQUIRE(job->status == JobStatus::kRunning);
    CHECK(f.flaky->last_run_key() == id + ".1.flaky");
    return id;
  };
  auto restart = [&] {
    f.service =
        std::make_unique<JobService>(f.store.get(), &f.engines, f.clock, options, f.monitor.get());
    REQUIRE(f.service->Start().ok());
  };
  auto log_text = [&](const std::string& id) {
    std::string text;
    Result<std::vector<JobLogEntry>> lines = f.store->ListJobLog("alice", id, 0, 100);
    REQUIRE(lines.ok());
    for (const JobLogEntry& line : *lines) {
      text += line.source + ": " + line.message + "\n";
    }
    return text;
  };

  // The engine finished the run meanwhile: its result is adopted, nothing runs again.
  const std::string adopted_id = interrupted();
  f.flaky->Hold(adopted_id + ".1.flaky", NativeEngine().Run(f.Spec("flaky"), bars->bars, {}));
  f.flaky->Heal();
  int started = f.flaky->runs_started();
  restart();
  const JobRecord adopted = f.WaitTerminal(adopted_id);
  INFO(log_text(adopted_id));
  CHECK(adopted.status == JobStatus::kSucceeded);
  CHECK(adopted.engine_used == "flaky");
  CHECK(adopted.attempt == 2);
  CHECK(Fallbacks(adopted).empty());
  CHECK(f.flaky->runs_started() == started);
  CHECK(f.store->GetResult("alice", adopted_id).ok());
  CHECK(log_text(adopted_id)
            .find("btrouter: the outcome on flaky is unknown (the server stopped "
                  "while the run was on flaky); asking flaky what became of run " +
                  adopted_id + ".1.flaky") != std::string::npos);
  CHECK(log_text(adopted_id).find("adopted flaky's run") != std::string::npos);

  // Nothing held (the engine dropped it with the stop): the job simply runs again.
  const std::string again_id = interrupted();
  f.flaky->Heal();
  started = f.flaky->runs_started();
  restart();
  const JobRecord again = f.WaitTerminal(again_id);
  CHECK(again.status == JobStatus::kSucceeded);
  CHECK(again.engine_used == "flaky");
  CHECK(f.flaky->runs_started() == started + 1);
  CHECK(log_text(again_id).find("not held by flaky; the job runs again") != std::string::npos);

  // The engine is down at the restart and cannot tell: the job fails as unknown, not re-run.
  const std::string unknown_id = interrupted();
  f.flaky->Heal();
  f.flaky->Kill();
  started = f.flaky->runs_started();
  restart();
  const JobRecord unknown = f.WaitTerminal(unknown_id);
  CHECK(unknown.status == JobStatus::kFailed);
  CHECK(unknown.error_code == "unknown_outcome");
  CHECK(unknown.engine_used == "flaky");
  CHECK(Fallbacks(unknown).empty());
  CHECK(f.flaky->runs_started() == started);

  // Reconciling off (engines.reconcile_timeout_s = 0): not asked, the job runs again.
  options.reconcile_timeout = std::chrono::milliseconds(0);
  const std::string off_id = interrupted();
  f.flaky->Heal();
  started = f.flaky->runs_started();
  const int asks_before = f.flaky->reconciles();
  restart();
  CHECK(f.WaitTerminal(off_id).status == JobStatus::kSucceeded);
  CHECK(f.flaky->runs_started() == started + 1);
  CHECK(f.flaky->reconciles() == asks_before);
  options.reconcile_timeout = std::chrono::milliseconds(400);

  // An engine that cannot be asked: as before reconciling existed, the job runs again.
  f.flaky->Heal();
  f.flaky->SetReconcileSupported(false);
  const std::string plain_id = interrupted();
  f.flaky->Heal();
  restart();
  CHECK(f.WaitTerminal(plain_id).status == JobStatus::kSucceeded);
  f.flaky->SetReconcileSupported(true);
}

TEST_CASE("routing: engines that admit no run are skipped at run time, or refused at submit") {
  JobServiceOptions options;
  options.workers = 1;
  Fixture f(options);
  REQUIRE(f.service->Start().ok());
  // One worker, busy on a slow flaky run; the next job waits in the queue while flaky drains.
  f.flaky->SetDelay(std::chrono::milliseconds(300));
  const std::string busy = f.Submit(f.Spec("flaky"));
  const std::string waiting = f.Submit(f.Spec("flaky", {"native"}));
  for (int k = 0; k < 200 && f.flaky->runs_started() == 0; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(f.service->queue_depth("flaky") == 1);
  REQUIRE(f.monitor->Drain("flaky").ok());
  CHECK(f.WaitTerminal(busy).engine_used == "flaky");  // running jobs finish
  const JobRecord moved = f.WaitTerminal(waiting);
  CHECK(moved.status == JobStatus::kSucceeded);
  CHECK(moved.engine_used == "native");
  const json steps = Fallbacks(moved);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0]["reason"] ==
        "engine 'flaky' is draining (draining by an admin: 0 running, no new runs)");
  CHECK(f.service->queue_depth("flaky") == 0);

  // Submit fails fast, naming the engine and its state, when no candidate admits a run.
  Result<SubmitOutcome> refused = f.service->Submit("alice", f.Spec("flaky"), "");
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK(refused.status().message() ==
        "engine: no engine can take this backtest now: flaky is draining (draining by an admin: "
        "0 running, no new runs)");
  REQUIRE(f.monitor->Resume("flaky").ok());
  REQUIRE(f.monitor->Disable("flaky").ok());
  refused = f.service->Submit("alice", f.Spec("flaky"), "");
  CHECK(refused.status().message() ==
        "engine: no engine can take this backtest now: flaky is disabled (disabled by an admin)");
  // auto takes what is available; with nothing available it fails fast too.
  CHECK(f.Run(f.Spec("auto")).engine_used == "native");
  REQUIRE(f.monitor->Disable("native").ok());
  refused = f.service->Submit("alice", f.Spec("auto"), "");
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK(refused.status().message().rfind("engine: no engine can take this backtest now (", 0) == 0);
}

TEST_CASE("routing: the router stops runs past engines.<name>.timeout_s; no fallback after it") {
  JobServiceOptions options;
  options.engine_timeout["flaky"] = std::chrono::milliseconds(200);
  Fixture f(options);
  REQUIRE(f.service->Start().ok());
  f.flaky->Hang();
  const std::string hung = f.Submit(f.Spec("flaky", {"native"}));
  for (int k = 0; k < 200 && f.flaky->runs_started() < 1; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  f.manual_clock.Advance(kNsPerSecond);  // the limit is measured on the injected clock
  const JobRecord done = f.WaitTerminal(hung);
  CHECK(done.status == JobStatus::kFailed);
  CHECK(done.error_code == "deadline_exceeded");
  CHECK(done.error_message ==
        "engine 'flaky' did not finish within engines.flaky.timeout_s = 0.2 s; the run was "
        "stopped");
  CHECK(Fallbacks(done).empty());
  CHECK(f.monitor->Get("flaky")->run_failures_in_row == 1);  // counted by outlier detection
  // A user's cancel of a hanging run is still a cancel.
  const std::string id = f.Submit(f.Spec("flaky"));
  for (int k = 0; k < 200 && f.flaky->runs_started() < 2; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(f.service->Cancel("alice", id).ok());
  CHECK(f.WaitTerminal(id).status == JobStatus::kCancelled);
}

TEST_CASE("routing: an engine killed during 200 jobs loses none; traffic returns after heal") {
  JobServiceOptions options;
  options.workers = 4;
  options.max_active_per_tenant = 1000;
  options.engine_concurrency = {{"flaky", 2}, {"native", 2}};
  options.reconcile_timeout = std::chrono::milliseconds(300);  // flaky stays down longer
  HealthOptions h;
  h.interval_s = 0.05;
  h.timeout_s = 0.05;
  h.no_traffic_interval_s = 0.2;
  h.unhealthy_threshold = 2;
  h.healthy_threshold = 2;
  h.jitter_pct = 10;
  h.consecutive_failures = 3;
  h.base_ejection_s = 0.2;
  h.max_ejection_s = 1;
  Fixture f(options, /*realtime=*/true, h);
  REQUIRE(f.service->Start().ok());
  f.flaky->SetDelay(std::chrono::milliseconds(5));
  std::vector<std::string> ids;
  for (int k = 0; k < 200; ++k) ids.push_back(f.Submit(f.Spec("flaky", {"native"})));
  for (int k = 0; k < 2000 && f.flaky->runs_completed() < 40; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  f.flaky->Kill();  // mid-load: runs in flight lose contact, new ones are refused

  int succeeded_flaky = 0, succeeded_native = 0, unknown = 0, other = 0, with_fallback = 0;
  for (const std::string& id : ids) {
    const JobRecord job = f.WaitTerminal(id);  // none stuck
    if (job.status == JobStatus::kSucceeded && job.engine_used == "flaky") ++succeeded_flaky;
    if (job.status == JobStatus::kSucceeded && job.engine_used == "native") {
      ++succeeded_native;
      const json steps = Fallbacks(job);
      REQUIRE(steps.size() == 1);
      CHECK(steps[0]["from"] == "flaky");
      CHECK(steps[0]["to"] == "native");
      ++with_fallback;
    }
    if (job.status == JobStatus::kFailed) {
      // Only the runs in flight at the kill: their outcome is unknown, and they say so.
      CHECK(job.error_code == "unknown_outcome");
      CHECK(job.error_message.find("was not re-run on another engine") != std::string::npos);
      ++unknown;
    }
    if (job.status == JobStatus::kCancelled) ++other;
  }
  INFO("flaky " << succeeded_flaky << ", native via fallback " << succeeded_native
                << ", unknown outcome " << unknown);
  CHECK(succeeded_flaky + succeeded_native + unknown == 200);
  CHECK(other == 0);
  CHECK(succeeded_flaky >= 40);
  CHECK(succeeded_native > 0);
  CHECK(with_fallback == succeeded_native);
  CHECK(unknown <= 2);  // at most flaky's concurrency
  const EngineHealthStatus down = *f.monitor->Get("flaky");
  CHECK(down.state == EngineState::kEjected);
  CHECK(f.monitor->Get("native")->state == EngineState::kHealthy);

  // Heal: probes bring it back, the ejection runs out, a trial closes the circuit, and new jobs
  // run on flaky again.
  f.flaky->Heal();
  bool back = false;
  for (int k = 0; k < 300 && !back; ++k) {
    const JobRecord job = f.Run(f.Spec("flaky", {"native"}));
    CHECK(job.status == JobStatus::kSucceeded);
    back = job.engine_used == "flaky" && Fallbacks(job).empty();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(back);
  CHECK(f.monitor->Get("flaky")->circuit == CircuitState::kClosed);
}

}  // namespace
}  // namespace btr
