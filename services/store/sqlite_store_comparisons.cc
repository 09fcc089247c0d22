// SqliteStore: engine comparisons (the comparisons table of schema version 2).
#include <mutex>
#include <string>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_store.h"
#include "services/store/store_common.h"

namespace btr {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

#define BTR_COMPARISON_COLUMNS \
  "id, tenant, status, request_json, runs_json, report_json, created_at, updated_at, finished_at"

ComparisonRecord ReadComparison(const Statement& st) {
  ComparisonRecord c;
  c.id = st.ColumnText(0);
  c.tenant = st.ColumnText(1);
  c.status = st.ColumnText(2);
  c.request_json = st.ColumnText(3);
  c.runs_json = st.ColumnText(4);
  c.report_json = st.ColumnText(5);
  c.created_at = st.ColumnInt(6);
  c.updated_at = st.ColumnInt(7);
  c.finished_at = st.ColumnInt(8);
  return c;
}

// The columns of a listing: the report (possibly large) is left out.
#define BTR_COMPARISON_LIST_COLUMNS \
  "id, tenant, status, request_json, runs_json, '', created_at, updated_at, finished_at"

}  // namespace

Status SqliteStore::CreateComparison(const ComparisonRecord& c) {
  constexpr std::string_view kOp = "CreateComparison";
  if (c.id.empty() || c.tenant.empty()) {
    return store_common::ComparisonNeedsIds();
  }
  std::lock_guard lock(writer_->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, writer_->Prepare(kOp, "INSERT INTO comparisons (" BTR_COMPARISON_COLUMNS
                                          ") VALUES (?, ?, 'running', ?, ?, '', ?, ?, 0)"));
  st.Text(c.id)
      .Text(c.tenant)
      .Text(c.request_json)
      .Text(c.runs_json)
      .Int(c.created_at)
      .Int(c.updated_at != 0 ? c.updated_at : c.created_at);
  const Status inserted = st.Run();
  if (inserted.code() == StatusCode::kAlreadyExists) return store_common::ComparisonExists(c.id);
  return inserted;
}

Result<ComparisonRecord> SqliteStore::GetComparison(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "GetComparison";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, reader()->Prepare(kOp, "SELECT " BTR_COMPARISON_COLUMNS
                                           " FROM comparisons WHERE id = ? AND tenant = ?"));
  st.Text(id).Text(tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return store_common::ComparisonNotFound(id);
  return ReadComparison(st);
}

Status SqliteStore::FinishComparison(std::string_view id, std::string_view status,
                                     std::string_view report_json, TimeNs now) {
  constexpr std::string_view kOp = "FinishComparison";
  if (status != "succeeded" && status != "failed") {
    return store_common::NotComparisonFinalStatus(status);
  }
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Transaction::Mode::kImmediate));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE comparisons SET status = ?, report_json = ?, updated_at = ?, "
                         "finished_at = ? WHERE id = ? AND status = 'running'"));
    st.Text(status).Text(report_json).Int(now).Int(now).Text(id);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) {
    return store_common::ComparisonNotRunning(id);
  }
  return txn.Commit();
}

Result<std::vector<ComparisonRecord>> SqliteStore::ListRunningComparisons() {
  constexpr std::string_view kOp = "ListRunningComparisons";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st,
      reader()->Prepare(kOp, "SELECT " BTR_COMPARISON_COLUMNS
                             " FROM comparisons WHERE status = 'running' ORDER BY created_at, id"));
  std::vector<ComparisonRecord> out;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    out.push_back(ReadComparison(st));
  }
  return out;
}

Result<ComparisonPage> SqliteStore::ListComparisons(std::string_view tenant,
                                                    std::string_view cursor, size_t limit) {
  constexpr std::string_view kOp = "ListComparisons";
  Result<store_common::PageStart> start = store_common::StartComparisonPage(tenant, cursor, limit);
  if (!start.ok()) return start.status();
  const bool paged = start->after_cursor;
  limit = start->limit;
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st,
      reader()->Prepare(
          kOp, paged ? "SELECT " BTR_COMPARISON_LIST_COLUMNS
                       " FROM comparisons WHERE tenant = ? AND (created_at < ? OR (created_at = ? "
                       "AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?"
                     : "SELECT " BTR_COMPARISON_LIST_COLUMNS
                       " FROM comparisons WHERE tenant = ? ORDER BY created_at DESC, id DESC "
                       "LIMIT ?"));
  st.Text(tenant);
  if (paged) st.Int(start->created_at).Int(start->created_at).Text(start->id);
  st.Int(static_cast<int64_t>(limit) + 1);
  ComparisonPage page;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    page.comparisons.push_back(ReadComparison(st));
  }
  if (page.comparisons.size() > limit) {
    page.comparisons.resize(limit);
    page.next_cursor = store_common::EncodeComparisonCursor(page.comparisons.back());
  }
  return page;
}

}  // namespace btr
