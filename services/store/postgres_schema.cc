#include "services/store/postgres_schema.h"

#include <string>

#include "services/pg/pg_client.h"
#include "services/store/store_common.h"

namespace btr::pg_schema {
namespace {

// Version 1: the tables of SQLite's versions 1 to 4 (jobs with claims, results, logs,
// datasets, comparisons, API keys) and the dataset bytes.
//  - Ids are text in the "C" collation, so pages and ties are ordered bytewise, as in SQLite,
//    whatever the database's locale. Times are ns since the epoch (bigint), 0 = "not yet".
//  - jobs.idempotency_key is NULL when none was given: NULLs never collide in UNIQUE, so only
//    real keys are unique per tenant, and the constraint (INSERT ... ON CONFLICT) is what makes
//    concurrent submits with one key yield one job.
//  - jobs_by_tenant* serve ListJobs (newest first by (created_at, id), optionally filtered by
//    status or engine), CountActiveJobs and the dataset-in-use check; jobs_dispatchable serves
//    ListDispatchable and CountQueuedByEngine (queued) and RequeueExpired (running).
//  - job_results.equity (raw doubles) is stored uncompressed: it does not compress.
//  - job_logs.seq orders the lines of all jobs; a job's lines are read after a seq.
//  - dataset_contents holds one row per sha256 whose bytes are stored, dataset_chunks the
//    bytes in 4 MiB pieces; datasets refer to them by sha256 (shared by identical uploads).
constexpr char kV1[] = R"sql(
CREATE TABLE jobs (
  id               text COLLATE "C" NOT NULL PRIMARY KEY,
  tenant           text COLLATE "C" NOT NULL,
  status           text NOT NULL
                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  progress         double precision NOT NULL DEFAULT 0,
  phase            text NOT NULL DEFAULT '',
  spec_json        text NOT NULL,
  spec_hash        text NOT NULL,
  idempotency_key  text COLLATE "C",
  engine_requested text COLLATE "C" NOT NULL,
  engine_used      text NOT NULL DEFAULT '',
  fallbacks_json   text NOT NULL DEFAULT '[]',
  error_code       text NOT NULL DEFAULT '',
  error_message    text NOT NULL DEFAULT '',
  attempt          integer NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL,
  started_at       bigint NOT NULL DEFAULT 0,
  finished_at      bigint NOT NULL DEFAULT 0,
  epoch            bigint NOT NULL DEFAULT 0,
  lease_owner      text NOT NULL DEFAULT '',
  lease_expires_at bigint NOT NULL DEFAULT 0,
  priority         smallint NOT NULL DEFAULT 1,
  CONSTRAINT jobs_idempotency UNIQUE (tenant, idempotency_key)
);
CREATE INDEX jobs_by_tenant ON jobs (tenant, created_at DESC, id DESC);
CREATE INDEX jobs_by_tenant_status ON jobs (tenant, status, created_at DESC, id DESC);
CREATE INDEX jobs_by_tenant_engine ON jobs (tenant, engine_requested, created_at DESC, id DESC);
CREATE INDEX jobs_dispatchable ON jobs (status, priority, created_at, id);

CREATE TABLE job_results (
  job_id      text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  result_json text NOT NULL,
  equity      bytea NOT NULL
);
ALTER TABLE job_results ALTER COLUMN equity SET STORAGE EXTERNAL;

CREATE TABLE job_logs (
  seq     bigserial PRIMARY KEY,
  job_id  text COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  time    bigint NOT NULL,
  level   text NOT NULL,
  source  text NOT NULL,
  message text NOT NULL
);
CREATE INDEX job_logs_by_job ON job_logs (job_id, seq);

CREATE TABLE datasets (
  id         text COLLATE "C" NOT NULL PRIMARY KEY,
  tenant     text COLLATE "C" NOT NULL,
  name       text COLLATE "C" NOT NULL,
  sha256     text COLLATE "C" NOT NULL,
  path       text NOT NULL,
  bars       bigint NOT NULL,
  bytes      bigint NOT NULL,
  first_time bigint NOT NULL,
  last_time  bigint NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX datasets_by_tenant ON datasets (tenant, created_at DESC, id DESC);
CREATE INDEX datasets_by_content ON datasets (tenant, name, sha256);
CREATE INDEX datasets_by_sha256 ON datasets (sha256);

CREATE TABLE dataset_contents (
  sha256     text COLLATE "C" NOT NULL PRIMARY KEY,
  bytes      bigint NOT NULL,
  chunks     integer NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE dataset_chunks (
  sha256 text COLLATE "C" NOT NULL REFERENCES dataset_contents (sha256) ON DELETE CASCADE,
  chunk  integer NOT NULL,
  bytes  bytea NOT NULL,
  PRIMARY KEY (sha256, chunk)
);

CREATE TABLE comparisons (
  id           text COLLATE "C" NOT NULL PRIMARY KEY,
  tenant       text COLLATE "C" NOT NULL,
  status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  request_json text NOT NULL,
  runs_json    text NOT NULL,
  report_json  text NOT NULL DEFAULT '',
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL,
  finished_at  bigint NOT NULL DEFAULT 0
);
CREATE INDEX comparisons_by_tenant ON comparisons (tenant, created_at DESC, id DESC);
CREATE INDEX comparisons_by_status ON comparisons (status, created_at, id);

CREATE TABLE api_keys (
  id          text COLLATE "C" NOT NULL PRIMARY KEY,
  tenant      text COLLATE "C" NOT NULL,
  role        text NOT NULL CHECK (role IN ('user', 'admin')),
  secret_hash text NOT NULL,
  created_at  bigint NOT NULL,
  revoked_at  bigint NOT NULL DEFAULT 0
);
)sql";

// Version 2: QuantConnect-style projects (project_store.h, the /api/v2 API), as SQLite's
// version 5.
//  - ids come from an identity column, so a deleted project's id is never given again (ids are
//    increasing but not gapless: an insert refused for a taken name uses one up);
//  - names are unique per tenant: the constraint is what makes two concurrent creates (or a
//    rename racing a create) of one name yield one project.
constexpr char kV2[] = R"sql(
CREATE TABLE projects (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant          text COLLATE "C" NOT NULL,
  name            text NOT NULL,
  language        text NOT NULL,
  description     text NOT NULL,
  files_json      text NOT NULL,
  parameters_json text NOT NULL,
  created_at      bigint NOT NULL,
  modified_at     bigint NOT NULL,
  UNIQUE (tenant, name)
);
)sql";

// Version 3: the names and notes a project's runs were given after creation, as SQLite's
// version 6.
constexpr char kV3[] = R"sql(
ALTER TABLE projects ADD COLUMN runs_json text NOT NULL DEFAULT '{}';
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
    {3, kV3},
};

// The version recorded in schema_migrations, creating that table in an empty database. Runs
// inside the migration's transaction, after the advisory lock.
Result<int> CurrentVersion(PgConnection& conn) {
  Result<PgResult> exists = conn.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  if (!exists->GetBool(0, 0)) {
    BTR_RETURN_IF_ERROR(
        conn.ExecScript("CREATE TABLE schema_migrations (version integer PRIMARY KEY, "
                        "applied_at bigint NOT NULL)"));
    return 0;
  }
  Result<PgResult> max = conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!max.ok()) return max.status();
  return static_cast<int>(max->GetInt(0, 0));
}

}  // namespace

