// JobService at its edges: the job's log tells how a job ended only once the store committed
// it (a crash in between must not leave a "succeeded" line on a job that runs again); an engine
// that throws fails one job, not the server; a cancel's message says "cancelled" once.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <thread>

#include "engines/native/native_engine.h"
#include "services/jobs/job_service.h"
#include "services/store/sqlite_store.h"
#include "tests/fakes/faulty_engine.h"
#include "tests/fakes/store_wrapper.h"
#include "tests/services/jobs/jobs_test_util.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::FaultyEngine;

// A store that looks at the job's log when FinishJob is called, and can refuse to commit (as if
// the process died between the end of the run and the commit).
class FinishObservingStore final : public testing::StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;

  Status FinishJob(std::string_view id, int64_t attempt, JobStatus status, const JobResult& result,
                   std::string_view error_code, std::string_view error_message,
                   TimeNs now) override {
    Result<std::vector<JobLogEntry>> lines = target()->ListJobLog("alice", id, 0, 1000);
    const std::vector<JobLogEntry> seen = lines.ok() ? lines.value() : std::vector<JobLogEntry>{};
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++finish_calls_;
      for (const JobLogEntry& line : seen) {
        if (IsFinalLine(line.message)) final_lines_before_commit_.push_back(line.message);
      }
      if (refuse_) return Status::Internal("injected: the process died before the commit");
    }
    return StoreWrapper::FinishJob(id, attempt, status, result, error_code, error_message, now);
  }

  static bool IsFinalLine(const std::string& message) {
    for (const char* word : {"succeeded", "failed", "cancelled"}) {
      if (message.rfind(word, 0) == 0) return true;
    }
    return false;
  }
  void Refuse() {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = true;
  }
  int finish_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return finish_calls_;
  }
  std::vector<std::string> final_lines_before_commit() {
    std::lock_guard<std::mutex> lock(mu_);
    return final_lines_before_commit_;
  }

 private:
  std::mutex mu_;
  bool refuse_ = false;
  int finish_calls_ = 0;
  std::vector<std::string> final_lines_before_commit_;
};

// An engine that sees the cancel and finishes its run anyway (a remote engine that could not
// stop in time): the job must still end cancelled.
class StubbornEngine final : public Engine {
 public:
  std::string_view name() const override { return "stubborn"; }
  EngineCapabilities capabilities() const override { return {{"sma_cross"}, true, true, 0, {}}; }
  Status Validate(const BacktestSpec&) const override { return Status::Ok(); }
  Health Probe(std::chrono::steady_clock::time_point) override { return {true, "", {}}; }
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override {
    started = true;
    while (context.cancel == nullptr || !context.cancel->load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EngineRun run;
    run.equity.assign(bars.size(), spec.cash);
    return run;
  }
  std::atomic<bool> started{false};
};

struct Fixture {
  explicit Fixture(JobServiceOptions options = {}) {
    sqlite = std::move(SqliteStore::Open(dir.Path("db/btrouter.db"))).value();
    store = std::make_unique<FinishObservingStore>(sqlite.get());
    auto f = std::make_unique<FaultyEngine>("buggy", std::make_unique<NativeEngine>());
    buggy = f.get();
    REQUIRE(engines.Register(std::move(f)).ok());
    REQUIRE(engines.Register(std::make_unique<NativeEngine>()).ok());
    auto s = std::make_unique<StubbornEngine>();
    stubborn = s.get();
    REQUIRE(engines.Register(std::move(s)).ok());
    testing::PutGbmDataset(*sqlite, dir);
    HealthOptions quiet;
    quiet.interval_s = quiet.no_traffic_interval_s = 3600;
    quiet.consecutive_failures = 1000;
    monitor = std::make_unique<HealthMonitor>(&engines, &clock, quiet);
    monitor->RunDueProbes();
    service = std::make_unique<JobService>(store.get(), &engines, &clock, options, monitor.get());
    REQUIRE(service->Start().ok());
  }
  ~Fixture() { service->Stop(); }

  BacktestSpec Spec(const std::string& engine) const {
    BacktestSpec spec;
    spec.engine = engine;
    spec.strategy.name = "sma_cross";
    spec.dataset = "ds_1";
    return spec;
  }
  std::string Submit(const std::string& engine) {
    Result<SubmitOutcome> submitted = service->Submit("alice", Spec(engine), "");
    INFO(submitted.status().ToString());
    REQUIRE(submitted.ok());
    return submitted->job.id;
  }
  JobRecord WaitTerminal(const std::string& id) {
    return testing::WaitTerminal(*service, clock, id);
  }
  std::vector<std::string> Log(const std::string& id) {
    Result<std::vector<JobLogEntry>> lines = sqlite->ListJobLog("alice", id, 0, 1000);
    REQUIRE(lines.ok());
    std::vector<std::string> out;
    for (const JobLogEntry& line : lines.value()) out.push_back(line.message);
    return out;
  }

