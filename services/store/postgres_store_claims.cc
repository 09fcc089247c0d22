// PostgresStore: claims and the writes of a claim's holder (job_store.h), recovery and dispatch.
// Each claim and each write under a claim is one conditional UPDATE on the job's row: PostgreSQL
// locks the row, and a racing UPDATE re-checks its WHERE against the row as the winner left it,
// so of many processes claiming a job exactly one gets it, and a write under a lost claim
// changes nothing. Only when nothing changed is the row read again, to say why.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
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
using store_common::RequireId;

// Why a write under the claim `epoch` changed nothing.
Status ClaimRefused(PgPool* pool, std::string_view op, std::string_view id, int64_t epoch,
                    std::string_view needs) {
  Result<JobRecord> job = SelectJob(pool, op, std::nullopt, id);
  if (!job.ok()) return job.status();
  return store_common::ClaimRefused(*job, epoch, needs);
}

// A job no live lease holds: a queued one is claimed as it is; a running one is an interrupted
// run and goes back to queued (engine_used and attempt kept), unless its cancel was requested:
// then it ends cancelled instead of running again, and the claim fails.
constexpr char kClaim[] =
    "UPDATE jobs SET "
    "status = CASE WHEN status = 'running' AND cancel_requested THEN 'cancelled' "
    "ELSE 'queued' END, "
    "phase = CASE WHEN status = 'running' AND cancel_requested THEN 'cancelled' "
    "WHEN status = 'running' THEN 'queued' ELSE phase END, "
    "progress = CASE WHEN status = 'running' AND NOT cancel_requested THEN 0 ELSE progress END, "
    "finished_at = CASE WHEN status = 'running' AND cancel_requested THEN $4 "
    "ELSE finished_at END, "
    "updated_at = CASE WHEN status = 'running' THEN $4 ELSE updated_at END, "
    "epoch = CASE WHEN status = 'running' AND cancel_requested THEN epoch ELSE epoch + 1 END, "
    "lease_owner = CASE WHEN status = 'running' AND cancel_requested THEN '' ELSE $2 END, "
    "lease_expires_at = CASE WHEN status = 'running' AND cancel_requested THEN 0 "
    "ELSE $3::bigint END "
    "WHERE id = $1 AND status IN ('queued', 'running') AND lease_expires_at <= $4 "
    "RETURNING " BTR_STORE_JOB_COLUMNS;

// running -> terminal and the result row, in one statement. A cancel accepted while the job
// ran wins over a late success: the job ends cancelled and its result row stays empty.
constexpr char kFinish[] =
    "WITH finished AS ("
    "UPDATE jobs SET "
    "status = CASE WHEN $3 AND cancel_requested THEN 'cancelled' ELSE $4 END, "
    "phase = CASE WHEN $3 AND cancel_requested THEN 'cancelled' ELSE $4 END, "
    "progress = CASE WHEN $3 AND NOT cancel_requested THEN 1.0 ELSE progress END, "
    "error_code = CASE WHEN $3 AND cancel_requested THEN 'cancelled' ELSE $5 END, "
    "error_message = CASE WHEN $3 AND cancel_requested THEN 'cancelled while running' "
    "ELSE $6 END, "
    "finished_at = $7, updated_at = $7, lease_owner = '', lease_expires_at = 0 "
    "WHERE id = $1 AND status = 'running' AND epoch = $2 "
    "RETURNING id, status) "
    "INSERT INTO job_results (job_id, result_json, equity) "
    "SELECT id, CASE WHEN status = $4 THEN $8::text ELSE '' END, "
    "CASE WHEN status = $4 THEN $9::bytea ELSE ''::bytea END FROM finished "
    "RETURNING job_id";

}  // namespace

Result<JobRecord> PostgresStore::ClaimJob(std::string_view id, std::string_view owner,
                                          TimeNs lease_until, TimeNs now) {
  constexpr std::string_view kOp = "ClaimJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  Result<PgResult> claimed =
      Run(pool_.get(), kOp, kClaim,
          {StoredText(id), StoredText(owner), PgInt(lease_until), PgInt(now)});
  if (!claimed.ok()) return claimed.status();
  JobRecord job;
  if (claimed->rows() == 1) {
    BTR_RETURN_IF_ERROR(ReadJob(*claimed, 0, kOp, &job));
    if (job.status == JobStatus::kQueued) return job;
    return store_common::NotClaimable(job);  // an interrupted run whose cancel was requested
  }
  Result<JobRecord> held = SelectJob(pool_.get(), kOp, std::nullopt, id);
  if (!held.ok()) return held.status();
  return store_common::NotClaimable(*held);
}

