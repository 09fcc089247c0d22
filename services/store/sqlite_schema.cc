#include "services/store/sqlite_schema.h"

#include <string>

#include "services/store/store_common.h"

namespace btr::sqlite {
namespace {

constexpr char kOp[] = "schema migration";

// Version 1: jobs with their results, datasets, API keys.
//  - jobs.idempotency_key is NULL when none was given: NULLs never collide in UNIQUE, so only
//    real keys are unique per tenant. The UNIQUE constraint (not a check before the insert)
//    is what makes concurrent submits with one key yield one job.
//  - jobs_by_tenant* serve ListJobs (newest first by (created_at, id), optionally filtered by
//    status or engine) and CountActiveJobs; jobs_by_status serves RecoverJobs.
//  - Times are ns since the epoch, 0 meaning "not yet"; statuses and roles are their names.
constexpr char kV1[] = R"sql(
CREATE TABLE jobs (
  id               TEXT NOT NULL PRIMARY KEY,
  tenant           TEXT NOT NULL,
  status           TEXT NOT NULL
                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  progress         REAL NOT NULL DEFAULT 0,
  phase            TEXT NOT NULL DEFAULT '',
  spec_json        TEXT NOT NULL,
  spec_hash        TEXT NOT NULL,
  idempotency_key  TEXT,
  engine_requested TEXT NOT NULL,
  engine_used      TEXT NOT NULL DEFAULT '',
  fallbacks_json   TEXT NOT NULL DEFAULT '[]',
  error_code       TEXT NOT NULL DEFAULT '',
  error_message    TEXT NOT NULL DEFAULT '',
  attempt          INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  started_at       INTEGER NOT NULL DEFAULT 0,
  finished_at      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant, idempotency_key)
);
CREATE INDEX jobs_by_tenant ON jobs (tenant, created_at DESC, id DESC);
CREATE INDEX jobs_by_tenant_status ON jobs (tenant, status, created_at DESC, id DESC);
CREATE INDEX jobs_by_tenant_engine ON jobs (tenant, engine_requested, created_at DESC, id DESC);
CREATE INDEX jobs_by_status ON jobs (status, created_at, id);

CREATE TABLE job_results (
  job_id      TEXT NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  result_json TEXT NOT NULL,
  equity      BLOB NOT NULL
);

CREATE TABLE datasets (
  id         TEXT NOT NULL PRIMARY KEY,
  tenant     TEXT NOT NULL,
  name       TEXT NOT NULL,
  sha256     TEXT NOT NULL,
  path       TEXT NOT NULL,
  bars       INTEGER NOT NULL,
  bytes      INTEGER NOT NULL,
  first_time INTEGER NOT NULL,
  last_time  INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX datasets_by_tenant ON datasets (tenant, created_at DESC, id DESC);

CREATE TABLE api_keys (
  id          TEXT NOT NULL PRIMARY KEY,
  tenant      TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('user', 'admin')),
  secret_hash TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER NOT NULL DEFAULT 0
);
)sql";

// Version 2: engine comparisons (services/comparisons). A comparison's runs are jobs; the row
// keeps the request, the runs (with their job ids) and, once finished, the report.
//  - comparisons_by_status serves the resume after a restart (running ones, oldest first).
constexpr char kV2[] = R"sql(
CREATE TABLE comparisons (
  id           TEXT NOT NULL PRIMARY KEY,
  tenant       TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  request_json TEXT NOT NULL,
  runs_json    TEXT NOT NULL,
  report_json  TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  finished_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comparisons_by_tenant ON comparisons (tenant, created_at DESC, id DESC);
CREATE INDEX comparisons_by_status ON comparisons (status, created_at, id);
)sql";

// Version 3: a job's log (services/jobs: routing steps, reconciling, the engine's own lines).
//  - seq orders the lines of all jobs; a job's lines are read after a seq (paging, following).
constexpr char kV3[] = R"sql(
CREATE TABLE job_logs (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  time    INTEGER NOT NULL,
  level   TEXT NOT NULL,
  source  TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX job_logs_by_job ON job_logs (job_id, seq);
)sql";

// Version 4: claims (services/store/job_store.h) and priorities.
//  - epoch fences the writes of a claim's holder; lease_owner holds the job until
//    lease_expires_at (0 = unclaimed); priority orders dispatch (0 high, 1 normal, 2 low).
//  - jobs_dispatchable serves ListDispatchable (queued jobs by priority, oldest first).
constexpr char kV4[] = R"sql(
ALTER TABLE jobs ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
CREATE INDEX jobs_dispatchable ON jobs (status, priority, created_at, id);
)sql";

// Version 5: QuantConnect-style projects (services/store/project_store.h, the /api/v2 API).
//  - ids come from AUTOINCREMENT, so a deleted project's id is never given again;
//  - names are unique per tenant.
constexpr char kV5[] = R"sql(
CREATE TABLE projects (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant          TEXT NOT NULL,
  name            TEXT NOT NULL,
  language        TEXT NOT NULL,
  description     TEXT NOT NULL,
  files_json      TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  modified_at     INTEGER NOT NULL,
  UNIQUE (tenant, name)
);
)sql";

// Version 6: the names and notes a project's runs were given after creation
// (ProjectRecord::runs_json).
constexpr char kV6[] = R"sql(
ALTER TABLE projects ADD COLUMN runs_json TEXT NOT NULL DEFAULT '{}';
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1}, {2, kV2}, {3, kV3}, {4, kV4}, {5, kV5}, {6, kV6},
};

}  // namespace

std::span<const Migration> StoreMigrations() { return kMigrations; }

Result<int> SchemaVersion(Connection* conn) {
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                              conn->Prepare(kOp, "SELECT MAX(version) FROM schema_migrations"));
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  return row ? static_cast<int>(st.ColumnInt(0)) : 0;
}

Status Migrate(Connection* conn, std::span<const Migration> steps, TimeNs now) {
  BTR_RETURN_IF_ERROR(conn->Exec(kOp,
                                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
  const int latest = steps.empty() ? 0 : steps.back().version;
  for (;;) {
    Transaction txn(conn, kOp);
    BTR_RETURN_IF_ERROR(txn.Begin(Transaction::Mode::kImmediate));
    BTR_SQLITE_ASSIGN_OR_RETURN(const int current, SchemaVersion(conn));
    if (current > latest) {
      return store_common::NewerSchema(current, latest, "another data directory");
    }
    const Migration* next = nullptr;
    for (const Migration& step : steps) {
      if (step.version > current) {
        next = &step;
        break;
      }
    }
    if (next == nullptr) return txn.Commit();
    const std::string label = "schema migration to version " + std::to_string(next->version);
    BTR_RETURN_IF_ERROR(conn->Exec(kOp, next->sql).WithPrefix(label));
    {
      BTR_SQLITE_ASSIGN_OR_RETURN(
          Statement st,
          conn->Prepare(kOp, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
      st.Int(next->version).Int(now);
      BTR_RETURN_IF_ERROR(st.Run());
    }
    BTR_RETURN_IF_ERROR(txn.Commit());
  }
}

}  // namespace btr::sqlite
