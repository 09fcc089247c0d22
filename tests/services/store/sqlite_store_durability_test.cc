// SqliteStore under stress: concurrent callers, reopening the file, schema migrations and a
// kill -9 of a process in the middle of its writes.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_schema.h"
#include "services/store/sqlite_store.h"
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

TEST_CASE("50 concurrent CreateJob calls with one idempotency key make one job") {
  TempDir dir;
  // Two stores on one file: two connections contending for the write lock, as two processes
  // would, besides the threads sharing each store.
  auto a = OpenStore(dir.Path("store.db"));
  auto b = OpenStore(dir.Path("store.db"));
  constexpr int kThreads = 50;
  std::latch go(kThreads);
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      SqliteStore* store = i % 2 == 0 ? a.get() : b.get();
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

TEST_CASE("Readers and writers on many threads see consistent jobs") {
  TempDir dir;
  auto store = OpenStore(dir.Path("store.db"));
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

TEST_CASE("Reopening the file keeps jobs, results, datasets and keys") {
  TempDir dir;
  const std::string path = dir.Path("store.db");
  const std::string equity("\x00\x10\x20\x00", 4);
  {
    auto store = OpenStore(path);
    REQUIRE(store->CreateJob(MakeJob("queued", "t1", 1, "k1")).ok());
    REQUIRE(store->CreateJob(MakeJob("done", "t1", 2)).ok());
    REQUIRE(ClaimAndStart(*store, "done", "native", 3).ok());
    REQUIRE(
        store->FinishJob("done", 1, JobStatus::kSucceeded, {"{\"m\":1}", equity}, "", "", 4).ok());
    REQUIRE(store->PutDataset(MakeDataset("ds", "t1", "goog", 5)).ok());
    REQUIRE(store->PutApiKey(MakeKey("k", "t1", Role::kUser, "h", 6)).ok());
  }
  auto store = OpenStore(path);
  CHECK(store->GetJob("t1", "queued")->idempotency_key == "k1");
  CHECK(store->CreateJob(MakeJob("again", "t1", 5, "k1"))->id == "queued");
  CHECK(store->GetJob("t1", "done")->status == JobStatus::kSucceeded);
  CHECK(store->GetResult("t1", "done")->equity == equity);
  CHECK(store->GetResult("t1", "done")->result_json == "{\"m\":1}");
  CHECK(store->GetDataset("t1", "ds")->name == "goog");
  CHECK(store->GetApiKey("k")->secret_hash == "h");
  CHECK(store->CheckIntegrity().ok());
}

TEST_CASE("A database with a newer schema version is refused, naming both versions") {
  TempDir dir;
  const std::string path = dir.Path("store.db");
  OpenStore(path).reset();
  REQUIRE(RawSql(path, "INSERT INTO schema_migrations VALUES (99, 0)").empty());
  auto store = SqliteStore::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kFailedPrecondition);
  CHECK(store.status().message().find("99") != std::string::npos);
  CHECK(store.status().message().find("version " + std::to_string(SqliteStore::SchemaVersion())) !=
        std::string::npos);
}

TEST_CASE("An older database is migrated step by step; a failing step changes nothing") {
  TempDir dir;
  const std::string path = dir.Path("store.db");
  // Version 0: only the bookkeeping table exists. Open applies every step.
  REQUIRE(RawSql(path,
                 "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                 "applied_at INTEGER NOT NULL)")
              .empty());
  {
    auto store = OpenStore(path);
    REQUIRE(store->CreateJob(MakeJob("j1")).ok());
  }
  CHECK(RawSql(path, "SELECT MAX(version) FROM schema_migrations") ==
        std::to_string(SqliteStore::SchemaVersion()));

  // A build with two more steps upgrades in order and keeps the data.
  const int v = SqliteStore::SchemaVersion();
  std::vector<sqlite::Migration> steps(sqlite::StoreMigrations().begin(),
                                       sqlite::StoreMigrations().end());
  const std::string add_table = "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (42);";
  const std::string add_column = "ALTER TABLE extra ADD COLUMN y TEXT; UPDATE extra SET y = 'z';";
  steps.push_back({v + 1, add_table.c_str()});
  steps.push_back({v + 2, add_column.c_str()});
  {
    auto conn = sqlite::Connection::Open(path, false, 1000);
    REQUIRE(conn.ok());
    std::lock_guard lock((*conn)->mu());
    REQUIRE(sqlite::Migrate(conn->get(), steps, 7).ok());
    CHECK(*sqlite::SchemaVersion(conn->get()) == v + 2);

    const std::string broken = "CREATE TABLE t3 (x INTEGER); SELECT no_such_function();";
    steps.push_back({v + 3, broken.c_str()});
    Status failed = sqlite::Migrate(conn->get(), steps, 8);
    CHECK(failed.code() == StatusCode::kInternal);
    CHECK(failed.message().find("version " + std::to_string(v + 3)) != std::string::npos);
    CHECK(*sqlite::SchemaVersion(conn->get()) == v + 2);
  }
  CHECK(RawSql(path, "SELECT x || y FROM extra") == "42z");
  CHECK(RawSql(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't3'") == "0");
  CHECK(RawSql(path, "SELECT id FROM jobs") == "j1");

  // This build now finds a newer database and refuses it.
  auto store = SqliteStore::Open(path);
  CHECK(store.status().code() == StatusCode::kFailedPrecondition);
  CHECK(store.status().message().find(std::to_string(v + 2)) != std::string::npos);
}

// The child: opens the store and creates, starts and finishes jobs as fast as it can,
// reporting on `fd` each step that returned ("C id", "S id", "F id"). Never returns.
[[noreturn]] void CrashChild(const std::string& path, int fd) {
  auto store = SqliteStore::Open(path);
  if (!store.ok()) _exit(2);
  auto report = [fd](char step, const std::string& id) {
    const std::string line = std::string(1, step) + " " + id + "\n";
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
  };
  for (int i = 0;; ++i) {
    const std::string id = "crash-" + std::to_string(i);
    if (!(*store)->CreateJob(MakeJob(id, "t1", 1000 + i, "key-" + id)).ok()) _exit(3);
    report('C', id);
    if (i % 3 == 0) continue;
    if (!ClaimAndStart(**store, id, "native", 5000).ok()) _exit(3);
    report('S', id);
    if (i % 3 == 1) continue;
    if (!(*store)->FinishJob(id, 1, JobStatus::kSucceeded, {"{}", id}, "", "", 6000).ok()) {
      _exit(3);
    }
    report('F', id);
  }
}

TEST_CASE("kill -9 in the middle of writes loses no job whose write returned") {
  TempDir dir;
  const std::string path = dir.Path("data/store.db");
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    CrashChild(path, fds[1]);
  }
  close(fds[1]);

  std::map<std::string, char> reported;  // id -> the last step the child reported
  std::string pending;
  size_t lines = 0;
  bool killed = false, stalled = false;
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, 30000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      stalled = true;
      kill(pid, SIGKILL);
      break;
    }
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: the child is gone
    pending.append(buf, static_cast<size_t>(n));
    for (size_t end; (end = pending.find('\n')) != std::string::npos;) {
      reported[pending.substr(2, end - 2)] = pending[0];
      pending.erase(0, end + 1);
      ++lines;
    }
    if (!killed && lines >= 600) {
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  close(fds[0]);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  REQUIRE_FALSE(stalled);
  INFO("child status " << wstatus);
  REQUIRE(WIFSIGNALED(wstatus));
  CHECK(WTERMSIG(wstatus) == SIGKILL);
  REQUIRE(reported.size() >= 300);

  auto store = OpenStore(path);
  CHECK(store->CheckIntegrity().ok());
  CHECK(RawSql(path, "PRAGMA integrity_check") == "ok");
  size_t missing = 0, wrong = 0;
  for (const auto& [id, step] : reported) {
    auto job = store->GetJob("t1", id);
    if (!job.ok()) {
      ++missing;
      continue;
    }
    // The child may have got further than it reported, never less far.
    if (step == 'S' && job->status != JobStatus::kRunning && job->status != JobStatus::kSucceeded) {
      ++wrong;
    }
    if (step == 'F' &&
        (job->status != JobStatus::kSucceeded || store->GetResult("t1", id)->equity != id)) {
      ++wrong;
    }
  }
  CHECK(missing == 0);
  CHECK(wrong == 0);

  // After recovery nothing is left running and every unfinished job is queued again.
  auto queue = store->RecoverJobs(9000);
  REQUIRE(queue.ok());
  CHECK(store->ListJobs(Query("t1", JobStatus::kRunning))->jobs.empty());
  size_t unfinished = 0;
  for (const auto& [id, step] : reported) unfinished += step != 'F' ? 1 : 0;
  CHECK(queue->size() >= unfinished - 1);  // the last one may have finished unreported
}

}  // namespace
}  // namespace btr
