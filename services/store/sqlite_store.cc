// SqliteStore: the job methods (opening, datasets and API keys are in sqlite_store_catalog.cc).
#include "services/store/sqlite_store.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include "services/store/sqlite_db.h"

namespace btr {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;
using Mode = sqlite::Transaction::Mode;

// The columns ReadJob reads, in order.
#define BTR_JOB_COLUMNS                                                                 \
  "id, tenant, status, progress, phase, spec_json, spec_hash, idempotency_key, "        \
  "engine_requested, engine_used, fallbacks_json, error_code, error_message, attempt, " \
  "cancel_requested, created_at, updated_at, started_at, finished_at"

std::string Quote(std::string_view id) { return "'" + std::string(id) + "'"; }

// Messages that may reach the API name the resource (a backtest), never the store method: the
// API reads a leading "word:" as the request field at fault.
Status JobNotFound(std::string_view id) {
  return Status::NotFound("backtest " + Quote(id) + " not found");
}

Status ReadJob(const Statement& st, std::string_view op, JobRecord* job) {
  job->id = st.ColumnText(0);
  job->tenant = st.ColumnText(1);
  const std::string status = st.ColumnText(2);
  const std::optional<JobStatus> parsed = ParseJobStatus(status);
  if (!parsed) {
    return Status::Internal(std::string(op) + ": job " + Quote(job->id) + " has unknown status " +
                            Quote(status));
  }
  job->status = *parsed;
  job->progress = st.ColumnReal(3);
  job->phase = st.ColumnText(4);
  job->spec_json = st.ColumnText(5);
  job->spec_hash = st.ColumnText(6);
  job->idempotency_key = st.ColumnText(7);
  job->engine_requested = st.ColumnText(8);
  job->engine_used = st.ColumnText(9);
  job->fallbacks_json = st.ColumnText(10);
  job->error_code = st.ColumnText(11);
  job->error_message = st.ColumnText(12);
  job->attempt = static_cast<int>(st.ColumnInt(13));
  job->cancel_requested = st.ColumnInt(14) != 0;
  job->created_at = st.ColumnInt(15);
  job->updated_at = st.ColumnInt(16);
  job->started_at = st.ColumnInt(17);
  job->finished_at = st.ColumnInt(18);
  return Status::Ok();
}

// Reads every remaining row of `st` as a job.
Status ReadJobs(Statement* st, std::string_view op, std::vector<JobRecord>* jobs) {
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st->Step());
    if (!row) return Status::Ok();
    BTR_RETURN_IF_ERROR(ReadJob(*st, op, &jobs->emplace_back()));
  }
}

// The job `id`, of `tenant` when one is given. NotFound when there is none.
Result<JobRecord> SelectJob(Connection* conn, std::string_view op,
                            std::optional<std::string_view> tenant, std::string_view id) {
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st,
      conn->Prepare(op, tenant ? "SELECT " BTR_JOB_COLUMNS " FROM jobs WHERE id = ? AND tenant = ?"
                               : "SELECT " BTR_JOB_COLUMNS " FROM jobs WHERE id = ?"));
  st.Text(id);
  if (tenant) st.Text(*tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return JobNotFound(id);
  JobRecord job;
  BTR_RETURN_IF_ERROR(ReadJob(st, op, &job));
  return job;
}

Status CheckIds(std::string_view tenant, std::string_view id) {
  if (tenant.empty()) return Status::InvalidArgument("tenant: required, got an empty one");
  if (id.empty()) return Status::InvalidArgument("id: required, got an empty one");
  return Status::Ok();
}

// Cursor: lower-case hex of "<created_at>:<id>" of the last job of the page (URL-safe, opaque).
std::string EncodeCursor(const JobRecord& last) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string raw = std::to_string(last.created_at) + ":" + last.id;
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

bool DecodeCursor(std::string_view cursor, TimeNs* created_at, std::string* id) {
  if (cursor.size() % 2 != 0) return false;
  std::string raw;
  for (size_t i = 0; i < cursor.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(cursor.data() + i, cursor.data() + i + 2, value, 16);
    if (ec != std::errc() || end != cursor.data() + i + 2) return false;
    raw += static_cast<char>(value);
  }
  const size_t colon = raw.find(':');
  if (colon == std::string::npos || colon + 1 == raw.size()) return false;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + colon, *created_at);
  if (ec != std::errc() || end != raw.data() + colon) return false;
  *id = raw.substr(colon + 1);
  return true;
}

}  // namespace

// --- jobs ---

Result<JobRecord> SqliteStore::CreateJob(const JobRecord& job) {
  constexpr std::string_view kOp = "CreateJob";
  BTR_RETURN_IF_ERROR(CheckIds(job.tenant, job.id));
  JobRecord row = job;
  row.status = JobStatus::kQueued;
  if (row.phase.empty()) row.phase = "queued";
  if (row.updated_at == 0) row.updated_at = row.created_at;

  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    // The UNIQUE (tenant, idempotency_key) constraint decides: a used key inserts nothing.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp, "INSERT INTO jobs (" BTR_JOB_COLUMNS
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
        .Int(row.finished_at);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp, "SELECT " BTR_JOB_COLUMNS
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
  if (query.tenant.empty()) return Status::InvalidArgument("tenant: required, got an empty one");
  TimeNs after_created_at = 0;
  std::string after_id;
  const bool paged = !query.cursor.empty();
  if (paged && !DecodeCursor(query.cursor, &after_created_at, &after_id)) {
    return Status::InvalidArgument("cursor: " + Quote(query.cursor) +
                                   " did not come from a previous page");
  }
  const size_t limit =
      std::clamp<size_t>(query.limit, 1, static_cast<size_t>(std::numeric_limits<int>::max()));

  // One of eight statements (each cached): the filters and the cursor are optional.
  std::string sql = "SELECT " BTR_JOB_COLUMNS " FROM jobs WHERE tenant = ?";
  if (query.status) sql += " AND status = ?";
  if (!query.engine.empty()) sql += " AND engine_requested = ?";
  if (paged) sql += " AND (created_at, id) < (?, ?)";
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?";

  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, reader()->Prepare(kOp, sql));
  st.Text(query.tenant);
  if (query.status) st.Text(JobStatusName(*query.status));
  if (!query.engine.empty()) st.Text(query.engine);
  if (paged) st.Int(after_created_at).Text(after_id);
  st.Int(static_cast<int64_t>(limit) + 1);  // one more row tells whether a next page exists
  JobPage page;
  BTR_RETURN_IF_ERROR(ReadJobs(&st, kOp, &page.jobs));
  if (page.jobs.size() > limit) {
    page.jobs.resize(limit);
    page.next_cursor = EncodeCursor(page.jobs.back());
  }
  return page;
}

