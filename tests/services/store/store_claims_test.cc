// Claims of every Store (job_store.h), on both backends (store_under_test.h): who may claim a
// job and when, the epoch fencing every write of the holder, leases running out, releasing,
// renewing, a race of many claimers, and what the dispatcher lists.
#include <atomic>
#include <catch2/catch.hpp>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

using testing::MakeJob;

bool Contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST_CASE("ClaimJob: a live lease keeps others out; every write is fenced by the epoch",
          "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1", "t1", 10)).ok());
  Result<JobRecord> first = store->ClaimJob("j1", "w1", 1000, 100);
  REQUIRE(first.ok());
  CHECK(first->status == JobStatus::kQueued);
  CHECK(first->epoch == 1);
  CHECK(first->lease_owner == "w1");
  CHECK(first->lease_expires_at == 1000);

  const Status held = store->ClaimJob("j1", "w2", 2000, 999).status();
  CHECK(held.code() == StatusCode::kFailedPrecondition);
  CHECK(Contains(held, "held by w1"));

  // The lease ran out: w2 takes the job and w1's claim is lost.
  Result<JobRecord> second = store->ClaimJob("j1", "w2", 3000, 1000);
  REQUIRE(second.ok());
  CHECK(second->epoch == 2);
  CHECK(second->lease_owner == "w2");
  const Status stale = store->StartJob("j1", 1, "native", 1100).status();
  CHECK(stale.code() == StatusCode::kFailedPrecondition);
  CHECK(Contains(stale, "backtest 'j1' was claimed again (claim 2); claim 1 is lost"));
  CHECK(store->RenewLease("j1", 1, 9000, 1100).status().code() == StatusCode::kFailedPrecondition);
  CHECK(store->ReleaseJob("j1", 1, 1100).code() == StatusCode::kFailedPrecondition);

  Result<JobRecord> started = store->StartJob("j1", 2, "native", 1200);
  REQUIRE(started.ok());
  CHECK(started->attempt == 1);
  CHECK(store->SetJobRouting("j1", 1, "lean", "[]", 1300).code() ==
        StatusCode::kFailedPrecondition);
  REQUIRE(store->SetJobRouting("j1", 2, "lean", R"([{"from":"native","to":"lean"}])", 1300).ok());
  Result<JobRecord> routed = store->GetJob("t1", "j1");
  CHECK(routed->engine_used == "lean");
  CHECK(routed->fallbacks_json == R"([{"from":"native","to":"lean"}])");
  CHECK(routed->updated_at == 1300);
  CHECK(store->UpdateProgress("j1", 1, 0.5, "x", 1400).code() == StatusCode::kFailedPrecondition);
  CHECK(store->FinishJob("j1", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 1500).code() ==
        StatusCode::kFailedPrecondition);
  REQUIRE(store->FinishJob("j1", 2, JobStatus::kSucceeded, {"{}", ""}, "", "", 1500).ok());
  Result<JobRecord> done = store->GetJob("t1", "j1");
  CHECK(done->lease_owner.empty());  // finishing releases the claim
  CHECK(done->lease_expires_at == 0);

  const Status finished = store->ClaimJob("j1", "w3", 9000, 9000).status();
  CHECK(finished.code() == StatusCode::kFailedPrecondition);
  CHECK(finished.message() == "backtest 'j1' is succeeded");
  CHECK(store->ClaimJob("nope", "w1", 1, 1).status().code() == StatusCode::kNotFound);
  CHECK(store->ClaimJob("", "w1", 1, 1).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("A running job whose lease ran out is claimed again as an interrupted run", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1", "t1", 10)).ok());
  REQUIRE(store->ClaimJob("j1", "w1", 1000, 100).ok());
  REQUIRE(store->StartJob("j1", 1, "lean", 200).ok());
  REQUIRE(store->UpdateProgress("j1", 1, 0.5, "running", 300).ok());

  Result<JobRecord> again = store->ClaimJob("j1", "w2", 5000, 2000);
  REQUIRE(again.ok());
  CHECK(again->status == JobStatus::kQueued);
  CHECK(again->phase == "queued");
  CHECK(again->progress == 0);
  CHECK(again->attempt == 1);           // kept: the run key of the interrupted run
  CHECK(again->engine_used == "lean");  // kept: the engine to ask about it
  CHECK(again->updated_at == 2000);
  CHECK(again->epoch == 2);
  CHECK(store->FinishJob("j1", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 2100).code() ==
        StatusCode::kFailedPrecondition);
  CHECK(store->StartJob("j1", 2, "lean", 2200)->attempt == 2);

  // An interrupted run whose cancel was requested ends cancelled rather than running again.
  REQUIRE(store->CreateJob(MakeJob("j2", "t1", 20)).ok());
  REQUIRE(store->ClaimJob("j2", "w1", 1000, 100).ok());
  REQUIRE(store->StartJob("j2", 1, "native", 200).ok());
  REQUIRE(store->CancelJob("t1", "j2", 300).ok());
  const Status ended = store->ClaimJob("j2", "w2", 5000, 2000).status();
  CHECK(ended.code() == StatusCode::kFailedPrecondition);
  CHECK(ended.message() == "backtest 'j2' is cancelled");
  Result<JobRecord> cancelled = store->GetJob("t1", "j2");
  CHECK(cancelled->status == JobStatus::kCancelled);
  CHECK(cancelled->phase == "cancelled");
  CHECK(cancelled->finished_at == 2000);
  CHECK(cancelled->lease_expires_at == 0);
}

TEST_CASE("RenewLease extends a claim and tells of a cancel; ReleaseJob frees the job at once",
          "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1", "t1", 10)).ok());
  REQUIRE(store->ClaimJob("j1", "w1", 1000, 100).ok());
  REQUIRE(store->StartJob("j1", 1, "native", 200).ok());
  Result<bool> renewed = store->RenewLease("j1", 1, 5000, 900);
  REQUIRE(renewed.ok());
  CHECK_FALSE(*renewed);
  CHECK(store->GetJob("t1", "j1")->lease_expires_at == 5000);
  CHECK(store->ClaimJob("j1", "w2", 9000, 2000).status().code() ==
        StatusCode::kFailedPrecondition);  // still held: the renewal counts
  REQUIRE(store->CancelJob("t1", "j1", 2500).ok());
  CHECK(*store->RenewLease("j1", 1, 6000, 3000));  // the holder learns of the cancel
  REQUIRE(store->FinishJob("j1", 1, JobStatus::kCancelled, {}, "cancelled", "", 3100).ok());
  const Status over = store->RenewLease("j1", 1, 7000, 3200).status();
  CHECK(over.code() == StatusCode::kFailedPrecondition);
  CHECK(over.message() == "backtest 'j1' is cancelled, not active");

  // A worker that stops gives its claim up: the job is claimable at once, as an interrupted run.
  REQUIRE(store->CreateJob(MakeJob("j2", "t1", 20)).ok());
  REQUIRE(store->ClaimJob("j2", "w1", 1000, 100).ok());
  REQUIRE(store->StartJob("j2", 1, "native", 200).ok());
  REQUIRE(store->ReleaseJob("j2", 1, 300).ok());
  Result<JobRecord> taken = store->ClaimJob("j2", "w2", 1000, 301);
  REQUIRE(taken.ok());
  CHECK(taken->status == JobStatus::kQueued);
  CHECK(taken->epoch == 2);
  CHECK(store->ReleaseJob("j2", 1, 400).code() == StatusCode::kFailedPrecondition);
  CHECK(store->ReleaseJob("nope", 1, 400).code() == StatusCode::kNotFound);
}

