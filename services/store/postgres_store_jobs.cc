// PostgresStore: the job records as the API sees them — create (with idempotency), read, page,
// cancel, delete, results and counts. Claims are in postgres_store_claims.cc.
#include <map>
#include <string>

#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace {

using pg_store::ReadJob;
using pg_store::ReadJobs;
using pg_store::Run;
using pg_store::SelectJob;
using pg_store::StoredText;
using store_common::CheckIds;

// A used idempotency key inserts nothing (and returns no row): the caller then reads the job
// that holds the key. A used id is a unique violation (AlreadyExists).
constexpr char kInsertJob[] =
    "INSERT INTO jobs (" BTR_STORE_JOB_COLUMNS
    ") VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
    "$17, $18, 0, '', 0, $19) ON CONFLICT ON CONSTRAINT jobs_idempotency DO NOTHING "
    "RETURNING " BTR_STORE_JOB_COLUMNS;

}  // namespace

Result<JobRecord> PostgresStore::CreateJob(const JobRecord& job) {
  constexpr std::string_view kOp = "CreateJob";
  BTR_RETURN_IF_ERROR(CheckIds(job.tenant, job.id));
  const std::string phase = job.phase.empty() ? "queued" : job.phase;
  const TimeNs updated_at = job.updated_at == 0 ? job.created_at : job.updated_at;
  Result<PgResult> inserted = Run(
      pool_.get(), kOp, kInsertJob,
      {StoredText(job.id), StoredText(job.tenant), PgDouble(job.progress), StoredText(phase),
       StoredText(job.spec_json), StoredText(job.spec_hash),
       job.idempotency_key.empty() ? PgNull() : StoredText(job.idempotency_key),
       StoredText(job.engine_requested), StoredText(job.engine_used),
       StoredText(job.fallbacks_json), StoredText(job.error_code), StoredText(job.error_message),
       PgInt(job.attempt), PgBool(job.cancel_requested), PgInt(job.created_at), PgInt(updated_at),
       PgInt(job.started_at), PgInt(job.finished_at), PgInt(job.priority)});
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return store_common::JobExists(job.id);
  }
  if (!inserted.ok()) return inserted.status();
  JobRecord row;
  if (inserted->rows() == 1) {
    BTR_RETURN_IF_ERROR(ReadJob(*inserted, 0, kOp, &row));
    return row;
  }
  // The key is used: the job that holds it (committed, since ON CONFLICT waited for it).
  Result<PgResult> existing =
      Run(pool_.get(), kOp,
          "SELECT " BTR_STORE_JOB_COLUMNS " FROM jobs WHERE tenant = $1 AND idempotency_key = $2",
          {StoredText(job.tenant), StoredText(job.idempotency_key)});
  if (!existing.ok()) return existing.status();
  if (existing->rows() == 0) {
    return Status::Internal("CreateJob: job " + pg_store::Quote(job.id) +
                            " was neither inserted nor found by its idempotency key");
  }
  BTR_RETURN_IF_ERROR(ReadJob(*existing, 0, kOp, &row));
  return row;
}

Result<JobRecord> PostgresStore::GetJob(std::string_view tenant, std::string_view id) {
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  return SelectJob(pool_.get(), "GetJob", tenant, id);
}

