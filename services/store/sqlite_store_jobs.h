// SqliteStore internals shared by its job files (sqlite_store.cc, sqlite_store_claims.cc): how
// a row of the jobs table (BTR_STORE_JOB_COLUMNS) becomes a JobRecord. Not a public header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/store_common.h"
#include "services/store/store_types.h"

namespace btr::sqlite_jobs {

using sqlite::Connection;
using sqlite::Statement;

using store_common::CheckIds;
using store_common::JobNotFound;
using store_common::Quote;

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
      conn->Prepare(op, tenant ? "SELECT " BTR_STORE_JOB_COLUMNS
                                 " FROM jobs WHERE id = ? AND tenant = ?"
                               : "SELECT " BTR_STORE_JOB_COLUMNS " FROM jobs WHERE id = ?"));
  st.Text(id);
  if (tenant) st.Text(*tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return JobNotFound(id);
  JobRecord job;
  BTR_RETURN_IF_ERROR(ReadJob(st, op, &job));
  return job;
}

}  // namespace btr::sqlite_jobs
