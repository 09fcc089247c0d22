// PostgresStore: job logs (table job_logs). Appending is one INSERT of all the lines (as
// arrays, in order), reading one SELECT that also tells whether the job is the tenant's.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace {

using pg_store::Run;
using pg_store::StorableText;
using pg_store::StoredText;

// A PostgreSQL array literal of texts: {"a","b \"c\""}.
std::string TextArray(const std::vector<JobLogEntry>& lines, std::string JobLogEntry::*field) {
  std::string out = "{";
  for (const JobLogEntry& line : lines) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : StorableText(line.*field)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string TimeArray(const std::vector<JobLogEntry>& lines) {
  std::string out = "{";
  for (const JobLogEntry& line : lines) {
    if (out.size() > 1) out += ',';
    out += std::to_string(line.time);
  }
  return out + "}";
}

}  // namespace

Status PostgresStore::AppendJobLog(std::string_view job_id, const std::vector<JobLogEntry>& lines) {
  constexpr std::string_view kOp = "AppendJobLog";
  BTR_RETURN_IF_ERROR(store_common::RequireId(job_id));
  if (lines.empty()) return Status::Ok();
  // The join with jobs inserts nothing for an unknown job; ORDER BY gives the lines their seq
  // in the order given.
  Result<PgResult> inserted = Run(
      pool_.get(), kOp,
      "INSERT INTO job_logs (job_id, time, level, source, message) "
      "SELECT j.id, l.time, l.level, l.source, l.message FROM jobs j, "
      "unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY "
      "AS l (time, level, source, message, n) WHERE j.id = $1 ORDER BY l.n",
      {StoredText(job_id), PgText(TimeArray(lines)), PgText(TextArray(lines, &JobLogEntry::level)),
       PgText(TextArray(lines, &JobLogEntry::source)),
       PgText(TextArray(lines, &JobLogEntry::message))});
  if (!inserted.ok()) return inserted.status();
  if (inserted->affected() == 0) return store_common::JobNotFound(job_id);
  return Status::Ok();
}

Result<std::vector<JobLogEntry>> PostgresStore::ListJobLog(std::string_view tenant,
                                                           std::string_view job_id, int64_t after,
                                                           size_t limit) {
  constexpr std::string_view kOp = "ListJobLog";
  if (tenant.empty() || job_id.empty()) return store_common::LogNeedsIds();
  const auto rows = static_cast<int64_t>(
      std::clamp<size_t>(limit, 1, static_cast<size_t>(std::numeric_limits<int>::max())));
  // No row: not the tenant's job. One row of NULLs: the job, without lines after `after`.
  Result<PgResult> found =
      Run(pool_.get(), kOp,
          "SELECT l.seq, l.time, l.level, l.source, l.message FROM jobs j "
          "LEFT JOIN LATERAL (SELECT seq, time, level, source, message FROM job_logs "
          "WHERE job_id = j.id AND seq > $3 ORDER BY seq LIMIT $4) l ON true "
          "WHERE j.id = $1 AND j.tenant = $2 ORDER BY l.seq",
          {StoredText(job_id), StoredText(tenant), PgInt(after), PgInt(rows)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return store_common::JobNotFound(job_id);
  std::vector<JobLogEntry> out;
  for (int r = 0; r < found->rows(); ++r) {
    if (found->IsNull(r, 0)) break;
    JobLogEntry line;
    line.seq = found->GetInt(r, 0);
    line.time = found->GetInt(r, 1);
    line.level = found->GetString(r, 2);
    line.source = found->GetString(r, 3);
    line.message = found->GetString(r, 4);
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace btr
