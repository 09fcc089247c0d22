// The job records of every Store (job_store.h), on both backends (store_under_test.h):
// creation with idempotency, each state transition, cancel, delete, recovery, counts, paging
// and tenant scoping. Claims are in store_claims_test.cc.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

using testing::ClaimAndStart;
using testing::MakeJob;
using testing::Query;

TEST_CASE("CreateJob stores every field and GetJob reads them back", "[store]") {
  BTR_EACH_STORE(store);
  JobRecord job = MakeJob("j1", "t1", 1234, "key-1", "lean");
  job.status = JobStatus::kSucceeded;  // ignored: a new job is queued
  job.fallbacks_json = R"(["native"])";
  auto created = store->CreateJob(job);
  REQUIRE(created.ok());
  CHECK(created->status == JobStatus::kQueued);
  CHECK(created->phase == "queued");
  CHECK(created->updated_at == 1234);

  auto got = store->GetJob("t1", "j1");
  REQUIRE(got.ok());
  CHECK(got->id == "j1");
  CHECK(got->tenant == "t1");
  CHECK(got->status == JobStatus::kQueued);
  CHECK(got->progress == 0);
  CHECK(got->phase == "queued");
  CHECK(got->spec_json == job.spec_json);
  CHECK(got->spec_hash == "hash-of-j1");
  CHECK(got->idempotency_key == "key-1");
  CHECK(got->engine_requested == "lean");
  CHECK(got->engine_used.empty());
  CHECK(got->fallbacks_json == R"(["native"])");
  CHECK(got->attempt == 0);
  CHECK_FALSE(got->cancel_requested);
  CHECK(got->created_at == 1234);
  CHECK(got->updated_at == 1234);
  CHECK(got->started_at == 0);
  CHECK(got->finished_at == 0);

  CHECK(store->GetJob("t1", "nope").status().code() == StatusCode::kNotFound);
  CHECK(store->CreateJob(MakeJob("")).status().code() == StatusCode::kInvalidArgument);
  CHECK(store->CreateJob(MakeJob("j9", "")).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("CreateJob with a used idempotency key returns the existing job", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1", "t1", 10, "k")).ok());

  auto again = store->CreateJob(MakeJob("j2", "t1", 20, "k"));
  REQUIRE(again.ok());
  CHECK(again->id == "j1");
  CHECK(again->spec_hash == "hash-of-j1");  // the caller compares it with its own
  CHECK(store->GetJob("t1", "j2").status().code() == StatusCode::kNotFound);

  auto same_record = store->CreateJob(MakeJob("j1", "t1", 10, "k"));
  REQUIRE(same_record.ok());
  CHECK(same_record->id == "j1");

  // Another tenant may use the same key; jobs without a key never collide.
  auto other = store->CreateJob(MakeJob("j3", "t2", 30, "k"));
  REQUIRE(other.ok());
  CHECK(other->id == "j3");
  REQUIRE(store->CreateJob(MakeJob("j4", "t1", 40)).ok());
  REQUIRE(store->CreateJob(MakeJob("j5", "t1", 50)).ok());
  CHECK(store->GetJob("t1", "j5")->idempotency_key.empty());

  // A duplicate id with no (or another) key is an error, not a silent overwrite.
  CHECK(store->CreateJob(MakeJob("j4", "t1", 60)).status().code() == StatusCode::kAlreadyExists);
  CHECK(store->CreateJob(MakeJob("j4", "t1", 60, "k2")).status().code() ==
        StatusCode::kAlreadyExists);
  CHECK(store->ListJobs(Query("t1"))->jobs.size() == 3);
}

TEST_CASE("StartJob moves a queued job to running, once", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1", "t1", 10)).ok());
  auto started = ClaimAndStart(*store, "j1", "native", 50);
  REQUIRE(started.ok());
  CHECK(started->status == JobStatus::kRunning);
  CHECK(started->attempt == 1);
  CHECK(started->engine_used == "native");
  CHECK(started->phase == "running");
  CHECK(started->started_at == 50);
  CHECK(started->updated_at == 50);
  CHECK(store->GetJob("t1", "j1")->status == JobStatus::kRunning);

  auto twice = ClaimAndStart(*store, "j1", "native", 60);
  CHECK(twice.status().code() == StatusCode::kFailedPrecondition);
  CHECK(twice.status().message().find("running") != std::string::npos);
  CHECK(ClaimAndStart(*store, "nope", "native", 60).status().code() == StatusCode::kNotFound);
}

TEST_CASE("UpdateProgress applies to running jobs only", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1")).ok());
  CHECK(store->UpdateProgress("j1", 1, 0.5, "loading", 2000).code() ==
        StatusCode::kFailedPrecondition);
  REQUIRE(ClaimAndStart(*store, "j1", "native", 2000).ok());
  REQUIRE(store->UpdateProgress("j1", 1, 0.25, "loading", 3000).ok());
  auto job = store->GetJob("t1", "j1");
  CHECK(job->progress == 0.25);
  CHECK(job->phase == "loading");
  CHECK(job->updated_at == 3000);
  REQUIRE(store->UpdateProgress("j1", 1, 7.0, "", 4000).ok());  // clamped; phase kept
  job = store->GetJob("t1", "j1");
  CHECK(job->progress == 1.0);
  CHECK(job->phase == "loading");
  CHECK(store->UpdateProgress("nope", 1, 0.1, "x", 1).code() == StatusCode::kNotFound);
}

TEST_CASE("FinishJob stores the outcome once, fenced by the attempt", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1")).ok());
  CHECK(store->GetResult("t1", "j1").status().code() == StatusCode::kFailedPrecondition);
  auto started = ClaimAndStart(*store, "j1", "native", 2000);
  REQUIRE(started.ok());

  const std::string equity("\x00\x01\x02\xff\x00", 5);  // binary, with NUL bytes
  CHECK(store->FinishJob("j1", 1, JobStatus::kRunning, {}, "", "", 3000).code() ==
        StatusCode::kInvalidArgument);
  CHECK(store->FinishJob("j1", 2, JobStatus::kSucceeded, {"{}", ""}, "", "", 3000).code() ==
        StatusCode::kFailedPrecondition);
  REQUIRE(
      store->FinishJob("j1", 1, JobStatus::kSucceeded, {R"({"metrics":{}})", equity}, "", "", 3000)
          .ok());
  auto job = store->GetJob("t1", "j1");
  CHECK(job->status == JobStatus::kSucceeded);
  CHECK(job->progress == 1.0);
  CHECK(job->finished_at == 3000);
  CHECK(job->updated_at == 3000);
  auto result = store->GetResult("t1", "j1");
  REQUIRE(result.ok());
  CHECK(result->result_json == R"({"metrics":{}})");
  CHECK(result->equity == equity);

  // A second finish of the same attempt is refused and leaves the first result.
  Status again =
      store->FinishJob("j1", 1, JobStatus::kFailed, {"{\"x\":1}", ""}, "internal", "late", 4000);
  CHECK(again.code() == StatusCode::kFailedPrecondition);
  CHECK(store->GetJob("t1", "j1")->status == JobStatus::kSucceeded);
  CHECK(store->GetResult("t1", "j1")->result_json == R"({"metrics":{}})");
  CHECK(store->FinishJob("nope", 1, JobStatus::kFailed, {}, "", "", 1).code() ==
        StatusCode::kNotFound);

  // A failed job keeps its error and its progress.
  REQUIRE(store->CreateJob(MakeJob("j2")).ok());
  REQUIRE(ClaimAndStart(*store, "j2", "native", 2000).ok());
  REQUIRE(store->UpdateProgress("j2", 1, 0.4, "running", 2500).ok());
  REQUIRE(
      store->FinishJob("j2", 1, JobStatus::kFailed, {}, "invalid_argument", "bad fast", 3000).ok());
  job = store->GetJob("t1", "j2");
  CHECK(job->status == JobStatus::kFailed);
  CHECK(job->error_code == "invalid_argument");
  CHECK(job->error_message == "bad fast");
  CHECK(job->progress == 0.4);
  CHECK(job->phase == "failed");
  CHECK(store->GetResult("t1", "j2")->result_json.empty());
}

TEST_CASE("CancelJob: queued jobs end at once, running ones are asked to stop", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("q")).ok());
  REQUIRE(store->CreateJob(MakeJob("r")).ok());
  REQUIRE(ClaimAndStart(*store, "r", "native", 2000).ok());

  auto queued = store->CancelJob("t1", "q", 3000);
  REQUIRE(queued.ok());
  CHECK(queued->status == JobStatus::kCancelled);
  CHECK(queued->finished_at == 3000);
  CHECK(store->GetJob("t1", "q")->status == JobStatus::kCancelled);
  CHECK(store->GetJob("t1", "q")->finished_at == 3000);
  CHECK(ClaimAndStart(*store, "q", "native", 3100).status().code() ==
        StatusCode::kFailedPrecondition);

  auto running = store->CancelJob("t1", "r", 3000);
  REQUIRE(running.ok());
  CHECK(running->status == JobStatus::kRunning);
  CHECK(running->cancel_requested);
  CHECK(running->finished_at == 0);
  CHECK(store->GetJob("t1", "r")->cancel_requested);
  CHECK(store->CancelJob("t1", "r", 3050).ok());  // asking again is harmless

  // The worker then finishes it as cancelled; cancelling a finished job is refused.
  REQUIRE(store->FinishJob("r", 1, JobStatus::kCancelled, {}, "cancelled", "", 3100).ok());
  CHECK(store->CancelJob("t1", "r", 3200).status().code() == StatusCode::kFailedPrecondition);
  CHECK(store->CancelJob("t1", "q", 3200).status().code() == StatusCode::kFailedPrecondition);
  CHECK(store->CancelJob("t1", "nope", 3200).status().code() == StatusCode::kNotFound);
}