Result<bool> PostgresStore::RenewLease(std::string_view id, int64_t epoch, TimeNs lease_until,
                                       TimeNs now) {
  constexpr std::string_view kOp = "RenewLease";
  BTR_RETURN_IF_ERROR(RequireId(id));
  (void)now;
  Result<PgResult> renewed = Run(pool_.get(), kOp,
                                 "UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND "
                                 "epoch = $2 AND status IN ('queued', 'running') "
                                 "RETURNING cancel_requested",
                                 {StoredText(id), PgInt(epoch), PgInt(lease_until)});
  if (!renewed.ok()) return renewed.status();
  if (renewed->rows() == 0) return ClaimRefused(pool_.get(), kOp, id, epoch, "active");
  return renewed->GetBool(0, 0);
}

Status PostgresStore::ReleaseJob(std::string_view id, int64_t epoch, TimeNs now) {
  constexpr std::string_view kOp = "ReleaseJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  (void)now;
  Result<PgResult> released = Run(pool_.get(), kOp,
                                  "UPDATE jobs SET lease_owner = '', lease_expires_at = 0 "
                                  "WHERE id = $1 AND epoch = $2 "
                                  "AND status IN ('queued', 'running')",
                                  {StoredText(id), PgInt(epoch)});
  if (!released.ok()) return released.status();
  if (released->affected() == 0) return ClaimRefused(pool_.get(), kOp, id, epoch, "active");
  return Status::Ok();
}

Result<JobRecord> PostgresStore::StartJob(std::string_view id, int64_t epoch,
                                          std::string_view engine_used, TimeNs now) {
  constexpr std::string_view kOp = "StartJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  Result<PgResult> started =
      Run(pool_.get(), kOp,
          "UPDATE jobs SET status = 'running', attempt = attempt + 1, engine_used = $3, "
          "phase = 'running', started_at = $4, updated_at = $4 "
          "WHERE id = $1 AND epoch = $2 AND status = 'queued' RETURNING " BTR_STORE_JOB_COLUMNS,
          {StoredText(id), PgInt(epoch), StoredText(engine_used), PgInt(now)});
  if (!started.ok()) return started.status();
  if (started->rows() == 0) return ClaimRefused(pool_.get(), kOp, id, epoch, "queued");
  JobRecord job;
  BTR_RETURN_IF_ERROR(ReadJob(*started, 0, kOp, &job));
  return job;
}

Status PostgresStore::SetJobRouting(std::string_view id, int64_t epoch,
                                    std::string_view engine_used, std::string_view fallbacks_json,
                                    TimeNs now) {
  constexpr std::string_view kOp = "SetJobRouting";
  BTR_RETURN_IF_ERROR(RequireId(id));
  Result<PgResult> routed =
      Run(pool_.get(), kOp,
          "UPDATE jobs SET engine_used = $3, fallbacks_json = $4, updated_at = $5 "
          "WHERE id = $1 AND status = 'running' AND epoch = $2",
          {StoredText(id), PgInt(epoch), StoredText(engine_used), StoredText(fallbacks_json),
           PgInt(now)});
  if (!routed.ok()) return routed.status();
  if (routed->affected() == 0) return ClaimRefused(pool_.get(), kOp, id, epoch, "running");
  return Status::Ok();
}

Status PostgresStore::UpdateProgress(std::string_view id, int64_t epoch, double progress,
                                     std::string_view phase, TimeNs now) {
  constexpr std::string_view kOp = "UpdateProgress";
  BTR_RETURN_IF_ERROR(RequireId(id));
  progress = std::isnan(progress) ? 0.0 : std::clamp(progress, 0.0, 1.0);
  Result<PgResult> updated =
      Run(pool_.get(), kOp,
          "UPDATE jobs SET progress = $3, phase = COALESCE(NULLIF($4, ''), phase), "
          "updated_at = $5 WHERE id = $1 AND status = 'running' AND epoch = $2",
          {StoredText(id), PgInt(epoch), PgDouble(progress), StoredText(phase), PgInt(now)});
  if (!updated.ok()) return updated.status();
  if (updated->affected() == 0) return ClaimRefused(pool_.get(), kOp, id, epoch, "running");
  return Status::Ok();
}