Result<JobRecord> SqliteStore::StartJob(std::string_view id, std::string_view engine_used,
                                        TimeNs now) {
  constexpr std::string_view kOp = "StartJob";
  if (id.empty()) return Status::InvalidArgument("id: required, got an empty one");
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET status = 'running', attempt = attempt + 1, "
                         "engine_used = ?, phase = 'running', started_at = ?, updated_at = ? "
                         "WHERE id = ? AND status = 'queued'"));
    st.Text(engine_used).Int(now).Int(now).Text(id);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  const bool started = writer_->Changes() > 0;
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, std::nullopt, id));
  if (!started) {
    return Status::FailedPrecondition("backtest " + Quote(id) + " is " +
                                      std::string(JobStatusName(job.status)) + ", not queued");
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return job;
}

Status SqliteStore::UpdateProgress(std::string_view id, double progress, std::string_view phase,
                                   TimeNs now) {
  constexpr std::string_view kOp = "UpdateProgress";
  if (id.empty()) return Status::InvalidArgument("id: required, got an empty one");
  progress = std::isnan(progress) ? 0.0 : std::clamp(progress, 0.0, 1.0);
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET progress = ?, phase = COALESCE(NULLIF(?, ''), phase), "
                         "updated_at = ? WHERE id = ? AND status = 'running'"));
    st.Real(progress).Text(phase).Int(now).Text(id);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) {
    BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, std::nullopt, id));
    return Status::FailedPrecondition("backtest " + Quote(id) + " is " +
                                      std::string(JobStatusName(job.status)) + ", not running");
  }
  return txn.Commit();
}

Status SqliteStore::FinishJob(std::string_view id, int attempt, JobStatus status,
                              const JobResult& result, std::string_view error_code,
                              std::string_view error_message, TimeNs now) {
  constexpr std::string_view kOp = "FinishJob";
  if (id.empty()) return Status::InvalidArgument("id: required, got an empty one");
  if (!IsTerminal(status)) {
    return Status::InvalidArgument("status " + std::string(JobStatusName(status)) +
                                   " is not a final status");
  }
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
            "finished_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'running' AND attempt = ?"));
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
        .Int(attempt);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) {
    BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, std::nullopt, id));
    return Status::FailedPrecondition("backtest " + Quote(id) + " is " +
                                      std::string(JobStatusName(job.status)) + " at attempt " +
                                      std::to_string(job.attempt) + "; finishing attempt " +
                                      std::to_string(attempt) + " refused");
  }
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

Result<JobRecord> SqliteStore::CancelJob(std::string_view tenant, std::string_view id, TimeNs now) {
  constexpr std::string_view kOp = "CancelJob";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  BTR_SQLITE_ASSIGN_OR_RETURN(JobRecord job, SelectJob(writer_.get(), kOp, tenant, id));
  if (IsTerminal(job.status)) {
    return Status::FailedPrecondition("backtest " + Quote(id) + " is already " +
                                      std::string(JobStatusName(job.status)));
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
    return Status::FailedPrecondition("backtest " + Quote(id) + " is " +
                                      std::string(JobStatusName(job.status)) +
                                      "; cancel it and wait for it to finish first");
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
    return Status::FailedPrecondition("backtest " + Quote(id) + " is " + st.ColumnText(0) +
                                      " and has no result yet");
  }
  JobResult result;
  result.result_json = st.ColumnText(2);
  result.equity = st.ColumnBlob(3);
  return result;
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
    // The attempt is kept, so a late FinishJob of the dead attempt is refused.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp,
                                       "UPDATE jobs SET status = 'queued', phase = 'queued', "
                                       "progress = 0, updated_at = ? WHERE status = 'running'"));
    st.Int(now);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  std::vector<JobRecord> jobs;
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp, "SELECT " BTR_JOB_COLUMNS " FROM jobs WHERE status = 'queued' "
                              "ORDER BY created_at, id"));
    BTR_RETURN_IF_ERROR(ReadJobs(&st, kOp, &jobs));
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return jobs;
}

Result<size_t> SqliteStore::CountActiveJobs(std::string_view tenant) {
  constexpr std::string_view kOp = "CountActiveJobs";
  if (tenant.empty()) return Status::InvalidArgument("tenant: required, got an empty one");
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                              reader()->Prepare(kOp,
                                                "SELECT COUNT(*) FROM jobs WHERE tenant = ? "
                                                "AND status IN ('queued', 'running')"));
  st.Text(tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  return row ? static_cast<size_t>(st.ColumnInt(0)) : size_t{0};
}

#undef BTR_JOB_COLUMNS

}  // namespace btr
