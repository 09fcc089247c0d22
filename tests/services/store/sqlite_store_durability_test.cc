// SqliteStore's own durability: schema migrations of the file and a kill -9 of a process in the
// middle of its writes. What every Store must survive is in store_durability_test.cc.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_schema.h"
#include "services/store/sqlite_store.h"
#include "tests/services/store/store_test_util.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::ClaimAndStart;
using testing::MakeJob;
using testing::OpenStore;
using testing::Query;
using testing::RawSql;
using testing::TempDir;

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

TEST_CASE("A relaxed transaction skips the disk sync for itself only") {
  TempDir dir;
  const std::string path = dir.Path("store.db");
  OpenStore(path).reset();
  auto conn = sqlite::Connection::Open(path, false, 1000);
  REQUIRE(conn.ok());
  sqlite::Connection& db = **conn;
  std::lock_guard lock(db.mu());
  REQUIRE(db.Exec("test", "PRAGMA synchronous = FULL").ok());
  auto synchronous = [&db] { return db.QueryText("test", "PRAGMA synchronous").value(); };
  using Txn = sqlite::Transaction;
  {
    Txn txn(&db, "test");
    REQUIRE(txn.Begin(Txn::Mode::kImmediate, Txn::Durability::kRelaxed).ok());
    CHECK(synchronous() == "1");  // NORMAL
    REQUIRE(db.Exec("test", "INSERT INTO schema_migrations VALUES (1000, 0)").ok());
    REQUIRE(txn.Commit().ok());
  }
  CHECK(synchronous() == "2");  // FULL again after the commit
  {
    Txn txn(&db, "test");
    REQUIRE(txn.Begin(Txn::Mode::kImmediate, Txn::Durability::kRelaxed).ok());
    REQUIRE(db.Exec("test", "INSERT INTO schema_migrations VALUES (1001, 0)").ok());
  }  // rolled back
  CHECK(synchronous() == "2");  // and after a rollback
  {
    Txn txn(&db, "test");
    REQUIRE(txn.Begin(Txn::Mode::kImmediate).ok());
    CHECK(synchronous() == "2");  // synced is the default
  }
  CHECK(db.QueryText("test", "SELECT COUNT(*) FROM schema_migrations WHERE version >= 1000")
            .value() == "1");
}

}  // namespace
}  // namespace btr
