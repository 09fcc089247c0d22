// Both Store backends under the same tests: the tests of the contract (store.h) run once per
// backend, each time on a fresh, empty store.
//
//   TEST_CASE("...") {
//     BTR_EACH_STORE(store);      // "sqlite", then "postgres"
//     REQUIRE(store->CreateJob(MakeJob("j1")).ok());
//
// "sqlite" is a database file in a temporary folder; "postgres" a database of its own
// (CreateDatabase) on the one PostgreSQL server this test binary starts on first use.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/sqlite_store.h"
#include "tests/services/store/store_test_util.h"
#include "tests/support/local_servers.h"
#include "tests/test_util.h"

// Declares `var`, a StoreUnderTest of each backend in turn: the test case runs once per
// backend, and every assertion says which one it ran on.
#define BTR_EACH_STORE(var)                                                         \
  const std::string var##_kind = GENERATE(as<std::string>{}, "sqlite", "postgres"); \
  INFO("store: " << var##_kind);                                                    \
  ::btr::testing::StoreUnderTest var(var##_kind)

namespace btr::testing {

// The test binary's PostgreSQL server, started on first use and stopped at exit.
inline LocalPostgres& SharedPostgres() {
  static LocalPostgres server;
  return server;
}

// The URL of a new, empty database on SharedPostgres().
inline std::string NewPostgresDatabase() {
  static int counter = 0;  // test cases run one at a time
  return SharedPostgres().CreateDatabase("store_test_" + std::to_string(++counter));
}

// Opens a PostgresStore that must open.
inline std::unique_ptr<PostgresStore> OpenPostgresStore(const std::string& url,
                                                        PostgresStoreOptions options = {}) {
  auto store = PostgresStore::Open(url, options);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

// Runs `sql` on the PostgreSQL database at `url` through a connection of its own; returns the
// first column of the last row ("" when none), or "error: <message>".
inline std::string RawPgSql(const std::string& url, const std::string& sql) {
  Result<PgConnectionPtr> conn = PgConnection::Connect(url);
  if (!conn.ok()) return "error: " + conn.status().message();
  Result<PgResult> result = (*conn)->Exec(sql);
  if (!result.ok()) return "error: " + result.status().message();
  return result->rows() == 0 ? "" : result->GetString(result->rows() - 1, 0);
}

class StoreUnderTest {
 public:
  explicit StoreUnderTest(std::string kind) : kind_(std::move(kind)) {
    REQUIRE((kind_ == "sqlite" || kind_ == "postgres"));
    if (kind_ == "postgres") url_ = NewPostgresDatabase();
    store_ = OpenAnother();
  }

  const std::string& kind() const { return kind_; }
  Store* get() { return store_.get(); }
  Store* operator->() { return store_.get(); }
  Store& operator*() { return *store_; }

  // Another store on the same database, as a second process would open it.
  std::unique_ptr<Store> OpenAnother() {
    if (kind_ == "postgres") return OpenPostgresStore(url_);
    auto store = SqliteStore::Open(dir_.Path("store.db"));
    INFO(store.status().ToString());
    REQUIRE(store.ok());
    return std::move(store).value();
  }
  // Closes the store and opens the database again, as a restart would.
  void Reopen() {
    store_.reset();
    store_ = OpenAnother();
  }

  // Runs `sql` (valid in both dialects) on the database through a connection of its own; the
  // first column of the last row ("" when none), or "error: <message>".
  std::string Sql(const std::string& sql) {
    return kind_ == "postgres" ? RawPgSql(url_, sql) : RawSql(dir_.Path("store.db"), sql);
  }

  // A folder for the test's files (datasets, caches).
  const TempDir& dir() const { return dir_; }

 private:
  std::string kind_;
  TempDir dir_;
  std::string url_;  // postgres only
  std::unique_ptr<Store> store_;
};

}  // namespace btr::testing
