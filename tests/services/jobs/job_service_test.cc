// JobService on the real SQLite store with a scriptable engine: lifecycle, cancel, limits,
// per-engine concurrency, idempotency, recovery after a crash and Stop().
#include "services/jobs/job_service.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <thread>

#include "engines/data/gbm_generator.h"
#include "engines/native/native_engine.h"
#include "services/store/sqlite_store.h"
#include "tests/services/jobs/jobs_test_util.h"
#include "tests/test_util.h"

namespace btr {
namespace {

// An engine that runs until released or cancelled, reporting progress; counts concurrency.
class GateEngine final : public Engine {
 public:
  std::string_view name() const override { return "gate"; }
  EngineCapabilities capabilities() const override { return {{"sma_cross"}, true, true, 0, {}}; }
  Status Validate(const BacktestSpec& spec) const override {
    if (spec.strategy.name != "sma_cross")
      return Status::InvalidArgument("strategy.name: gate runs sma_cross");
    return Status::Ok();
  }
  Health Probe(std::chrono::steady_clock::time_point) override { return {true, "", {}}; }
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& ctx) override {
    const int now_running = ++running_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      max_running_ = std::max(max_running_, now_running);
      ++started_;
    }
    cv_.notify_all();
    Status outcome;
    for (int step = 0;; ++step) {
      if (ctx.cancel != nullptr && ctx.cancel->load()) {
        outcome = Status::Cancelled("cancelled");
        break;
      }
      if (released_.load()) break;
      if (ctx.progress) ctx.progress(std::min(0.99, step / 1000.0), "running");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    --running_;
    if (!outcome.ok()) return outcome;
    if (spec.cash == 666) return Status::Unavailable("the gate broke");
    EngineRun run;
    run.equity.assign(bars.size(), spec.cash);
    return run;
  }
  void Release() { released_ = true; }
  bool WaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return started_ >= n; });
  }
  int max_running() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_running_;
  }

 private:
  std::atomic<int> running_{0};
  std::atomic<bool> released_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  int max_running_ = 0, started_ = 0;
};

struct Fixture {
  explicit Fixture(JobServiceOptions options = {}) {
    store = std::move(SqliteStore::Open(dir.Path("db/btrouter.db"))).value();
    auto gate_engine = std::make_unique<GateEngine>();
    gate = gate_engine.get();
    REQUIRE(engines.Register(std::move(gate_engine)).ok());
    REQUIRE(engines.Register(std::make_unique<NativeEngine>()).ok());
    DatasetRecord d = testing::PutGbmDataset(*store, dir);
    d.tenant = "bob";
    d.id = "ds_2";
    REQUIRE(store->PutDataset(d).ok());
    service = std::make_unique<JobService>(store.get(), &engines, &clock, options);
  }

  BacktestSpec Spec(const std::string& engine, double cash = 10000) const {
    BacktestSpec spec;
    spec.engine = engine;
    spec.strategy.name = "sma_cross";
    spec.dataset = "ds_1";
    spec.cash = cash;
    return spec;
  }

  JobRecord WaitTerminal(const std::string& id, const std::string& tenant = "alice") {
    for (int k = 0; k < 400; ++k) {
      Result<JobRecord> job =
          service->WaitForChange(tenant, id, clock.Now() + 1, std::chrono::milliseconds(50));
      REQUIRE(job.ok());
      if (IsTerminal(job->status)) return *job;
    }
    FAIL("job " << id << " did not end");
    return {};
  }

  testing::TempDir dir;
  SystemClock clock;
  std::unique_ptr<SqliteStore> store;
  EngineRegistry engines;
  GateEngine* gate = nullptr;
  std::unique_ptr<JobService> service;
};

TEST_CASE("a native job runs to success and stores canonical metrics") {
  Fixture f;
  REQUIRE(f.service->Start().ok());
  Result<SubmitOutcome> submitted = f.service->Submit("alice", f.Spec("native"), "");
  REQUIRE(submitted.ok());
  CHECK(submitted->created);
  const JobRecord done = f.WaitTerminal(submitted->job.id);
  CHECK(done.status == JobStatus::kSucceeded);
  CHECK(done.engine_used == "native");
  CHECK(done.progress == 1.0);
  Result<JobResult> result = f.store->GetResult("alice", done.id);
  REQUIRE(result.ok());
  const nlohmann::json doc = nlohmann::json::parse(result->result_json);
  CHECK(doc["metrics"].contains("sharpe_ratio"));
  CHECK(doc["engine"] == "native");
  CHECK(result->equity.size() == 3000 * sizeof(double));
}

TEST_CASE("submit rejects bad requests with the field named") {
  Fixture f;
  BacktestSpec spec = f.Spec("warp");
  CHECK(f.service->Submit("alice", spec, "")
            .status()
            .message()
            .rfind("engine: unknown engine 'warp'", 0) == 0);
  spec = f.Spec("native");
  spec.strategy.params["fast"] = 0;
  CHECK(f.service->Submit("alice", spec, "").status().message().rfind("strategy.params", 0) == 0);
  spec = f.Spec("native");
  spec.dataset = "ds_2";  // bob's
  CHECK(f.service->Submit("alice", spec, "").status().message().rfind("dataset: no dataset", 0) ==
        0);
  spec = f.Spec("auto");
  Result<SubmitOutcome> auto_routed = f.service->Submit("alice", spec, "");
  REQUIRE(auto_routed.ok());  // some engine lists sma_cross
}

