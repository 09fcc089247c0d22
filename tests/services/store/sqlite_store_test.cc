// SqliteStore: every method and job state transition of store.h, on a real database file.
// Concurrency, reopening, migrations and kill -9 are in sqlite_store_durability_test.cc.
#include "services/store/sqlite_store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/services/store/store_test_util.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::ClaimAndStart;
using testing::MakeDataset;
using testing::MakeJob;
using testing::MakeKey;
using testing::OpenStore;
using testing::Query;
using testing::RawSql;
using testing::TempDir;

TEST_CASE("the database and its -wal and -shm files are 0600 whatever the umask") {
  testing::ScopedUmask open_umask(0);  // without the store's care: 0644 (SQLite's default)
  TempDir dir;
  const std::string path = dir.Path("store.db");
  {
    auto store = OpenStore(path);
    REQUIRE(store->CreateJob(MakeJob("j1")).ok());  // the WAL and its index exist now
    CHECK(testing::PermissionBits(path) == 0600);
    CHECK(testing::PermissionBits(path + "-wal") == 0600);
    CHECK(testing::PermissionBits(path + "-shm") == 0600);
  }
  // A file an older start left readable is tightened when opened.
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  auto store = OpenStore(path);
  CHECK(testing::PermissionBits(path) == 0600);
  CHECK(testing::PermissionBits(path + "-wal") == 0600);
}

TEST_CASE("Open creates the file and its folders, in WAL mode, at the current schema") {
  TempDir dir;
  const std::string path = dir.Path("a/b/store.db");
  auto store = OpenStore(path);
  CHECK(std::filesystem::exists(path));
  CHECK(RawSql(path, "PRAGMA journal_mode") == "wal");
  CHECK(RawSql(path, "SELECT MAX(version) FROM schema_migrations") ==
        std::to_string(SqliteStore::SchemaVersion()));
  CHECK(store->CheckIntegrity().ok());

  CHECK(SqliteStore::Open("").status().code() == StatusCode::kInvalidArgument);
  dir.Write("not_a_db", std::string(4096, 'x'));
  CHECK(SqliteStore::Open(dir.Path("not_a_db")).status().code() == StatusCode::kInternal);
}