  testing::TempDir dir;
  SystemClock clock;
  std::unique_ptr<SqliteStore> sqlite;
  std::unique_ptr<FinishObservingStore> store;
  EngineRegistry engines;
  FaultyEngine* buggy = nullptr;
  StubbornEngine* stubborn = nullptr;
  std::unique_ptr<HealthMonitor> monitor;
  std::unique_ptr<JobService> service;
};

TEST_CASE("the job's log says how it ended only after the store committed the end") {
  Fixture f;
  const std::string id = f.Submit("native");
  const JobRecord done = f.WaitTerminal(id);
  CHECK(done.status == JobStatus::kSucceeded);
  CHECK(f.store->final_lines_before_commit().empty());
  const std::vector<std::string> log = f.Log(id);
  REQUIRE(!log.empty());
  CHECK(log.back().rfind("succeeded on native in ", 0) == 0);
}

TEST_CASE("a job whose end was never committed has no final line: it runs again cleanly") {
  Fixture f;
  f.store->Refuse();
  const std::string id = f.Submit("native");
  for (int k = 0; k < 2000 && (f.store->finish_calls() == 0 || f.service->running_count() > 0);
       ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(f.store->finish_calls() == 1);
  REQUIRE(f.service->running_count() == 0);
  // As after a crash in the gap: the store still holds it running, and the log says nothing
  // of an end that did not happen.
  CHECK(f.sqlite->GetJob("alice", id)->status == JobStatus::kRunning);
  for (const std::string& line : f.Log(id)) {
    INFO(line);
    CHECK(!FinishObservingStore::IsFinalLine(line));
  }
}

TEST_CASE("an engine that throws fails that one job as internal without its internals") {
  JobServiceOptions options;
  options.engine_concurrency = {{"buggy", 1}};
  Fixture f(options);
  f.buggy->Throw("segment 0x7f3a at parser.cc:42");
  const JobRecord failed = f.WaitTerminal(f.Submit("buggy"));
  CHECK(failed.status == JobStatus::kFailed);
  CHECK(failed.error_code == "internal");
  CHECK(failed.error_message.find("0x7f3a") == std::string::npos);
  CHECK(failed.error_message.find("internal error; see the server log") != std::string::npos);
  CHECK(f.Log(failed.id).back().rfind("failed: internal:", 0) == 0);
  // The server goes on: other engines run, and the engine's one slot and admission were given
  // back, so it runs again once fixed.
  CHECK(f.WaitTerminal(f.Submit("native")).status == JobStatus::kSucceeded);
  CHECK(f.monitor->Get("buggy")->running == 0);
  f.buggy->Heal();
  CHECK(f.WaitTerminal(f.Submit("buggy")).status == JobStatus::kSucceeded);
}

TEST_CASE("a cancelled job's message and last log line say cancelled once") {
  Fixture f;
  auto wait_for = [](const std::function<bool()>& done) {
    for (int k = 0; k < 2000 && !done(); ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(done());
  };
  // The engine finishes despite the cancel: btrouter's own message.
  const std::string finished = f.Submit("stubborn");
  wait_for([&] { return f.stubborn->started.load(); });
  REQUIRE(f.service->Cancel("alice", finished).ok());
  // The engine stops on the cancel with a message of its own.
  f.buggy->Hang();
  const std::string stopped = f.Submit("buggy");
  wait_for([&] { return f.buggy->runs_started() > 0; });
  REQUIRE(f.service->Cancel("alice", stopped).ok());
  for (const std::string& id : {finished, stopped}) {
    const JobRecord done = f.WaitTerminal(id);
    INFO(done.error_message);
    CHECK(done.status == JobStatus::kCancelled);
    CHECK(done.error_code == "cancelled");
    CHECK(done.error_message.find("cancelled: cancelled") == std::string::npos);
    CHECK(done.error_message.find("cancel") != std::string::npos);
    // The log's last line is written right after the commit that made the job final.
    wait_for([&] { return f.Log(id).back() == done.error_message; });
  }
  CHECK(f.WaitTerminal(finished).error_message == "cancelled while running");
}

}  // namespace
}  // namespace btr