TEST_CASE("DeleteJob removes finished jobs with their result", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("j1")).ok());
  CHECK(store->DeleteJob("t1", "j1").code() == StatusCode::kFailedPrecondition);
  REQUIRE(ClaimAndStart(*store, "j1", "native", 2000).ok());
  CHECK(store->DeleteJob("t1", "j1").code() == StatusCode::kFailedPrecondition);
  REQUIRE(store->FinishJob("j1", 1, JobStatus::kSucceeded, {"{}", "eq"}, "", "", 3000).ok());
  REQUIRE(store->DeleteJob("t1", "j1").ok());
  CHECK(store->GetJob("t1", "j1").status().code() == StatusCode::kNotFound);
  CHECK(store->GetResult("t1", "j1").status().code() == StatusCode::kNotFound);
  CHECK(store->DeleteJob("t1", "j1").code() == StatusCode::kNotFound);
}

TEST_CASE("RecoverJobs requeues running jobs and returns the queue oldest first", "[store]") {
  BTR_EACH_STORE(store);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(store->CreateJob(MakeJob("j" + std::to_string(i), "t1", 100 - i)).ok());
  }
  REQUIRE(ClaimAndStart(*store, "j1", "native", 200).ok());
  REQUIRE(store->UpdateProgress("j1", 1, 0.7, "metrics", 210).ok());
  REQUIRE(ClaimAndStart(*store, "j2", "native", 200).ok());
  REQUIRE(store->FinishJob("j2", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 300).ok());
  REQUIRE(ClaimAndStart(*store, "j3", "native", 200).ok());
  REQUIRE(store->CancelJob("t1", "j3", 220).ok());  // running, cancel requested

  auto queue = store->RecoverJobs(400);
  REQUIRE(queue.ok());
  std::vector<std::string> ids;
  for (const JobRecord& job : *queue) ids.push_back(job.id);
  CHECK(ids == std::vector<std::string>{"j4", "j1", "j0"});  // created_at 96, 99, 100

  auto j1 = store->GetJob("t1", "j1");
  CHECK(j1->status == JobStatus::kQueued);
  CHECK(j1->phase == "queued");
  CHECK(j1->progress == 0);
  CHECK(j1->attempt == 1);
  CHECK(j1->updated_at == 400);
  CHECK(store->GetJob("t1", "j2")->status == JobStatus::kSucceeded);
  CHECK(store->GetJob("t1", "j3")->status == JobStatus::kCancelled);
  CHECK(store->GetJob("t1", "j3")->finished_at == 400);

  // The dead attempt cannot finish; the next one can, once.
  CHECK(store->FinishJob("j1", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 500).code() ==
        StatusCode::kFailedPrecondition);
  auto restarted = ClaimAndStart(*store, "j1", "native", 500);
  REQUIRE(restarted.ok());
  CHECK(restarted->attempt == 2);
  CHECK(store->FinishJob("j1", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 600).code() ==
        StatusCode::kFailedPrecondition);
  REQUIRE(store->FinishJob("j1", 2, JobStatus::kSucceeded, {"{}", ""}, "", "", 600).ok());
}

