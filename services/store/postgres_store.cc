// PostgresStore: opening, and the helpers its files share (postgres_store_internal.h).
#include "services/store/postgres_store.h"

#include <string>
#include <utility>

#include "engines/core/clock.h"
#include "engines/core/utf8.h"
#include "services/pg/pg_client.h"
#include "services/store/postgres_schema.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace pg_store {

std::string StorableText(std::string_view text) {
  if (IsValidUtf8(text) && text.find('\0') == std::string_view::npos) return std::string(text);
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size() + 8);
  while (!text.empty()) {
    size_t length = Utf8CharLength(text);
    if (length == 0 || text.front() == '\0') {
      out += kReplacement;
      length = 1;
    } else {
      out.append(text.substr(0, length));
    }
    text.remove_prefix(length);
  }
  return out;
}

Status Failure(std::string_view op, const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return status;
    case StatusCode::kUnavailable:
      return Status::Unavailable("the database is unavailable (" + std::string(op) +
                                 "): " + status.message());
    case StatusCode::kAlreadyExists:
      return Status::AlreadyExists(std::string(op) + ": " + status.message());
    default:
      return Status::Internal(std::string(op) + ": " + status.message());
  }
}

Result<PgResult> Run(PgConnection& conn, std::string_view op, std::string_view sql,
                     const std::vector<PgParam>& params) {
  Result<PgResult> result = conn.ExecPrepared(sql, params);
  if (!result.ok()) return Failure(op, result.status());
  return result;
}

Result<PgResult> Run(PgPool* pool, std::string_view op, std::string_view sql,
                     const std::vector<PgParam>& params) {
  Result<PgPool::Lease> lease = pool->Acquire();
  if (!lease.ok()) return Failure(op, lease.status());
  return Run(**lease, op, sql, params);
}

Status ReadJob(const PgResult& r, int row, std::string_view op, JobRecord* job) {
  job->id = r.GetString(row, 0);
  job->tenant = r.GetString(row, 1);
  const std::string_view status = r.Get(row, 2);
  const std::optional<JobStatus> parsed = ParseJobStatus(status);
  if (!parsed) {
    return Status::Internal(std::string(op) + ": job " + Quote(job->id) + " has unknown status " +
                            Quote(status));
  }
  job->status = *parsed;
  job->progress = r.GetDouble(row, 3);
  job->phase = r.GetString(row, 4);
  job->spec_json = r.GetString(row, 5);
  job->spec_hash = r.GetString(row, 6);
  job->idempotency_key = r.GetString(row, 7);  // "" for NULL
  job->engine_requested = r.GetString(row, 8);
  job->engine_used = r.GetString(row, 9);
  job->fallbacks_json = r.GetString(row, 10);
  job->error_code = r.GetString(row, 11);
  job->error_message = r.GetString(row, 12);
  job->attempt = static_cast<int>(r.GetInt(row, 13));
  job->cancel_requested = r.GetBool(row, 14);
  job->created_at = r.GetInt(row, 15);
  job->updated_at = r.GetInt(row, 16);
  job->started_at = r.GetInt(row, 17);
  job->finished_at = r.GetInt(row, 18);
  job->epoch = r.GetInt(row, 19);
  job->lease_owner = r.GetString(row, 20);
  job->lease_expires_at = r.GetInt(row, 21);
  job->priority = static_cast<int>(r.GetInt(row, 22));
  return Status::Ok();
}

Status ReadJobs(const PgResult& result, std::string_view op, std::vector<JobRecord>* jobs) {
  for (int row = 0; row < result.rows(); ++row) {
    BTR_RETURN_IF_ERROR(ReadJob(result, row, op, &jobs->emplace_back()));
  }
  return Status::Ok();
}

Result<JobRecord> SelectJob(PgPool* pool, std::string_view op,
                            std::optional<std::string_view> tenant, std::string_view id) {
  Result<PgResult> found =
      tenant ? Run(pool, op,
                   "SELECT " BTR_STORE_JOB_COLUMNS " FROM jobs WHERE id = $1 AND tenant = $2",
                   {StoredText(id), StoredText(*tenant)})
             : Run(pool, op, "SELECT " BTR_STORE_JOB_COLUMNS " FROM jobs WHERE id = $1",
                   {StoredText(id)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return store_common::JobNotFound(id);
  JobRecord job;
  BTR_RETURN_IF_ERROR(ReadJob(*found, 0, op, &job));
  return job;
}

}  // namespace pg_store

PostgresStore::PostgresStore(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

PostgresStore::~PostgresStore() = default;

int PostgresStore::SchemaVersion() { return pg_schema::StoreMigrations().back().version; }

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url,
                                                           PostgresStoreOptions options) {
  if (url.empty()) return Status::InvalidArgument("url: a PostgreSQL URL is needed, got none");
  auto pool = std::make_unique<PgPool>(url, options.pool_size, options.connect_timeout);
  const std::string where = "PostgreSQL store at " + RedactedPgUrl(url);
  Status migrated =
      pg_schema::Migrate(pool.get(), pg_schema::StoreMigrations(), SystemClock().Now());
  if (!migrated.ok()) {
    // Keep the code (Unavailable, FailedPrecondition, Internal); say which database.
    return Status(migrated.code(), "cannot open the " + where + ": " + migrated.message());
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool)));
}

}  // namespace btr
