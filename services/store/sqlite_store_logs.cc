// SqliteStore: job logs (the job_logs table of schema version 3).
#include <algorithm>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_store.h"
#include "services/store/store_common.h"

namespace btr {

using sqlite::Statement;
using sqlite::Transaction;

Status SqliteStore::AppendJobLog(std::string_view job_id, const std::vector<JobLogEntry>& lines) {
  constexpr std::string_view kOp = "AppendJobLog";
  BTR_RETURN_IF_ERROR(store_common::RequireId(job_id));
  if (lines.empty()) return Status::Ok();
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Transaction::Mode::kImmediate,
                                // a log line is not worth a disk sync of its own
                                Transaction::Durability::kRelaxed));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                                writer_->Prepare(kOp, "SELECT 1 FROM jobs WHERE id = ?"));
    st.Text(job_id);
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (!found) return store_common::JobNotFound(job_id);
  }
  for (const JobLogEntry& line : lines) {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "INSERT INTO job_logs (job_id, time, level, source, message) "
                         "VALUES (?, ?, ?, ?, ?)"));
    st.Text(job_id).Int(line.time).Text(line.level).Text(line.source).Text(line.message);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  return txn.Commit();
}

Result<std::vector<JobLogEntry>> SqliteStore::ListJobLog(std::string_view tenant,
                                                         std::string_view job_id, int64_t after,
                                                         size_t limit) {
  constexpr std::string_view kOp = "ListJobLog";
  if (tenant.empty() || job_id.empty()) {
    return store_common::LogNeedsIds();
  }
  const auto rows = static_cast<int64_t>(
      std::clamp<size_t>(limit, 1, static_cast<size_t>(std::numeric_limits<int>::max())));
  std::lock_guard lock(reader()->mu());
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, reader()->Prepare(kOp, "SELECT 1 FROM jobs WHERE id = ? AND tenant = ?"));
    st.Text(job_id).Text(tenant);
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (!found) return store_common::JobNotFound(job_id);
  }
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, reader()->Prepare(kOp,
                                      "SELECT seq, time, level, source, message FROM job_logs "
                                      "WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?"));
  st.Text(job_id).Int(after).Int(rows);
  std::vector<JobLogEntry> out;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    JobLogEntry line;
    line.seq = st.ColumnInt(0);
    line.time = st.ColumnInt(1);
    line.level = st.ColumnText(2);
    line.source = st.ColumnText(3);
    line.message = st.ColumnText(4);
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace btr