TEST_CASE("CountActiveJobs counts a tenant's queued and running jobs", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("a", "t1")).ok());
  REQUIRE(store->CreateJob(MakeJob("b", "t1")).ok());
  REQUIRE(store->CreateJob(MakeJob("c", "t1")).ok());
  REQUIRE(store->CreateJob(MakeJob("d", "t2")).ok());
  REQUIRE(ClaimAndStart(*store, "b", "native", 1).ok());
  REQUIRE(store->CancelJob("t1", "c", 1).ok());
  CHECK(*store->CountActiveJobs("t1") == 2);
  CHECK(*store->CountActiveJobs("t2") == 1);
  CHECK(*store->CountActiveJobs("t3") == 0);
}

TEST_CASE("ListJobs pages newest first through 120 jobs, each exactly once, with filters",
          "[store]") {
  BTR_EACH_STORE(store);
  const char* engines[] = {"native", "lean", "backtesting_py"};
  std::vector<JobRecord> all;  // tenant t1's jobs
  for (int i = 0; i < 120; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "job-%03d", (i * 37) % 120);  // ids not in creation order
    // Three jobs share each created_at, so ties are broken by id.
    JobRecord job = MakeJob(id, "t1", 1000 + i / 3, "", engines[i % 3]);
    REQUIRE(store->CreateJob(job).ok());
    if (i % 4 == 1) REQUIRE(ClaimAndStart(*store, id, "native", 5000).ok());
    all.push_back(*store->GetJob("t1", id));
    REQUIRE(store->CreateJob(MakeJob(std::string(id) + "-other", "t2", 1000 + i / 3)).ok());
  }
  std::sort(all.begin(), all.end(), [](const JobRecord& a, const JobRecord& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
  });

  struct Filter {
    std::optional<JobStatus> status;
    std::string engine;
  };
  for (const Filter& filter : {Filter{}, Filter{JobStatus::kRunning, ""}, Filter{{}, "lean"},
                               Filter{JobStatus::kQueued, "native"}}) {
    for (size_t limit : {size_t{1}, size_t{7}, size_t{50}, size_t{500}}) {
      std::vector<std::string> want;
      for (const JobRecord& job : all) {
        if (filter.status && job.status != *filter.status) continue;
        if (!filter.engine.empty() && job.engine_requested != filter.engine) continue;
        want.push_back(job.id);
      }
      std::vector<std::string> seen;
      JobQuery query = Query("t1", filter.status, filter.engine, limit);
      for (int pages = 0;; ++pages) {
        REQUIRE(pages <= 200);
        auto page = store->ListJobs(query);
        REQUIRE(page.ok());
        CHECK(page->jobs.size() <= limit);
        for (const JobRecord& job : page->jobs) seen.push_back(job.id);
        if (page->next_cursor.empty()) break;
        query.cursor = page->next_cursor;
      }
      INFO("limit " << limit << ", engine '" << filter.engine << "'");
      CHECK(seen == want);
    }
  }

  CHECK(store->ListJobs(Query("t1", {}, "", 0))->jobs.size() == 1);
  CHECK(store->ListJobs(Query("t1", {}, "nope"))->jobs.empty());
  CHECK(store->ListJobs(Query("t3"))->jobs.empty());
  CHECK(store->ListJobs(Query("t1", {}, "", 50, "zz")).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(store->ListJobs(Query("t1", {}, "", 50, "3132")).status().code() ==
        StatusCode::kInvalidArgument);  // "12": no id
}

TEST_CASE("Every tenant-scoped method answers NotFound for another tenant's job", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("mine", "t1")).ok());
  REQUIRE(store->CreateJob(MakeJob("done", "t1")).ok());
  REQUIRE(ClaimAndStart(*store, "done", "native", 1).ok());
  REQUIRE(store->FinishJob("done", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 2).ok());

  CHECK(store->GetJob("t2", "mine").status().code() == StatusCode::kNotFound);
  CHECK(store->CancelJob("t2", "mine", 3).status().code() == StatusCode::kNotFound);
  CHECK(store->DeleteJob("t2", "done").code() == StatusCode::kNotFound);
  CHECK(store->GetResult("t2", "done").status().code() == StatusCode::kNotFound);
  CHECK(store->ListJobs(Query("t2"))->jobs.empty());
  CHECK(*store->CountActiveJobs("t2") == 0);
  // Untouched for their owner.
  CHECK(store->GetJob("t1", "mine")->status == JobStatus::kQueued);
  CHECK(store->GetResult("t1", "done").ok());
}

}  // namespace
}  // namespace btr