Status PostgresStore::FinishJob(std::string_view id, int64_t epoch, JobStatus status,
                                const JobResult& result, std::string_view error_code,
                                std::string_view error_message, TimeNs now) {
  constexpr std::string_view kOp = "FinishJob";
  BTR_RETURN_IF_ERROR(RequireId(id));
  if (!IsTerminal(status)) return store_common::NotFinalStatus(status);
  Result<PgResult> finished =
      Run(pool_.get(), kOp, kFinish,
          {StoredText(id), PgInt(epoch), PgBool(status == JobStatus::kSucceeded),
           PgText(std::string(JobStatusName(status))), StoredText(error_code),
           StoredText(error_message), PgInt(now), StoredText(result.result_json),
           PgBytes(result.equity)});
  if (!finished.ok()) return finished.status();
  if (finished->rows() == 0) return ClaimRefused(pool_.get(), kOp, id, epoch, "running");
  return Status::Ok();
}

Result<std::vector<JobRecord>> PostgresStore::RecoverJobs(TimeNs now) {
  constexpr std::string_view kOp = "RecoverJobs";
  PgResult queued;
  Status recovered = pool_->Transaction([&](PgConnection& conn) -> Status {
    // Every claim is void. Running jobs whose cancel was requested before the restart end
    // cancelled; the others go back to queued, keeping attempt and engine so that the
    // interrupted run can be asked about.
    Result<PgResult> reset = conn.ExecPrepared(
        "UPDATE jobs SET "
        "status = CASE WHEN status <> 'running' THEN status "
        "WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END, "
        "phase = CASE WHEN status <> 'running' THEN phase "
        "WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END, "
        "progress = CASE WHEN status = 'running' AND NOT cancel_requested THEN 0 "
        "ELSE progress END, "
        "finished_at = CASE WHEN status = 'running' AND cancel_requested THEN $1 "
        "ELSE finished_at END, "
        "updated_at = CASE WHEN status = 'running' THEN $1 ELSE updated_at END, "
        "lease_owner = '', lease_expires_at = 0 "
        "WHERE status = 'running' OR lease_expires_at <> 0",
        {PgInt(now)});
    if (!reset.ok()) return reset.status();
    Result<PgResult> rows = conn.ExecPrepared("SELECT " BTR_STORE_JOB_COLUMNS
                                              " FROM jobs WHERE status = 'queued' "
                                              "ORDER BY created_at, id");
    if (!rows.ok()) return rows.status();
    queued = std::move(rows).value();
    return Status::Ok();
  });
  if (!recovered.ok()) return pg_store::Failure(kOp, recovered);
  std::vector<JobRecord> jobs;
  BTR_RETURN_IF_ERROR(ReadJobs(queued, kOp, &jobs));
  return jobs;
}

Result<size_t> PostgresStore::RequeueExpired(TimeNs now) {
  Result<PgResult> requeued =
      Run(pool_.get(), "RequeueExpired",
          "UPDATE jobs SET "
          "status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END, "
          "phase = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END, "
          "progress = CASE WHEN cancel_requested THEN progress ELSE 0 END, "
          "finished_at = CASE WHEN cancel_requested THEN $1 ELSE finished_at END, "
          "updated_at = $1, lease_owner = '', lease_expires_at = 0 "
          "WHERE status = 'running' AND lease_expires_at <= $1",
          {PgInt(now)});
  if (!requeued.ok()) return requeued.status();
  return static_cast<size_t>(requeued->affected());
}

Result<std::vector<DispatchableJob>> PostgresStore::ListDispatchable(TimeNs created_before,
                                                                     TimeNs now, size_t limit) {
  Result<PgResult> rows =
      Run(pool_.get(), "ListDispatchable",
          "SELECT id, tenant, engine_requested, priority FROM jobs "
          "WHERE status = 'queued' AND lease_expires_at <= $1 AND created_at < $2 "
          "ORDER BY priority, created_at, id LIMIT $3",
          {PgInt(now), PgInt(created_before),
           PgInt(static_cast<int64_t>(
               std::clamp<size_t>(limit, 1, std::numeric_limits<int32_t>::max())))});
  if (!rows.ok()) return rows.status();
  std::vector<DispatchableJob> jobs;
  jobs.reserve(static_cast<size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    jobs.push_back({rows->GetString(r, 0), rows->GetString(r, 1), rows->GetString(r, 2),
                    static_cast<int>(rows->GetInt(r, 3))});
  }
  return jobs;
}

}  // namespace btr