Result<JobPage> PostgresStore::ListJobs(const JobQuery& query) {
  constexpr std::string_view kOp = "ListJobs";
  Result<store_common::PageStart> start = store_common::StartJobPage(query);
  if (!start.ok()) return start.status();
  const size_t limit = start->limit;

  // One of eight statements (each prepared once per connection): filters and cursor optional.
  std::vector<PgParam> params = {StoredText(query.tenant)};
  std::string sql = "SELECT " BTR_STORE_JOB_COLUMNS " FROM jobs WHERE tenant = $1";
  const auto next = [&params](PgParam value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  if (query.status)
    sql += " AND status = " + next(PgText(std::string(JobStatusName(*query.status))));
  if (!query.engine.empty()) sql += " AND engine_requested = " + next(StoredText(query.engine));
  if (start->after_cursor) {
    const std::string created = next(PgInt(start->created_at));
    sql += " AND (created_at, id) < (" + created + "::bigint, " + next(StoredText(start->id)) + ")";
  }
  // One more row than the page tells whether a next page exists.
  sql += " ORDER BY created_at DESC, id DESC LIMIT " + next(PgInt(static_cast<int64_t>(limit) + 1));
  Result<PgResult> rows = Run(pool_.get(), kOp, sql, params);
  if (!rows.ok()) return rows.status();
  JobPage page;
  BTR_RETURN_IF_ERROR(ReadJobs(*rows, kOp, &page.jobs));
  if (page.jobs.size() > limit) {
    page.jobs.resize(limit);
    page.next_cursor = store_common::EncodeJobCursor(page.jobs.back());
  }
  return page;
}

Result<JobRecord> PostgresStore::CancelJob(std::string_view tenant, std::string_view id,
                                           TimeNs now) {
  constexpr std::string_view kOp = "CancelJob";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  // A queued job ends at once; a running one is asked to stop (its worker sees the flag).
  Result<PgResult> cancelled =
      Run(pool_.get(), kOp,
          "UPDATE jobs SET cancel_requested = true, updated_at = $3, "
          "status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END, "
          "phase = CASE WHEN status = 'queued' THEN 'cancelled' ELSE phase END, "
          "finished_at = CASE WHEN status = 'queued' THEN $3 ELSE finished_at END "
          "WHERE id = $1 AND tenant = $2 AND status IN ('queued', 'running') "
          "RETURNING " BTR_STORE_JOB_COLUMNS,
          {StoredText(id), StoredText(tenant), PgInt(now)});
  if (!cancelled.ok()) return cancelled.status();
  JobRecord job;
  if (cancelled->rows() == 1) {
    BTR_RETURN_IF_ERROR(ReadJob(*cancelled, 0, kOp, &job));
    return job;
  }
  Result<JobRecord> finished = SelectJob(pool_.get(), kOp, tenant, id);
  if (!finished.ok()) return finished.status();
  return store_common::AlreadyFinished(*finished);
}

Status PostgresStore::DeleteJob(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "DeleteJob";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  // The result and the log go with it (ON DELETE CASCADE).
  Result<PgResult> deleted = Run(pool_.get(), kOp,
                                 "DELETE FROM jobs WHERE id = $1 AND tenant = $2 "
                                 "AND status IN ('succeeded', 'failed', 'cancelled')",
                                 {StoredText(id), StoredText(tenant)});
  if (!deleted.ok()) return deleted.status();
  if (deleted->affected() == 1) return Status::Ok();
  Result<JobRecord> active = SelectJob(pool_.get(), kOp, tenant, id);
  if (!active.ok()) return active.status();
  return store_common::NotFinishedYet(*active);
}

Result<JobResult> PostgresStore::GetResult(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "GetResult";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  Result<PgResult> row = Run(pool_.get(), kOp,
                             "SELECT j.status, r.job_id IS NOT NULL, r.result_json, r.equity "
                             "FROM jobs j LEFT JOIN job_results r ON r.job_id = j.id "
                             "WHERE j.id = $1 AND j.tenant = $2",
                             {StoredText(id), StoredText(tenant)});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return store_common::JobNotFound(id);
  if (!row->GetBool(0, 1)) return store_common::NoResultYet(id, row->Get(0, 0));
  JobResult result;
  result.result_json = row->GetString(0, 2);
  result.equity = row->GetBytes(0, 3);
  return result;
}

Result<size_t> PostgresStore::CountActiveJobs(std::string_view tenant) {
  BTR_RETURN_IF_ERROR(store_common::RequireTenant(tenant));
  Result<PgResult> count = Run(pool_.get(), "CountActiveJobs",
                               "SELECT COUNT(*) FROM jobs WHERE tenant = $1 "
                               "AND status IN ('queued', 'running')",
                               {StoredText(tenant)});
  if (!count.ok()) return count.status();
  return static_cast<size_t>(count->GetInt(0, 0));
}

Result<std::map<std::string, size_t>> PostgresStore::CountQueuedByEngine() {
  Result<PgResult> rows = Run(pool_.get(), "CountQueuedByEngine",
                              "SELECT engine_requested, COUNT(*) FROM jobs "
                              "WHERE status = 'queued' GROUP BY engine_requested");
  if (!rows.ok()) return rows.status();
  std::map<std::string, size_t> counts;
  for (int r = 0; r < rows->rows(); ++r) {
    counts[rows->GetString(r, 0)] = static_cast<size_t>(rows->GetInt(r, 1));
  }
  return counts;
}

}  // namespace btr
