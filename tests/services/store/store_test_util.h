// Helpers for the store tests: job records with sensible defaults, opening a store that must
// open, and running raw SQL on a database file (to inspect or tamper with it).
#pragma once

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "services/store/sqlite_store.h"

namespace btr::testing {

inline JobRecord MakeJob(const std::string& id, const std::string& tenant = "t1",
                         TimeNs created_at = 1000, const std::string& idempotency_key = "",
                         const std::string& engine = "native") {
  JobRecord job;
  job.id = id;
  job.tenant = tenant;
  job.spec_json = R"({"engine":")" + engine + R"(","strategy":{"name":"sma_cross"}})";
  job.spec_hash = "hash-of-" + id;
  job.idempotency_key = idempotency_key;
  job.engine_requested = engine;
  job.created_at = created_at;
  return job;
}

// The worker's two steps for a test: claim `id` (for a long lease) and start it on `engine`.
inline Result<JobRecord> ClaimAndStart(JobStore& store, std::string_view id,
                                       std::string_view engine, TimeNs now) {
  constexpr TimeNs kLongLease = 1'000'000'000'000'000;
  Result<JobRecord> claimed = store.ClaimJob(id, "test-worker", now + kLongLease, now);
  if (!claimed.ok()) return claimed.status();
  return store.StartJob(id, claimed->epoch, engine, now);
}

inline JobQuery Query(const std::string& tenant, std::optional<JobStatus> status = std::nullopt,
                      const std::string& engine = "", size_t limit = 50,
                      const std::string& cursor = "") {
  JobQuery query;
  query.tenant = tenant;
  query.status = status;
  query.engine = engine;
  query.limit = limit;
  query.cursor = cursor;
  return query;
}

inline DatasetRecord MakeDataset(const std::string& id, const std::string& tenant,
                                 const std::string& name, TimeNs created_at) {
  DatasetRecord d;
  d.id = id;
  d.tenant = tenant;
  d.name = name;
  d.sha256 = "sha-of-" + id;
  d.path = "/data/" + id + ".csv";
  d.bars = 2148;
  d.bytes = 123456;
  d.first_time = 1;
  d.last_time = 2;
  d.created_at = created_at;
  return d;
}

inline ApiKeyRecord MakeKey(const std::string& id, const std::string& tenant, Role role,
                            const std::string& secret_hash, TimeNs created_at) {
  ApiKeyRecord k;
  k.id = id;
  k.tenant = tenant;
  k.role = role;
  k.secret_hash = secret_hash;
  k.created_at = created_at;
  return k;
}

inline std::unique_ptr<SqliteStore> OpenStore(const std::string& path) {
  auto store = SqliteStore::Open(path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

// Runs `sql` on the file at `path` through a connection of its own; returns the first column of
// the last row produced ("" when none), or "error: <message>".
inline std::string RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = "error: " + std::string(sqlite3_errmsg(db));
    sqlite3_close(db);
    return message;
  }
  std::string last;
  char* error = nullptr;
  const int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int columns, char** values, char**) {
        if (columns > 0) *static_cast<std::string*>(out) = values[0] != nullptr ? values[0] : "";
        return 0;
      },
      &last, &error);
  if (rc != SQLITE_OK) last = "error: " + std::string(error != nullptr ? error : "?");
  sqlite3_free(error);
  sqlite3_close(db);
  return last;
}

}  // namespace btr::testing
