// PostgresStore's own behaviour on a real PostgreSQL 15 (what every Store does runs against it
// in store_*_test.cc): opening and migrating, also from several processes at once; refusing a
// newer schema; a kill -9 of the server; text PostgreSQL cannot hold; the dataset bytes.
#include "services/store/postgres_store.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "engines/data/sha256.h"
#include "services/pg/pg_client.h"
#include "services/store/postgres_schema.h"
#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

using testing::ClaimAndStart;
using testing::MakeDataset;
using testing::MakeJob;
using testing::NewPostgresDatabase;
using testing::OpenPostgresStore;
using testing::RawPgSql;

TEST_CASE("Open migrates a new database once, also when 8 processes open it at once",
          "[postgres]") {
  const std::string url = NewPostgresDatabase();
  constexpr int kOpeners = 8;
  std::latch go(kOpeners);
  std::vector<std::string> outcomes(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      auto store = PostgresStore::Open(url, {.pool_size = 2});
      outcomes[i] = store.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& outcome : outcomes) CHECK(outcome == "ok");
  const std::string versions = std::to_string(pg_schema::StoreMigrations().size());
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM schema_migrations") == versions);
  CHECK(RawPgSql(url, "SELECT MAX(version) FROM schema_migrations") ==
        std::to_string(PostgresStore::SchemaVersion()));
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'jobs_dispatchable'") ==
        "1");
}

TEST_CASE("Open refuses a database a newer build migrated, naming both versions", "[postgres]") {
  const std::string url = NewPostgresDatabase();
  OpenPostgresStore(url).reset();
  REQUIRE(RawPgSql(url, "INSERT INTO schema_migrations VALUES (99, 0)").empty());
  auto store = PostgresStore::Open(url);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kFailedPrecondition);
  CHECK(store.status().message().find("schema version 99") != std::string::npos);
  CHECK(store.status().message().find(
            "version " + std::to_string(PostgresStore::SchemaVersion())) != std::string::npos);
}