std::span<const Migration> StoreMigrations() { return kMigrations; }

Result<int> SchemaVersion(PgPool* pool) {
  Result<PgResult> max = pool->Exec(
      "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE "
      "(SELECT COALESCE(MAX(version), 0) FROM schema_migrations) END");
  if (!max.ok()) return max.status();
  return static_cast<int>(max->GetInt(0, 0));
}

Status Migrate(PgPool* pool, std::span<const Migration> steps, TimeNs now) {
  const int latest = steps.empty() ? 0 : steps.back().version;
  for (bool done = false; !done;) {
    const Status applied = pool->Transaction([&](PgConnection& conn) -> Status {
      Result<PgResult> locked =
          conn.Exec("SELECT pg_advisory_xact_lock($1)", {PgInt(kMigrationLockKey)});
      if (!locked.ok()) return locked.status();
      Result<int> current = CurrentVersion(conn);
      if (!current.ok()) return current.status();
      if (*current > latest) {
        return store_common::NewerSchema(*current, latest, "another database");
      }
      const Migration* next = nullptr;
      for (const Migration& step : steps) {
        if (step.version > *current) {
          next = &step;
          break;
        }
      }
      done = next == nullptr;
      if (done) return Status::Ok();
      const std::string label = "schema migration to version " + std::to_string(next->version);
      BTR_RETURN_IF_ERROR(conn.ExecScript(next->sql).WithPrefix(label));
      return conn
          .Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                {PgInt(next->version), PgInt(now)})
          .status();
    });
    BTR_RETURN_IF_ERROR(applied);
  }
  return Status::Ok();
}

}  // namespace btr::pg_schema
