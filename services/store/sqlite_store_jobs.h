// SqliteStore internals shared by its job files (sqlite_store.cc, sqlite_store_claims.cc):
// the jobs table's columns and how a row becomes a JobRecord. Not a public header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/store_types.h"

namespace btr::sqlite_jobs {

using sqlite::Connection;
using sqlite::Statement;

// The columns ReadJob reads, in order.
#define BTR_JOB_COLUMNS                                                                 \
  "id, tenant, status, progress, phase, spec_json, spec_hash, idempotency_key, "        \
  "engine_requested, engine_used, fallbacks_json, error_code, error_message, attempt, " \
  "cancel_requested, created_at, updated_at, started_at, finished_at, epoch, "          \
  "lease_owner, lease_expires_at, priority"

inline std::string Quote(std::string_view id) { return "'" + std::string(id) + "'"; }

// Messages that may reach the API name the resource (a backtest), never the store method: the
// API reads a leading "word:" as the request field at fault.
inline Status JobNotFound(std::string_view id) {
  return Status::NotFound("backtest " + Quote(id) + " not found");
}

inline Status ReadJob(const Statement& st, std::string_view op, JobRecord* job) {
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
  job->epoch = st.ColumnInt(19);
  job->lease_owner = st.ColumnText(20);
  job->lease_expires_at = st.ColumnInt(21);
  job->priority = static_cast<int>(st.ColumnInt(22));
  return Status::Ok();
}

// Reads every remaining row of `st` as a job.
inline Status ReadJobs(Statement* st, std::string_view op, std::vector<JobRecord>* jobs) {
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st->Step());
    if (!row) return Status::Ok();
    BTR_RETURN_IF_ERROR(ReadJob(*st, op, &jobs->emplace_back()));
  }
}

// The job `id`, of `tenant` when one is given. NotFound when there is none.
inline Result<JobRecord> SelectJob(Connection* conn, std::string_view op,
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

inline Status CheckIds(std::string_view tenant, std::string_view id) {
  if (tenant.empty()) return Status::InvalidArgument("tenant: required, got an empty one");
  if (id.empty()) return Status::InvalidArgument("id: required, got an empty one");
  return Status::Ok();
}

}  // namespace btr::sqlite_jobs
