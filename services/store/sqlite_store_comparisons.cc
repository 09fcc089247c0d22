// SqliteStore: engine comparisons (the comparisons table of schema version 2).
#include <algorithm>
#include <charconv>
#include <mutex>
#include <string>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_store.h"

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

// Cursor: "<created_at>_<id>" of the last comparison of a page (ids are URL-safe).
bool DecodeCursor(std::string_view cursor, TimeNs* created_at, std::string* id) {
  const size_t sep = cursor.find('_');
  if (sep == std::string_view::npos || sep == 0 || sep + 1 == cursor.size()) return false;
  const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + sep, *created_at);
  if (ec != std::errc() || end != cursor.data() + sep) return false;
  *id = std::string(cursor.substr(sep + 1));
  return true;
}

}  // namespace

Status SqliteStore::CreateComparison(const ComparisonRecord& c) {
  constexpr std::string_view kOp = "CreateComparison";
  if (c.id.empty() || c.tenant.empty()) {
    return Status::InvalidArgument("id: a comparison needs an id and a tenant");
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
  return st.Run();
}

Result<ComparisonRecord> SqliteStore::GetComparison(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "GetComparison";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, reader()->Prepare(kOp, "SELECT " BTR_COMPARISON_COLUMNS
                                           " FROM comparisons WHERE id = ? AND tenant = ?"));
  st.Text(id).Text(tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return Status::NotFound("comparison '" + std::string(id) + "' not found");
  return ReadComparison(st);
}

Status SqliteStore::FinishComparison(std::string_view id, std::string_view status,
                                     std::string_view report_json, TimeNs now) {
  constexpr std::string_view kOp = "FinishComparison";
  if (status != "succeeded" && status != "failed") {
    return Status::InvalidArgument("a comparison's final status is succeeded or failed, got '" +
                                   std::string(status) + "'");
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
    return Status::FailedPrecondition("comparison '" + std::string(id) + "' is not running");
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
  if (tenant.empty()) return Status::InvalidArgument("tenant: required, got an empty one");
  limit = std::max<size_t>(limit, 1);
  TimeNs before_created = 0;
  std::string before_id;
  const bool paged = !cursor.empty();
  if (paged && !DecodeCursor(cursor, &before_created, &before_id)) {
    return Status::InvalidArgument("cursor: not a cursor from this API: '" + std::string(cursor) +
                                   "'");
  }
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
  if (paged) st.Int(before_created).Int(before_created).Text(before_id);
  st.Int(static_cast<int64_t>(limit) + 1);
  ComparisonPage page;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    page.comparisons.push_back(ReadComparison(st));
  }
  if (page.comparisons.size() > limit) {
    page.comparisons.resize(limit);
    const ComparisonRecord& last = page.comparisons.back();
    page.next_cursor = std::to_string(last.created_at) + "_" + last.id;
  }
  return page;
}

}  // namespace btr
