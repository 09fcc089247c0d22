// SqliteStore: the job methods (opening, datasets and API keys are in sqlite_store_catalog.cc).
#include "services/store/sqlite_store.h"

#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_store_jobs.h"

namespace btr {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;
using Mode = sqlite::Transaction::Mode;
using sqlite_jobs::CheckIds;
using sqlite_jobs::JobNotFound;
using sqlite_jobs::Quote;
using sqlite_jobs::ReadJob;
using sqlite_jobs::ReadJobs;
using sqlite_jobs::SelectJob;
using store_common::EncodeJobCursor;

}  // namespace

// --- jobs ---

Result<JobRecord> SqliteStore::CreateJob(const JobRecord& job) {
  constexpr std::string_view kOp = "CreateJob";
  BTR_RETURN_IF_ERROR(CheckIds(job.tenant, job.id));
  JobRecord row = job;
  row.status = JobStatus::kQueued;
  row.epoch = 0;
  row.lease_owner.clear();
  row.lease_expires_at = 0;
  if (row.phase.empty()) row.phase = "queued";
  if (row.updated_at == 0) row.updated_at = row.created_at;

  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    // The UNIQUE (tenant, idempotency_key) constraint decides: a used key inserts nothing.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(
            kOp, "INSERT INTO jobs (" BTR_STORE_JOB_COLUMNS
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (tenant, idempotency_key) DO NOTHING"));
    st.Text(row.id)
        .Text(row.tenant)
        .Text(JobStatusName(row.status))
        .Real(row.progress)
        .Text(row.phase)
        .Text(row.spec_json)
        .Text(row.spec_hash)
        .TextOrNull(row.idempotency_key)
        .Text(row.engine_requested)
        .Text(row.engine_used)
        .Text(row.fallbacks_json)
        .Text(row.error_code)
        .Text(row.error_message)
        .Int(row.attempt)
        .Int(row.cancel_requested ? 1 : 0)
        .Int(row.created_at)
        .Int(row.updated_at)
        .Int(row.started_at)
        .Int(row.finished_at)
        .Int(0)  // epoch: no claim yet
        .Text("")
        .Int(0)
        .Int(row.priority);
    const Status inserted = st.Run();
    if (inserted.code() == StatusCode::kAlreadyExists) return store_common::JobExists(row.id);
    BTR_RETURN_IF_ERROR(inserted);
  }
  if (writer_->Changes() == 0) {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp, "SELECT " BTR_STORE_JOB_COLUMNS
                                            " FROM jobs WHERE tenant = ? AND idempotency_key = ?"));
    st.Text(row.tenant).Text(row.idempotency_key);
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (!found) {
      return Status::Internal("CreateJob: job " + Quote(row.id) +
                              " was neither inserted nor found by its idempotency key");
    }
    BTR_RETURN_IF_ERROR(ReadJob(st, kOp, &row));
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return row;
}

Result<JobRecord> SqliteStore::GetJob(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "GetJob";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::lock_guard lock(reader()->mu());
  return SelectJob(reader(), kOp, tenant, id);
}

Result<JobPage> SqliteStore::ListJobs(const JobQuery& query) {
  constexpr std::string_view kOp = "ListJobs";
  Result<store_common::PageStart> start = store_common::StartJobPage(query);
  if (!start.ok()) return start.status();
  const bool paged = start->after_cursor;
  const size_t limit = start->limit;

  // One of eight statements (each cached): the filters and the cursor are optional.
  std::string sql = "SELECT " BTR_STORE_JOB_COLUMNS " FROM jobs WHERE tenant = ?";
  if (query.status) sql += " AND status = ?";
  if (!query.engine.empty()) sql += " AND engine_requested = ?";
  if (paged) sql += " AND (created_at, id) < (?, ?)";
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?";

  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, reader()->Prepare(kOp, sql));
  st.Text(query.tenant);
  if (query.status) st.Text(JobStatusName(*query.status));
  if (!query.engine.empty()) st.Text(query.engine);
  if (paged) st.Int(start->created_at).Text(start->id);
  st.Int(static_cast<int64_t>(limit) + 1);  // one more row tells whether a next page exists
  JobPage page;
  BTR_RETURN_IF_ERROR(ReadJobs(&st, kOp, &page.jobs));
  if (page.jobs.size() > limit) {
    page.jobs.resize(limit);
    page.next_cursor = EncodeJobCursor(page.jobs.back());
  }
  return page;
}

Result<JobRecord> SqliteStore::CancelJob(std::string_view tenant, std::string_view id, TimeNs now) {
  constexpr std::string_view kOp = "CancelJob";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, tenant, id));
  if (IsTerminal(job.status)) {
    return store_common::AlreadyFinished(job);
  }
  job.cancel_requested = true;
  job.updated_at = now;
  if (job.status == JobStatus::kQueued) {
    job.status = JobStatus::kCancelled;
    job.phase = "cancelled";
    job.finished_at = now;
  }
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET status = ?, phase = ?, cancel_requested = 1, "
                         "finished_at = ?, updated_at = ? WHERE id = ?"));
    st.Text(JobStatusName(job.status)).Text(job.phase).Int(job.finished_at).Int(now).Text(id);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return job;
}

Status SqliteStore::DeleteJob(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "DeleteJob";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, tenant, id));
  if (!IsTerminal(job.status)) {
    return store_common::NotFinishedYet(job);
  }
  {
    // The result row goes with it (ON DELETE CASCADE).
    BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                                writer_->Prepare(kOp, "DELETE FROM jobs WHERE id = ?"));
    st.Text(id);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  return txn.Commit();
}

Result<JobResult> SqliteStore::GetResult(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "GetResult";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st,
      reader()->Prepare(kOp,
                        "SELECT j.status, r.job_id IS NOT NULL, r.result_json, r.equity "
                        "FROM jobs j LEFT JOIN job_results r ON r.job_id = j.id "
                        "WHERE j.id = ? AND j.tenant = ?"));
  st.Text(id).Text(tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return JobNotFound(id);
  if (st.ColumnInt(1) == 0) {
    return store_common::NoResultYet(id, st.ColumnText(0));
  }
  JobResult result;
  result.result_json = st.ColumnText(2);
  result.equity = st.ColumnBlob(3);
  return result;
}

Result<size_t> SqliteStore::CountActiveJobs(std::string_view tenant) {
  constexpr std::string_view kOp = "CountActiveJobs";
  BTR_RETURN_IF_ERROR(store_common::RequireTenant(tenant));
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                              reader()->Prepare(kOp,
                                                "SELECT COUNT(*) FROM jobs WHERE tenant = ? "
                                                "AND status IN ('queued', 'running')"));
  st.Text(tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  return row ? static_cast<size_t>(st.ColumnInt(0)) : size_t{0};
}

Result<std::map<std::string, size_t>> SqliteStore::CountQueuedByEngine() {
  constexpr std::string_view kOp = "CountQueuedByEngine";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, reader()->Prepare(kOp,
                                      "SELECT engine_requested, COUNT(*) FROM jobs "
                                      "WHERE status = 'queued' GROUP BY engine_requested"));
  std::map<std::string, size_t> counts;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    counts[st.ColumnText(0)] = static_cast<size_t>(st.ColumnInt(1));
  }
  return counts;
}

}  // namespace btr
