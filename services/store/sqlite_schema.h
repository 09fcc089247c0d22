// The schema of the embedded store and its migrations.
//
// The database records every applied step in schema_migrations(version, applied_at). Opening
// applies, in order and each in its own transaction, every step newer than the database, so
// an old file is upgraded in place; a file whose version is newer than the steps this build
// knows is refused (FailedPrecondition naming both versions), never guessed at.
// Steps are append-only: a released step is never edited, a change is a new step.
// Threads: as sqlite_db.h (the caller holds the connection's mutex).
#pragma once

#include <span>
#include <string>

#include "engines/core/status.h"
#include "engines/core/time.h"
#include "services/store/sqlite_db.h"

namespace btr::sqlite {

struct Migration {
  int version;      // 1, 2, 3, ... without gaps
  const char* sql;  // one or more SQL statements
};

// The store's steps, oldest first.
std::span<const Migration> StoreMigrations();

// Brings the database on `conn` up to the last version in `steps` (ascending versions),
// recording each applied step with `now` (ns since the epoch) as applied_at. Safe against
// another process migrating the same file at the same time (every step re-checks the version
// under the write lock).
Status Migrate(Connection* conn, std::span<const Migration> steps, TimeNs now);

// The version recorded in the database (0 for a new one).
Result<int> SchemaVersion(Connection* conn);

}  // namespace btr::sqlite