TEST_CASE("8 threads racing to claim 200 jobs: every job is claimed exactly once", "[store]") {
  BTR_EACH_STORE(store);
  constexpr int kJobs = 200, kThreads = 8;
  for (int i = 0; i < kJobs; ++i) {
    REQUIRE(store->CreateJob(MakeJob("job-" + std::to_string(i), "t1", 1000 + i)).ok());
  }
  // Two stores on the database, as two processes would have, besides the threads.
  std::unique_ptr<Store> other = store.OpenAnother();
  std::vector<std::atomic<int>> claims(kJobs);
  std::vector<std::string> winners(kJobs);
  std::atomic<int> errors{0};
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store* mine = t % 2 == 0 ? store.get() : other.get();
      const std::string owner = "worker-" + std::to_string(t);
      go.arrive_and_wait();
      for (int k = 0; k < kJobs; ++k) {
        const int i = (k + t * kJobs / kThreads) % kJobs;  // each thread starts elsewhere
        Result<JobRecord> claimed =
            mine->ClaimJob("job-" + std::to_string(i), owner, 1'000'000, 5000);
        if (claimed.ok()) {
          if (claims[i].fetch_add(1) == 0) winners[i] = owner;
        } else if (claimed.status().code() != StatusCode::kFailedPrecondition) {
          ++errors;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(errors.load() == 0);
  int once = 0;
  for (int i = 0; i < kJobs; ++i) {
    once += claims[i].load() == 1 ? 1 : 0;
    Result<JobRecord> job = store->GetJob("t1", "job-" + std::to_string(i));
    REQUIRE(job.ok());
    CHECK(job->epoch == 1);
    CHECK(job->lease_owner == winners[i]);
  }
  CHECK(once == kJobs);
}

TEST_CASE("RequeueExpired requeues running jobs whose lease ran out, or ends them cancelled",
          "[store]") {
  BTR_EACH_STORE(store);
  for (const char* id : {"a", "b", "c", "d"}) REQUIRE(store->CreateJob(MakeJob(id, "t1", 10)).ok());
  for (const char* id : {"a", "c"}) {
    REQUIRE(store->ClaimJob(id, "w1", 1000, 100).ok());
    REQUIRE(store->StartJob(id, 1, "native", 200).ok());
    REQUIRE(store->UpdateProgress(id, 1, 0.6, "running", 300).ok());
  }
  REQUIRE(store->ClaimJob("b", "w1", 5000, 100).ok());
  REQUIRE(store->StartJob("b", 1, "native", 200).ok());
  REQUIRE(store->CancelJob("t1", "c", 400).ok());
  REQUIRE(store->ClaimJob("d", "w1", 1000, 100).ok());  // claimed, not started

  Result<size_t> changed = store->RequeueExpired(2000);
  REQUIRE(changed.ok());
  CHECK(*changed == 2);
  Result<JobRecord> a = store->GetJob("t1", "a");
  CHECK(a->status == JobStatus::kQueued);
  CHECK(a->phase == "queued");
  CHECK(a->progress == 0);
  CHECK(a->attempt == 1);
  CHECK(a->lease_expires_at == 0);
  CHECK(a->updated_at == 2000);
  CHECK(store->GetJob("t1", "b")->status == JobStatus::kRunning);  // its lease is live
  Result<JobRecord> c = store->GetJob("t1", "c");
  CHECK(c->status == JobStatus::kCancelled);
  CHECK(c->finished_at == 2000);
  CHECK(c->progress == 0.6);
  Result<JobRecord> d = store->GetJob("t1", "d");
  CHECK(d->status == JobStatus::kQueued);
  CHECK(d->lease_owner == "w1");  // queued jobs are the dispatcher's, not the sweeper's
  CHECK(store->FinishJob("a", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 2100).code() ==
        StatusCode::kFailedPrecondition);
  CHECK(*store->RequeueExpired(2000) == 0);
}

TEST_CASE("ListDispatchable: unclaimed queued jobs, by priority then age, up to a limit",
          "[store]") {
  BTR_EACH_STORE(store);
  struct Spec {
    const char* id;
    int priority;
    TimeNs created_at;
    const char* engine;
  };
  for (const Spec& s : {Spec{"low-old", 2, 10, "native"}, Spec{"normal-new", 1, 40, "lean"},
                        Spec{"normal-old", 1, 20, "native"}, Spec{"high", 0, 30, "native"},
                        Spec{"leased", 0, 5, "native"}, Spec{"expired", 1, 20, "lean"},
                        Spec{"running", 0, 1, "native"}, Spec{"too-new", 0, 500, "native"}}) {
    JobRecord job = MakeJob(s.id, "t1", s.created_at, "", s.engine);
    job.priority = s.priority;
    REQUIRE(store->CreateJob(job).ok());
  }
  REQUIRE(store->ClaimJob("leased", "w1", 5000, 100).ok());
  REQUIRE(store->ClaimJob("expired", "w1", 900, 100).ok());
  REQUIRE(store->ClaimJob("running", "w1", 5000, 100).ok());
  REQUIRE(store->StartJob("running", 1, "native", 100).ok());

  Result<std::vector<DispatchableJob>> all = store->ListDispatchable(100, 1000, 100);
  REQUIRE(all.ok());
  std::vector<std::string> ids;
  for (const DispatchableJob& job : *all) ids.push_back(job.id);
  CHECK(ids == std::vector<std::string>{"high", "expired", "normal-old", "normal-new", "low-old"});
  CHECK((*all)[0].tenant == "t1");
  CHECK((*all)[0].priority == 0);
  CHECK((*all)[1].engine == "lean");
  CHECK(store->ListDispatchable(100, 1000, 2)->size() == 2);
  CHECK(store->ListDispatchable(100, 1000, 0)->size() == 1);  // 0 counts as 1

  Result<std::map<std::string, size_t>> queued = store->CountQueuedByEngine();
  REQUIRE(queued.ok());
  CHECK(*queued == std::map<std::string, size_t>{{"lean", 2}, {"native", 5}});
}

}  // namespace
}  // namespace btr