TEST_CASE("Migrations apply step by step; a failing step changes nothing", "[postgres]") {
  const std::string url = NewPostgresDatabase();
  PgPool pool(url, 2);
  std::vector<pg_schema::Migration> steps(pg_schema::StoreMigrations().begin(),
                                          pg_schema::StoreMigrations().end());
  const int v = PostgresStore::SchemaVersion();
  steps.push_back({v + 1, "CREATE TABLE extra (x integer); INSERT INTO extra VALUES (42);"});
  steps.push_back({v + 2, "ALTER TABLE extra ADD COLUMN y text; UPDATE extra SET y = 'z';"});
  REQUIRE(pg_schema::Migrate(&pool, steps, 7).ok());
  CHECK(*pg_schema::SchemaVersion(&pool) == v + 2);
  CHECK(RawPgSql(url, "SELECT x || y FROM extra") == "42z");

  steps.push_back({v + 3, "CREATE TABLE t3 (x integer); SELECT no_such_function();"});
  const Status failed = pg_schema::Migrate(&pool, steps, 8);
  CHECK(failed.code() == StatusCode::kInternal);
  CHECK(failed.message().find("schema migration to version " + std::to_string(v + 3)) !=
        std::string::npos);
  CHECK(*pg_schema::SchemaVersion(&pool) == v + 2);
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 't3'") == "0");
  // This build's store finds the newer database and refuses it.
  CHECK(PostgresStore::Open(url).status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("Open says which server it cannot reach, without the password", "[postgres]") {
  auto store = PostgresStore::Open("postgresql://postgres:secret@127.0.0.1:1/x",
                                   {.connect_timeout = std::chrono::seconds(1)});
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kUnavailable);
  CHECK(store.status().message().find("postgresql://postgres:***@127.0.0.1:1/x") !=
        std::string::npos);
  CHECK(store.status().message().find("secret") == std::string::npos);
  CHECK(PostgresStore::Open("").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("The store survives a kill -9 of PostgreSQL: committed rows stay, the pool reconnects",
          "[postgres]") {
  testing::LocalPostgres server;  // its own: this test kills it
  const std::string url = server.CreateDatabase("crash");
  constexpr size_t kPool = 4;
  auto store = OpenPostgresStore(url, {.pool_size = kPool});
  const std::string equity("\x00\x01\xfe\xff", 4);
  for (int i = 0; i < 20; ++i) {
    const std::string id = "j" + std::to_string(i);
    REQUIRE(store->CreateJob(MakeJob(id, "t1", 100 + i, "key-" + id)).ok());
    if (i % 2 == 0) continue;
    REQUIRE(ClaimAndStart(*store, id, "native", 200).ok());
    REQUIRE(
        store->FinishJob(id, 1, JobStatus::kSucceeded, {"{\"i\":1}", equity}, "", "", 300).ok());
  }
  // Every pooled connection is idle and open when the server dies.
  std::vector<std::thread> users;
  for (size_t t = 0; t < kPool; ++t) {
    users.emplace_back([&] {
      for (int k = 0; k < 50; ++k) (void)store->GetJob("t1", "j0");
    });
  }
  for (std::thread& t : users) t.join();

  server.Kill(SIGKILL);
  const Status down = store->GetJob("t1", "j0").status();
  CHECK(down.code() == StatusCode::kUnavailable);
  CHECK(down.message().rfind("the database is unavailable (GetJob): ", 0) == 0);
  server.Start();

  // No call fails for a connection the restart broke: each is replaced before it is used.
  for (size_t k = 0; k < 3 * kPool; ++k) {
    Result<JobRecord> job = store->GetJob("t1", "j" + std::to_string(k % 20));
    INFO(job.status().ToString());
    REQUIRE(job.ok());
  }
  for (int i = 0; i < 20; ++i) {
    const std::string id = "j" + std::to_string(i);
    Result<JobRecord> job = store->GetJob("t1", id);
    REQUIRE(job.ok());
    CHECK(job->status == (i % 2 == 0 ? JobStatus::kQueued : JobStatus::kSucceeded));
    if (i % 2 == 1) CHECK(store->GetResult("t1", id)->equity == equity);
  }
  CHECK(store->CreateJob(MakeJob("again", "t1", 500, "key-j4"))->id == "j4");
  REQUIRE(store->CreateJob(MakeJob("after", "t1", 500)).ok());
}

TEST_CASE("Text PostgreSQL cannot hold is stored with U+FFFD for each byte that does not fit",
          "[postgres]") {
  auto store = OpenPostgresStore(NewPostgresDatabase());
  REQUIRE(store->CreateJob(MakeJob("j1")).ok());
  JobLogEntry line;
  line.level = "info";
  line.source = "lean";
  line.message = std::string("bad \xff byte, a NUL \0 and \xc3\xa9", 26);
  REQUIRE(store->AppendJobLog("j1", {line}).ok());
  Result<std::vector<JobLogEntry>> lines = store->ListJobLog("t1", "j1", 0, 10);
  REQUIRE(lines.ok());
  REQUIRE(lines->size() == 1);
  CHECK((*lines)[0].message == "bad \xEF\xBF\xBD byte, a NUL \xEF\xBF\xBD and \xc3\xa9");

  REQUIRE(ClaimAndStart(*store, "j1", "native", 10).ok());
  REQUIRE(
      store->FinishJob("j1", 1, JobStatus::kFailed, {}, "internal", "engine said \xfe", 20).ok());
  CHECK(store->GetJob("t1", "j1")->error_message == "engine said \xEF\xBF\xBD");
}

// A CSV of about `megabytes` MiB whose lines are all different.
std::string BigCsv(size_t megabytes) {
  std::string csv = "time,open,high,low,close\n";
  for (int i = 0; csv.size() < (megabytes << 20); ++i) {
    csv += std::to_string(1'600'000'000 + i) + ",1.25,2.5,0.75," + std::to_string(i) + "\n";
  }
  return csv;
}

DatasetRecord WithBytes(DatasetRecord d, const std::string& bytes, const std::string& path) {
  d.sha256 = Sha256Hex(bytes);
  d.bytes = bytes.size();
  d.path = path;
  return d;
}

int Mode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

TEST_CASE("Dataset bytes: 4 MiB chunks, one copy per sha256, dropped with the last dataset",
          "[postgres]") {
  testing::TempDir dir;
  const std::string url = NewPostgresDatabase();
  auto store = OpenPostgresStore(url);
  const std::string bytes = BigCsv(9);  // 3 chunks
  const std::string file = dir.Write("upload.csv", bytes);
  const DatasetRecord mine = WithBytes(MakeDataset("ds1", "t1", "big", 10), bytes, file);
  const DatasetRecord theirs = WithBytes(MakeDataset("ds2", "t2", "big", 20), bytes, file);
  REQUIRE(store->CreateDataset(mine).ok());
  REQUIRE(store->PutDatasetBytes(mine, file).ok());
  REQUIRE(store->CreateDataset(theirs).ok());
  REQUIRE(store->PutDatasetBytes(theirs, file).ok());  // already there: shared
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM dataset_contents") == "1");
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM dataset_chunks") == "3");
  CHECK(RawPgSql(url, "SELECT MAX(length(bytes)) FROM dataset_chunks") == std::to_string(4 << 20));
  CHECK(RawPgSql(url, "SELECT SUM(length(bytes)) FROM dataset_chunks") ==
        std::to_string(bytes.size()));

  const std::string cache = dir.Path("cache");
  Result<std::string> local = store->LocalPath(theirs, cache);
  INFO(local.status().ToString());
  REQUIRE(local.ok());
  CHECK(*local == cache + "/datasets/" + mine.sha256 + ".csv");
  CHECK(testing::ReadFile(*local) == bytes);
  CHECK(Mode(*local) == 0600);
  CHECK(Mode(cache + "/datasets") == 0700);

  REQUIRE(store->DeleteDataset("t1", "ds1").ok());
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM dataset_chunks") == "3");  // ds2 still has them
  REQUIRE(store->DeleteDataset("t2", "ds2").ok());
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM dataset_contents") == "0");
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM dataset_chunks") == "0");
  std::filesystem::remove(*local);
  CHECK(store->LocalPath(theirs, cache).status().code() == StatusCode::kNotFound);
}

TEST_CASE("Dataset bytes: a zip upload comes back as a .zip file (how it is read back)",
          "[postgres]") {
  testing::TempDir dir;
  auto store = OpenPostgresStore(NewPostgresDatabase());
  const std::string bytes = "PK\x05\x06" + std::string(18, '\0');  // the bytes are not read
  const std::string file = dir.Write("ds9.zip", bytes);
  const DatasetRecord zip = WithBytes(MakeDataset("ds9", "t1", "spy", 10), bytes, file);
  REQUIRE(store->CreateDataset(zip).ok());
  REQUIRE(store->PutDatasetBytes(zip, file).ok());
  Result<std::string> local = store->LocalPath(zip, dir.Path("cache"));
  REQUIRE(local.ok());
  CHECK(*local == dir.Path("cache") + "/datasets/" + zip.sha256 + ".zip");
  CHECK(testing::ReadFile(*local) == bytes);
}

TEST_CASE("Dataset bytes: a file that does not match its record is refused, nothing stored",
          "[postgres]") {
  testing::TempDir dir;
  const std::string url = NewPostgresDatabase();
  auto store = OpenPostgresStore(url);
  const std::string file = dir.Write("upload.csv", "time,close\n1,2\n");
  DatasetRecord d = WithBytes(MakeDataset("ds1", "t1", "x", 10), "other bytes", file);
  REQUIRE(store->CreateDataset(d).ok());
  const Status refused = store->PutDatasetBytes(d, file);
  CHECK(refused.code() == StatusCode::kInvalidArgument);
  CHECK(refused.message().find("hashes to") != std::string::npos);
  CHECK(RawPgSql(url, "SELECT COUNT(*) FROM dataset_contents") == "0");
  CHECK(store->PutDatasetBytes(d, dir.Path("missing.csv")).code() == StatusCode::kNotFound);
  DatasetRecord bad_sha = d;
  bad_sha.sha256 = "../../etc/passwd";
  CHECK(store->PutDatasetBytes(bad_sha, file).code() == StatusCode::kInvalidArgument);
  CHECK(store->LocalPath(bad_sha, dir.Path("cache")).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(store->LocalPath(d, "").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("LocalPath: callers fetching at once get one good file; a file of the right size is kept",
          "[postgres]") {
  testing::TempDir dir;
  const std::string url = NewPostgresDatabase();
  auto store = OpenPostgresStore(url);
  auto other = OpenPostgresStore(url);  // as another process on the same machine
  const std::string bytes = BigCsv(5);
  const std::string file = dir.Write("upload.csv", bytes);
  const DatasetRecord d = WithBytes(MakeDataset("ds1", "t1", "x", 10), bytes, file);
  REQUIRE(store->CreateDataset(d).ok());
  REQUIRE(store->PutDatasetBytes(d, file).ok());

  const std::string cache = dir.Path("cache");
  constexpr int kCallers = 6;
  std::latch go(kCallers);
  std::vector<std::string> paths(kCallers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      Store* s = i % 2 == 0 ? store.get() : other.get();
      go.arrive_and_wait();
      Result<std::string> path = s->LocalPath(d, cache);
      paths[i] = path.ok() ? *path : path.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  const std::string want = cache + "/datasets/" + d.sha256 + ".csv";
  for (const std::string& path : paths) CHECK(path == want);
  CHECK(testing::ReadFile(want) == bytes);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cache + "/datasets")) {
    (void)entry;
    ++files;
  }
  CHECK(files == 1);  // no temporary file left behind

  // A file of the right size is used as it is; one of another size is fetched again.
  const std::string same_size(bytes.size(), 'x');
  std::filesystem::remove(want);
  REQUIRE(dir.Write("cache/datasets/" + d.sha256 + ".csv", same_size) == want);
  CHECK(*store->LocalPath(d, cache) == want);
  CHECK(testing::ReadFile(want) == same_size);
  REQUIRE(dir.Write("cache/datasets/" + d.sha256 + ".csv", "short") == want);
  CHECK(*store->LocalPath(d, cache) == want);
  CHECK(testing::ReadFile(want) == bytes);
}

}  // namespace
}  // namespace btr
