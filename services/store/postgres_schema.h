// The PostgreSQL store's schema as versioned migrations, and the migration runner.
//
// schema_migrations holds one row per applied version. Migrate applies each missing step in a
// transaction of its own that first takes a transaction-scoped advisory lock on a fixed key
// (kMigrationLockKey), so processes starting at once apply each step exactly once: the others
// wait, then find it applied. A step that fails rolls back whole.
// Errors: FailedPrecondition when the database's version is newer than the last step
// (a newer build migrated it); Internal "schema migration to version N: ..." for a failing
// step; Unavailable when the server cannot be reached.
#pragma once

#include <cstdint>
#include <span>

#include "engines/core/status.h"
#include "engines/core/time.h"

namespace btr {

class PgPool;

namespace pg_schema {

struct Migration {
  int version;      // > 0, increasing
  const char* sql;  // several statements
};

// The key of pg_advisory_xact_lock taken while migrating ("btrouter" in ASCII).
inline constexpr int64_t kMigrationLockKey = 0x6274726f75746572;

// The store's steps, oldest first.
std::span<const Migration> StoreMigrations();

// Applies the steps newer than the database's version, in order; `now` is recorded as each
// step's applied_at.
Status Migrate(PgPool* pool, std::span<const Migration> steps, TimeNs now);

// The database's version: the highest applied, 0 for an empty database.
Result<int> SchemaVersion(PgPool* pool);

}  // namespace pg_schema
}  // namespace btr
