// Every Store under stress, on both backends (store_under_test.h): concurrent callers on two
// stores of one database, readers beside writers, and reopening. Each backend's own crash and
// migration tests are in sqlite_store_durability_test.cc and postgres_store_test.cc.
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

using testing::ClaimAndStart;
using testing::MakeDataset;
using testing::MakeJob;
using testing::MakeKey;
using testing::Query;

TEST_CASE("50 concurrent CreateJob calls with one idempotency key make one job", "[store]") {
  // Two stores on one database, as two processes would have, besides the threads sharing each.
  BTR_EACH_STORE(a);
  std::unique_ptr<Store> b = a.OpenAnother();
  constexpr int kThreads = 50;
  std::latch go(kThreads);
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Store* store = i % 2 == 0 ? a.get() : b.get();
      go.arrive_and_wait();
      auto job = store->CreateJob(MakeJob("race-" + std::to_string(i), "t1", 1000 + i, "same"));
      ids[i] = job.ok() ? job->id : job.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(ids[0].rfind("race-", 0) == 0);
  for (const std::string& id : ids) CHECK(id == ids[0]);
  CHECK(a->ListJobs(Query("t1", {}, "", 100))->jobs.size() == 1);
  CHECK(b->ListJobs(Query("t1", {}, "", 100))->jobs.size() == 1);
}

TEST_CASE("Readers and writers on many threads see consistent jobs", "[store]") {
  BTR_EACH_STORE(store);
  std::atomic<int> errors{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers, readers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        bool ok = store->CreateJob(MakeJob(id, "t1", 1000 + i)).ok();
        auto started = ClaimAndStart(*store, id, "native", 2000);
        ok =
            ok && started.ok() && store->UpdateProgress(id, 1, 0.5, "running", 2001).ok() &&
            store->FinishJob(id, started->attempt, JobStatus::kSucceeded, {"{}", "e"}, "", "", 2002)
                .ok();
        if (!ok) ++errors;
      }
    });
  }
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto page = store->ListJobs(Query("t1", {}, "", 20));
        if (!page.ok()) ++errors;
        for (const JobRecord& job : page.ok() ? page->jobs : std::vector<JobRecord>{}) {
          auto got = store->GetJob("t1", job.id);
          if (!got.ok()) ++errors;
          // A succeeded job always has its result: both were committed together.
          if (got.ok() && got->status == JobStatus::kSucceeded &&
              !store->GetResult("t1", job.id).ok()) {
            ++errors;
          }
        }
        if (!store->CountActiveJobs("t1").ok()) ++errors;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  done = true;
  for (std::thread& t : readers) t.join();
  CHECK(errors.load() == 0);
  CHECK(*store->CountActiveJobs("t1") == 0);
  CHECK(store->ListJobs(Query("t1", JobStatus::kSucceeded, "", 1000))->jobs.size() == 100);
}

TEST_CASE("Reopening the file keeps jobs, results, datasets and keys", "[store]") {
  BTR_EACH_STORE(opened);
  const std::string equity("\x00\x10\x20\x00", 4);
  {
    Store* store = opened.get();
    REQUIRE(store->CreateJob(MakeJob("queued", "t1", 1, "k1")).ok());
    REQUIRE(store->CreateJob(MakeJob("done", "t1", 2)).ok());
    REQUIRE(ClaimAndStart(*store, "done", "native", 3).ok());
    REQUIRE(
        store->FinishJob("done", 1, JobStatus::kSucceeded, {"{\"m\":1}", equity}, "", "", 4).ok());
    REQUIRE(store->PutDataset(MakeDataset("ds", "t1", "goog", 5)).ok());
    REQUIRE(store->PutApiKey(MakeKey("k", "t1", Role::kUser, "h", 6)).ok());
  }
  opened.Reopen();
  Store* store = opened.get();
  CHECK(store->GetJob("t1", "queued")->idempotency_key == "k1");
  CHECK(store->CreateJob(MakeJob("again", "t1", 5, "k1"))->id == "queued");
  CHECK(store->GetJob("t1", "done")->status == JobStatus::kSucceeded);
  CHECK(store->GetResult("t1", "done")->equity == equity);
  CHECK(store->GetResult("t1", "done")->result_json == "{\"m\":1}");
  CHECK(store->GetDataset("t1", "ds")->name == "goog");
  CHECK(store->GetApiKey("k")->secret_hash == "h");
}

}  // namespace
}  // namespace btr