TEST_CASE("CreateJob stores every field and GetJob reads them back") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("CreateJob with a used idempotency key returns the existing job") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("StartJob moves a queued job to running, once") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("UpdateProgress applies to running jobs only") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("FinishJob stores the outcome once, fenced by the attempt") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("CancelJob: queued jobs end at once, running ones are asked to stop") {
  auto store = OpenStore(":memory:");
  REQUIRE(store->CreateJob(MakeJob("q")).ok());
  REQUIRE(store->CreateJob(MakeJob("r")).ok());
  REQUIRE(ClaimAndStart(*store, "r", "native", 2000).ok());

  auto queued = store->CancelJob("t1", "q", 3000);
  REQUIRE(queued.ok());
  CHECK(queued->status == JobStatus::kCancelled);
  CHECK(queued->finished_at == 3000);
  CHECK(store->GetJob("t1", "q")->status == JobStatus::kCancelled);
  CHECK(store->GetJob("t1", "q")->finished_at == 3000);
  CHECK(ClaimAndStart(*store, "q", "native", 3100).status().code() == StatusCode::kFailedPrecondition);

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

TEST_CASE("DeleteJob removes finished jobs with their result") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("RecoverJobs requeues running jobs and returns the queue oldest first") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("CountActiveJobs counts a tenant's queued and running jobs") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("ListJobs pages newest first through 120 jobs, each exactly once, with filters") {
  TempDir dir;
  auto store = OpenStore(dir.Path("store.db"));
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

TEST_CASE("Every tenant-scoped method answers NotFound for another tenant's job") {
  auto store = OpenStore(":memory:");
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

TEST_CASE("Datasets: put, replace, get, list, tenant isolation") {
  auto store = OpenStore(":memory:");
  DatasetRecord d = MakeDataset("ds1", "t1", "goog", 10);
  REQUIRE(store->PutDataset(d).ok());
  auto got = store->GetDataset("t1", "ds1");
  REQUIRE(got.ok());
  CHECK(got->name == "goog");
  CHECK(got->sha256 == "sha-of-ds1");
  CHECK(got->path == "/data/ds1.csv");
  CHECK(got->bars == 2148);
  CHECK(got->bytes == 123456);
  CHECK(got->first_time == 1);
  CHECK(got->last_time == 2);
  CHECK(got->created_at == 10);

  d.name = "goog2";
  d.created_at = 99;
  REQUIRE(store->PutDataset(d).ok());  // the owner replaces it; created_at is kept
  CHECK(store->GetDataset("t1", "ds1")->name == "goog2");
  CHECK(store->GetDataset("t1", "ds1")->created_at == 10);

  DatasetRecord theirs = d;
  theirs.tenant = "t2";
  CHECK(store->PutDataset(theirs).code() == StatusCode::kAlreadyExists);
  CHECK(store->GetDataset("t2", "ds1").status().code() == StatusCode::kNotFound);
  CHECK(store->GetDataset("t1", "nope").status().code() == StatusCode::kNotFound);

  DatasetRecord d2 = d;
  d2.id = "ds2";
  d2.created_at = 20;
  REQUIRE(store->PutDataset(d2).ok());
  auto list = store->ListDatasets("t1");
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == "ds2");  // newest first
  CHECK((*list)[1].id == "ds1");
  CHECK(store->ListDatasets("t2")->empty());
}

TEST_CASE("Datasets: the same name and bytes are one dataset; other bytes make another") {
  auto store = OpenStore(":memory:");
  const DatasetRecord first = MakeDataset("ds1", "t1", "goog", 10);
  REQUIRE(store->CreateDataset(first)->id == "ds1");
  DatasetRecord again = MakeDataset("ds2", "t1", "goog", 20);
  again.sha256 = first.sha256;
  Result<DatasetRecord> kept = store->CreateDataset(again);
  REQUIRE(kept.ok());
  CHECK(kept->id == "ds1");  // nothing inserted
  CHECK(store->ListDatasets("t1")->size() == 1);
  CHECK(store->FindDataset("t1", "goog", first.sha256)->id == "ds1");
  CHECK(store->FindDataset("t1", "goog", "other").status().code() == StatusCode::kNotFound);
  CHECK(store->FindDataset("t2", "goog", first.sha256).status().code() == StatusCode::kNotFound);
  // Other bytes under the name, the bytes under another name, or another tenant: new datasets.
  REQUIRE(store->CreateDataset(MakeDataset("ds3", "t1", "goog", 30))->id == "ds3");
  DatasetRecord renamed = MakeDataset("ds4", "t1", "goog-copy", 40);
  renamed.sha256 = first.sha256;
  REQUIRE(store->CreateDataset(renamed)->id == "ds4");
  DatasetRecord theirs = MakeDataset("ds5", "t2", "goog", 50);
  theirs.sha256 = first.sha256;
  REQUIRE(store->CreateDataset(theirs)->id == "ds5");
  CHECK(store->ListDatasets("t1")->size() == 3);
  CHECK(store->CreateDataset(MakeDataset("ds1", "t1", "x", 60)).status().code() ==
        StatusCode::kAlreadyExists);
}

TEST_CASE("Datasets: delete, refused while a queued or running job uses it") {
  auto store = OpenStore(":memory:");
  REQUIRE(store->CreateDataset(MakeDataset("ds1", "t1", "goog", 10)).ok());
  REQUIRE(store->CreateDataset(MakeDataset("ds2", "t1", "eurusd", 10)).ok());
  JobRecord job = MakeJob("j1", "t1");
  job.spec_json = R"({"engine":"native","strategy":{"name":"sma_cross"},"dataset":"ds1"})";
  REQUIRE(store->CreateJob(job).ok());
  for (bool running : {false, true}) {
    if (running) REQUIRE(ClaimAndStart(*store, "j1", "native", 2000).ok());
    const Status refused = store->DeleteDataset("t1", "ds1").status();
    INFO(refused.ToString());
    CHECK(refused.code() == StatusCode::kFailedPrecondition);
    CHECK(refused.message().find("backtest 'j1'") != std::string::npos);
    CHECK(refused.message().find(running ? "running" : "queued") != std::string::npos);
  }
  CHECK(store->DeleteDataset("t2", "ds2").status().code() == StatusCode::kNotFound);  // not theirs
  Result<DatasetRecord> other = store->DeleteDataset("t1", "ds2");  // no job uses it
  REQUIRE(other.ok());
  CHECK(other->path == "/data/ds2.csv");
  CHECK(store->GetDataset("t1", "ds2").status().code() == StatusCode::kNotFound);
  REQUIRE(store->FinishJob("j1", 1, JobStatus::kSucceeded, {}, "", "", 3000).ok());
  CHECK(store->DeleteDataset("t1", "ds1").ok());  // finished jobs keep their results
  CHECK(store->ListDatasets("t1")->empty());
  CHECK(store->GetResult("t1", "j1").ok());
  CHECK(store->DeleteDataset("t1", "ds1").status().code() == StatusCode::kNotFound);
}

TEST_CASE("API keys: put, get, list, revoke, count") {
  auto store = OpenStore(":memory:");
  CHECK(*store->CountApiKeys() == 0);
  const ApiKeyRecord admin = MakeKey("k1", "root", Role::kAdmin, "h1", 10);
  const ApiKeyRecord user = MakeKey("k2", "t1", Role::kUser, "h2", 20);
  REQUIRE(store->PutApiKey(admin).ok());
  REQUIRE(store->PutApiKey(user).ok());
  ApiKeyRecord clash = user;
  clash.secret_hash = "other";
  CHECK(store->PutApiKey(clash).code() == StatusCode::kAlreadyExists);
  CHECK(store->GetApiKey("k2")->secret_hash == "h2");

  auto got = store->GetApiKey("k1");
  REQUIRE(got.ok());
  CHECK(got->tenant == "root");
  CHECK(got->role == Role::kAdmin);
  CHECK(got->created_at == 10);
  CHECK(got->revoked_at == 0);
  CHECK(store->GetApiKey("k2")->role == Role::kUser);
  CHECK(store->GetApiKey("nope").status().code() == StatusCode::kNotFound);

  REQUIRE(store->RevokeApiKey("k2", 30).ok());
  REQUIRE(store->RevokeApiKey("k2", 40).ok());  // keeps the first time
  CHECK(store->GetApiKey("k2")->revoked_at == 30);
  CHECK(store->RevokeApiKey("nope", 30).code() == StatusCode::kNotFound);

  auto list = store->ListApiKeys();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == "k1");
  CHECK((*list)[1].revoked_at == 30);
  CHECK(*store->CountApiKeys() == 2);
}

}  // namespace
}  // namespace btr
