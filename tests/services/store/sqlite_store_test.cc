// SqliteStore's own behaviour: its file, WAL mode and permissions. What every Store must do
// runs against both backends in store_*_test.cc; concurrency, reopening, migrations and kill -9
// are in sqlite_store_durability_test.cc.
#include "services/store/sqlite_store.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/services/store/store_test_util.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::MakeJob;
using testing::OpenStore;
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

}  // namespace
}  // namespace btr
