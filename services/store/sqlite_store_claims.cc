// SqliteStore: claims and the writes of a claim's holder (job_store.h), recovery and dispatch.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_store.h"
#include "services/store/sqlite_store_jobs.h"
#include "services/store/store_common.h"

namespace btr {
namespace {

using sqlite::Statement;
using sqlite::Transaction;
using sqlite_jobs::ReadJobs;
using sqlite_jobs::SelectJob;
using Mode = sqlite::Transaction::Mode;
using store_common::RequireId;

// Claims, leases, starts, routing and progress are not synced to disk on their own: after a
// machine crash, a job whose lost write was one of these reverts to an earlier state that
// recovery redoes (sqlite_store.h). A finish is synced, and syncs them with it.
constexpr sqlite::Transaction::Durability kRedoable = sqlite::Transaction::Durability::kRelaxed;

// Why a write under the claim `epoch` did not apply to job `id` (read in the same transaction).
Status ClaimRefused(sqlite::Connection* conn, std::string_view op, std::string_view id,
                    int64_t epoch, std::string_view needs) {
  Result<JobRecord> job = SelectJob(conn, op, std::nullopt, id);
  if (!job.ok()) return job.status();
  return store_common::ClaimRefused(*job, epoch, needs);
}

}  // namespace

Result<JobRecord> SqliteStore::ClaimJob(std::string_view id, std::string_view owner,
                                        TimeNs lease_until, TimeNs now) {
  constexpr std::string_view kOp = "ClaimJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate, kRedoable));
  {
    // An interrupted run whose cancel was requested ends cancelled instead of running again.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET status = 'cancelled', phase = 'cancelled', "
                         "finished_at = ?, updated_at = ?, lease_owner = '', lease_expires_at = 0 "
                         "WHERE id = ? AND status = 'running' AND lease_expires_at <= ? "
                         "AND cancel_requested = 1"));
    st.Int(now).Int(now).Text(id).Int(now);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(
            kOp,
            "UPDATE jobs SET epoch = epoch + 1, lease_owner = ?, lease_expires_at = ?, "
            "phase = CASE WHEN status = 'running' THEN 'queued' ELSE phase END, "
            "progress = CASE WHEN status = 'running' THEN 0 ELSE progress END, "
            "updated_at = CASE WHEN status = 'running' THEN ? ELSE updated_at END, "
            "status = 'queued' "
            "WHERE id = ? AND status IN ('queued', 'running') AND lease_expires_at <= ?"));
    st.Text(owner).Int(lease_until).Int(now).Text(id).Int(now);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  const bool claimed = writer_->Changes() > 0;
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, std::nullopt, id));
  BTR_RETURN_IF_ERROR(txn.Commit());
  if (!claimed) return store_common::NotClaimable(job);
  return job;
}

Result<bool> SqliteStore::RenewLease(std::string_view id, int64_t epoch, TimeNs lease_until,
                                     TimeNs now) {
  constexpr std::string_view kOp = "RenewLease";
  BTR_RETURN_IF_ERROR(RequireId(id));
  (void)now;
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate, kRedoable));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp,
                                       "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND "
                                       "epoch = ? AND status IN ('queued', 'running')"));
    st.Int(lease_until).Text(id).Int(epoch);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) return ClaimRefused(writer_.get(), kOp, id, epoch, "active");
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, std::nullopt, id));
  BTR_RETURN_IF_ERROR(txn.Commit());
  return job.cancel_requested;
}

Status SqliteStore::ReleaseJob(std::string_view id, int64_t epoch, TimeNs now) {
  constexpr std::string_view kOp = "ReleaseJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  (void)now;
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate, kRedoable));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp,
                                       "UPDATE jobs SET lease_owner = '', lease_expires_at = 0 "
                                       "WHERE id = ? AND epoch = ? "
                                       "AND status IN ('queued', 'running')"));
    st.Text(id).Int(epoch);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) return ClaimRefused(writer_.get(), kOp, id, epoch, "active");
  return txn.Commit();
}

Result<JobRecord> SqliteStore::StartJob(std::string_view id, int64_t epoch,
                                        std::string_view engine_used, TimeNs now) {
  constexpr std::string_view kOp = "StartJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate, kRedoable));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET status = 'running', attempt = attempt + 1, "
                         "engine_used = ?, phase = 'running', started_at = ?, updated_at = ? "
                         "WHERE id = ? AND epoch = ? AND status = 'queued'"));
    st.Text(engine_used).Int(now).Int(now).Text(id).Int(epoch);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) return ClaimRefused(writer_.get(), kOp, id, epoch, "queued");
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, std::nullopt, id));
  BTR_RETURN_IF_ERROR(txn.Commit());
  return job;
}

Status SqliteStore::SetJobRouting(std::string_view id, int64_t epoch, std::string_view engine_used,
                                  std::string_view fallbacks_json, TimeNs now) {
  constexpr std::string_view kOp = "SetJobRouting";
  BTR_RETURN_IF_ERROR(RequireId(id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate, kRedoable));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET engine_used = ?, fallbacks_json = ?, updated_at = ? "
                         "WHERE id = ? AND status = 'running' AND epoch = ?"));
    st.Text(engine_used).Text(fallbacks_json).Int(now).Text(id).Int(epoch);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) return ClaimRefused(writer_.get(), kOp, id, epoch, "running");
  return txn.Commit();
}