TEST_CASE("a running job is cancelled promptly; a queued one at once") {
  JobServiceOptions options;
  options.workers = 1;
  Fixture f(options);
  REQUIRE(f.service->Start().ok());
  const std::string running = f.service->Submit("alice", f.Spec("gate"), "")->job.id;
  const std::string queued = f.service->Submit("alice", f.Spec("gate", 2), "")->job.id;
  REQUIRE(f.gate->WaitStarted(1));
  CHECK(f.service->Get("alice", running)->status == JobStatus::kRunning);
  Result<JobRecord> q = f.service->Cancel("alice", queued);
  REQUIRE(q.ok());
  CHECK(q->status == JobStatus::kCancelled);
  REQUIRE(f.service->Cancel("alice", running).ok());
  const JobRecord done = f.WaitTerminal(running);
  CHECK(done.status == JobStatus::kCancelled);
  CHECK(f.service->Cancel("alice", running).status().code() == StatusCode::kFailedPrecondition);
  CHECK(f.service->Cancel("bob", running).status().code() == StatusCode::kNotFound);
}

TEST_CASE("a full queue and the per-tenant limit answer ResourceExhausted") {
  JobServiceOptions options;
  options.workers = 1;
  options.queue_capacity = 2;
  options.max_active_per_tenant = 4;
  Fixture f(options);
  REQUIRE(f.service->Start().ok());
  REQUIRE(f.service->Submit("alice", f.Spec("gate", 1), "").ok());
  REQUIRE(f.gate->WaitStarted(1));  // taken off the queue: 2 slots free
  REQUIRE(f.service->Submit("alice", f.Spec("gate", 2), "").ok());
  REQUIRE(f.service->Submit("alice", f.Spec("gate", 3), "").ok());
  Result<SubmitOutcome> full = f.service->Submit("alice", f.Spec("gate", 4), "");
  CHECK(full.status().code() == StatusCode::kResourceExhausted);
  CHECK(full.status().message().find("queue is full") != std::string::npos);
  f.gate->Release();
  JobServiceOptions limited;
  limited.max_active_per_tenant = 1;
  Fixture g(limited);  // not started: jobs stay queued
  REQUIRE(g.service->Submit("alice", g.Spec("gate"), "").ok());
  CHECK(g.service->Submit("alice", g.Spec("gate", 2), "").status().message().find("limit is 1") !=
        std::string::npos);
  BacktestSpec bob = g.Spec("gate");
  bob.dataset = "ds_2";
  CHECK(g.service->Submit("bob", bob, "").ok());  // limits are per tenant
}

TEST_CASE("per-engine concurrency caps simultaneous runs") {
  JobServiceOptions options;
  options.workers = 3;
  options.engine_concurrency["gate"] = 1;
  Fixture f(options);
  REQUIRE(f.service->Start().ok());
  std::vector<std::string> ids;
  for (int k = 0; k < 3; ++k)
    ids.push_back(f.service->Submit("alice", f.Spec("gate", 100 + k), "")->job.id);
  REQUIRE(f.gate->WaitStarted(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // give the others a chance to start
  f.gate->Release();
  for (const std::string& id : ids) CHECK(f.WaitTerminal(id).status == JobStatus::kSucceeded);
  CHECK(f.gate->max_running() == 1);
}

TEST_CASE("idempotency keys return the same job, or AlreadyExists for another spec") {
  Fixture f;
  Result<SubmitOutcome> first = f.service->Submit("alice", f.Spec("native"), "k1");
  Result<SubmitOutcome> again = f.service->Submit("alice", f.Spec("native"), "k1");
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(again->job.id == first->job.id);
  CHECK_FALSE(again->created);
  CHECK(f.service->Submit("alice", f.Spec("native", 5), "k1").status().code() ==
        StatusCode::kAlreadyExists);
  BacktestSpec bob = f.Spec("native");
  bob.dataset = "ds_2";
  CHECK(f.service->Submit("bob", bob, "k1")->created);  // keys are per tenant
}

TEST_CASE("engine failures mark the job failed with the error class") {
  Fixture f;
  REQUIRE(f.service->Start().ok());
  f.gate->Release();
  const std::string id = f.service->Submit("alice", f.Spec("gate", 666), "")->job.id;
  const JobRecord done = f.WaitTerminal(id);
  CHECK(done.status == JobStatus::kFailed);
  CHECK(done.error_code == "unavailable");
  CHECK(done.error_message == "the gate broke");
}

TEST_CASE("Stop interrupts running jobs without finishing them; Start runs them again") {
  Fixture f;
  REQUIRE(f.service->Start().ok());
  const std::string id = f.service->Submit("alice", f.Spec("gate"), "")->job.id;
  REQUIRE(f.gate->WaitStarted(1));
  f.service->Stop();
  CHECK(f.store->GetJob("alice", id)->status == JobStatus::kRunning);  // as after a crash
  std::vector<std::string> seen;
  JobService restarted(f.store.get(), &f.engines, &f.clock, {});
  restarted.AddListener(
      [&](const JobRecord& job) { seen.push_back(std::string(JobStatusName(job.status))); });
  f.gate->Release();
  REQUIRE(restarted.Start().ok());
  for (int k = 0; k < 400 && !IsTerminal(restarted.Get("alice", id)->status); ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const JobRecord done = *restarted.Get("alice", id);
  CHECK(done.status == JobStatus::kSucceeded);
  CHECK(done.attempt == 2);
  restarted.Stop();  // the worker's last notification has been made (and `seen` is ours alone)
  REQUIRE(!seen.empty());
  CHECK(seen.back() == "succeeded");
}

}  // namespace
}  // namespace btr
