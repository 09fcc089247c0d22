// PostgresStore: engine comparisons (table comparisons).
#include <string>
#include <vector>

#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace {

using pg_store::Run;
using pg_store::StoredText;

#define BTR_COMPARISON_COLUMNS \
  "id, tenant, status, request_json, runs_json, report_json, created_at, updated_at, finished_at"
// The columns of a listing: the report (possibly large) is left out.
#define BTR_COMPARISON_LIST_COLUMNS \
  "id, tenant, status, request_json, runs_json, '', created_at, updated_at, finished_at"

ComparisonRecord ReadComparison(const PgResult& r, int row) {
  ComparisonRecord c;
  c.id = r.GetString(row, 0);
  c.tenant = r.GetString(row, 1);
  c.status = r.GetString(row, 2);
  c.request_json = r.GetString(row, 3);
  c.runs_json = r.GetString(row, 4);
  c.report_json = r.GetString(row, 5);
  c.created_at = r.GetInt(row, 6);
  c.updated_at = r.GetInt(row, 7);
  c.finished_at = r.GetInt(row, 8);
  return c;
}

std::vector<ComparisonRecord> ReadComparisons(const PgResult& r) {
  std::vector<ComparisonRecord> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) out.push_back(ReadComparison(r, row));
  return out;
}

}  // namespace

Status PostgresStore::CreateComparison(const ComparisonRecord& c) {
  if (c.id.empty() || c.tenant.empty()) return store_common::ComparisonNeedsIds();
  Result<PgResult> inserted = Run(
      pool_.get(), "CreateComparison",
      "INSERT INTO comparisons (" BTR_COMPARISON_COLUMNS
      ") VALUES ($1, $2, 'running', $3, $4, '', $5, $6, 0)",
      {StoredText(c.id), StoredText(c.tenant), StoredText(c.request_json), StoredText(c.runs_json),
       PgInt(c.created_at), PgInt(c.updated_at != 0 ? c.updated_at : c.created_at)});
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return store_common::ComparisonExists(c.id);
  }
  return inserted.status();
}

Result<ComparisonRecord> PostgresStore::GetComparison(std::string_view tenant,
                                                      std::string_view id) {
  Result<PgResult> found =
      Run(pool_.get(), "GetComparison",
          "SELECT " BTR_COMPARISON_COLUMNS " FROM comparisons WHERE id = $1 AND tenant = $2",
          {StoredText(id), StoredText(tenant)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return store_common::ComparisonNotFound(id);
  return ReadComparison(*found, 0);
}

Status PostgresStore::FinishComparison(std::string_view id, std::string_view status,
                                       std::string_view report_json, TimeNs now) {
  if (status != "succeeded" && status != "failed") {
    return store_common::NotComparisonFinalStatus(status);
  }
  Result<PgResult> finished =
      Run(pool_.get(), "FinishComparison",
          "UPDATE comparisons SET status = $2, report_json = $3, updated_at = $4, "
          "finished_at = $4 WHERE id = $1 AND status = 'running'",
          {StoredText(id), PgText(std::string(status)), StoredText(report_json), PgInt(now)});
  if (!finished.ok()) return finished.status();
  if (finished->affected() == 0) return store_common::ComparisonNotRunning(id);
  return Status::Ok();
}

Result<std::vector<ComparisonRecord>> PostgresStore::ListRunningComparisons() {
  Result<PgResult> rows = Run(pool_.get(), "ListRunningComparisons",
                              "SELECT " BTR_COMPARISON_COLUMNS
                              " FROM comparisons WHERE status = 'running' ORDER BY created_at, id");
  if (!rows.ok()) return rows.status();
  return ReadComparisons(*rows);
}

Result<ComparisonPage> PostgresStore::ListComparisons(std::string_view tenant,
                                                      std::string_view cursor, size_t limit) {
  constexpr std::string_view kOp = "ListComparisons";
  Result<store_common::PageStart> start = store_common::StartComparisonPage(tenant, cursor, limit);
  if (!start.ok()) return start.status();
  limit = start->limit;
  const PgParam rows = PgInt(static_cast<int64_t>(limit) + 1);  // one more: is there a next page?
  Result<PgResult> found =
      start->after_cursor
          ? Run(pool_.get(), kOp,
                "SELECT " BTR_COMPARISON_LIST_COLUMNS
                " FROM comparisons WHERE tenant = $1 AND (created_at, id) < ($2::bigint, $3) "
                "ORDER BY created_at DESC, id DESC LIMIT $4",
                {StoredText(tenant), PgInt(start->created_at), StoredText(start->id), rows})
          : Run(pool_.get(), kOp,
                "SELECT " BTR_COMPARISON_LIST_COLUMNS
                " FROM comparisons WHERE tenant = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                {StoredText(tenant), rows});
  if (!found.ok()) return found.status();
  ComparisonPage page;
  page.comparisons = ReadComparisons(*found);
  if (page.comparisons.size() > limit) {
    page.comparisons.resize(limit);
    page.next_cursor = store_common::EncodeComparisonCursor(page.comparisons.back());
  }
  return page;
}

#undef BTR_COMPARISON_LIST_COLUMNS
#undef BTR_COMPARISON_COLUMNS

}  // namespace btr