Status SqliteStore::UpdateProgress(std::string_view id, int64_t epoch, double progress,
                                   std::string_view phase, TimeNs now) {
  constexpr std::string_view kOp = "UpdateProgress";
  BTR_RETURN_IF_ERROR(RequireId(id));
  progress = std::isnan(progress) ? 0.0 : std::clamp(progress, 0.0, 1.0);
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate, kRedoable));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET progress = ?, phase = COALESCE(NULLIF(?, ''), phase), "
                         "updated_at = ? WHERE id = ? AND status = 'running' AND epoch = ?"));
    st.Real(progress).Text(phase).Int(now).Text(id).Int(epoch);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) return ClaimRefused(writer_.get(), kOp, id, epoch, "running");
  return txn.Commit();
}

Status SqliteStore::FinishJob(std::string_view id, int64_t epoch, JobStatus status,
                              const JobResult& result, std::string_view error_code,
                              std::string_view error_message, TimeNs now) {
  constexpr std::string_view kOp = "FinishJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  if (!IsTerminal(status)) return store_common::NotFinalStatus(status);
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(
            kOp,
            // A cancel accepted while the job ran wins over a late success.
            "UPDATE jobs SET "
            "status = CASE WHEN ? AND cancel_requested THEN 'cancelled' ELSE ? END, "
            "phase = CASE WHEN ? AND cancel_requested THEN 'cancelled' ELSE ? END, "
            "progress = CASE WHEN ? AND NOT cancel_requested THEN 1.0 "
            "ELSE progress END, "
            "error_code = CASE WHEN ? AND cancel_requested THEN 'cancelled' ELSE ? END, "
            "error_message = CASE WHEN ? AND cancel_requested "
            "THEN 'cancelled while running' ELSE ? END, "
            "finished_at = ?, updated_at = ?, lease_owner = '', lease_expires_at = 0 "
            "WHERE id = ? AND status = 'running' AND epoch = ?"));
    const int succeeded = status == JobStatus::kSucceeded ? 1 : 0;
    st.Int(succeeded)
        .Text(JobStatusName(status))
        .Int(succeeded)
        .Text(JobStatusName(status))
        .Int(succeeded)
        .Int(succeeded)
        .Text(error_code)
        .Int(succeeded)
        .Text(error_message)
        .Int(now)
        .Int(now)
        .Text(id)
        .Int(epoch);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) return ClaimRefused(writer_.get(), kOp, id, epoch, "running");
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord finished, SelectJob(writer_.get(), kOp, std::nullopt, id));
  const bool kept = finished.status == status;  // false: a success turned into a cancel
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "INSERT INTO job_results (job_id, result_json, equity) VALUES (?, ?, ?)"));
    st.Text(id)
        .Text(kept ? result.result_json : std::string())
        .Blob(kept ? result.equity : std::string());
    BTR_RETURN_IF_ERROR(st.Run());
  }
  return txn.Commit();
}

Result<std::vector<JobRecord>> SqliteStore::RecoverJobs(TimeNs now) {
  constexpr std::string_view kOp = "RecoverJobs";
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    // The user asked to stop these before the restart: honour it instead of running again.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp,
                                       "UPDATE jobs SET status = 'cancelled', phase = 'cancelled', "
                                       "finished_at = ?, updated_at = ? "
                                       "WHERE status = 'running' AND cancel_requested = 1"));
    st.Int(now).Int(now);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  {
    // The attempt and engine are kept, so the interrupted run can be asked about.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp,
                                       "UPDATE jobs SET status = 'queued', phase = 'queued', "
                                       "progress = 0, updated_at = ? WHERE status = 'running'"));
    st.Int(now);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  BTR_RETURN_IF_ERROR(writer_->Exec(
      kOp, "UPDATE jobs SET lease_owner = '', lease_expires_at = 0 WHERE lease_expires_at != 0"));
  std::vector<JobRecord> jobs;
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp, "SELECT " BTR_STORE_JOB_COLUMNS " FROM jobs WHERE status = 'queued' "
                              "ORDER BY created_at, id"));
    BTR_RETURN_IF_ERROR(ReadJobs(&st, kOp, &jobs));
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return jobs;
}

Result<size_t> SqliteStore::RequeueExpired(TimeNs now) {
  constexpr std::string_view kOp = "RequeueExpired";
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  int64_t changed = 0;
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET status = 'cancelled', phase = 'cancelled', "
                         "finished_at = ?, updated_at = ?, lease_owner = '', lease_expires_at = 0 "
                         "WHERE status = 'running' AND lease_expires_at <= ? "
                         "AND cancel_requested = 1"));
    st.Int(now).Int(now).Int(now);
    BTR_RETURN_IF_ERROR(st.Run());
    changed += writer_->Changes();
  }
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET status = 'queued', phase = 'queued', progress = 0, "
                         "updated_at = ?, lease_owner = '', lease_expires_at = 0 "
                         "WHERE status = 'running' AND lease_expires_at <= ?"));
    st.Int(now).Int(now);
    BTR_RETURN_IF_ERROR(st.Run());
    changed += writer_->Changes();
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return static_cast<size_t>(changed);
}

Result<std::vector<DispatchableJob>> SqliteStore::ListDispatchable(TimeNs created_before,
                                                                   TimeNs now, size_t limit) {
  constexpr std::string_view kOp = "ListDispatchable";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st,
      reader()->Prepare(kOp,
                        "SELECT id, tenant, engine_requested, priority FROM jobs "
                        "WHERE status = 'queued' AND lease_expires_at <= ? AND created_at < ? "
                        "ORDER BY priority, created_at, id LIMIT ?"));
  st.Int(now).Int(created_before).Int(static_cast<int64_t>(std::max<size_t>(1, limit)));
  std::vector<DispatchableJob> jobs;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    jobs.push_back(
        {st.ColumnText(0), st.ColumnText(1), st.ColumnText(2), static_cast<int>(st.ColumnInt(3))});
  }
  return jobs;
}

}  // namespace btr
