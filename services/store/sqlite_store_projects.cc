// SqliteStore: QuantConnect-style projects (the projects table of schema version 5).
#include <mutex>
#include <string>
#include <vector>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_store.h"
#include "services/store/store_common.h"

namespace btr {
namespace {

using sqlite::Statement;

#define BTR_PROJECT_COLUMNS                                                            \
  "id, tenant, name, language, description, files_json, parameters_json, created_at, " \
  "modified_at, runs_json"

ProjectRecord ReadProject(const Statement& st) {
  ProjectRecord p;
  p.id = st.ColumnInt(0);
  p.tenant = st.ColumnText(1);
  p.name = st.ColumnText(2);
  p.language = st.ColumnText(3);
  p.description = st.ColumnText(4);
  p.files_json = st.ColumnText(5);
  p.parameters_json = st.ColumnText(6);
  p.created_at = st.ColumnInt(7);
  p.modified_at = st.ColumnInt(8);
  p.runs_json = st.ColumnText(9);
  return p;
}

}  // namespace

Result<int64_t> SqliteStore::CreateProject(const ProjectRecord& p) {
  constexpr std::string_view kOp = "CreateProject";
  if (p.tenant.empty() || p.name.empty()) return store_common::ProjectNeedsTenantAndName();
  std::lock_guard lock(writer_->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, writer_->Prepare(kOp,
                                     "INSERT INTO projects (tenant, name, language, description, "
                                     "files_json, parameters_json, created_at, modified_at, "
                                     "runs_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.Text(p.tenant)
      .Text(p.name)
      .Text(p.language)
      .Text(p.description)
      .Text(p.files_json)
      .Text(p.parameters_json)
      .Int(p.created_at)
      .Int(p.modified_at != 0 ? p.modified_at : p.created_at)
      .Text(p.runs_json);
  Result<bool> row = st.Step();
  if (!row.ok()) {
    if (row.status().code() == StatusCode::kAlreadyExists) {
      return store_common::ProjectNameTaken(p.name);
    }
    return row.status();
  }
  if (!*row) return Status::Internal("CreateProject: the insert returned no id");
  return st.ColumnInt(0);
}

Result<ProjectRecord> SqliteStore::GetProject(std::string_view tenant, int64_t id) {
  constexpr std::string_view kOp = "GetProject";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                              reader()->Prepare(kOp, "SELECT " BTR_PROJECT_COLUMNS
                                                     " FROM projects WHERE id = ? AND tenant = ?"));
  st.Int(id).Text(tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return store_common::ProjectNotFound(id);
  return ReadProject(st);
}

Result<std::vector<ProjectRecord>> SqliteStore::ListProjects(std::string_view tenant) {
  constexpr std::string_view kOp = "ListProjects";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, reader()->Prepare(kOp, "SELECT " BTR_PROJECT_COLUMNS
                                           " FROM projects WHERE tenant = ? ORDER BY id"));
  st.Text(tenant);
  std::vector<ProjectRecord> out;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    out.push_back(ReadProject(st));
  }
  return out;
}

Status SqliteStore::UpdateProject(const ProjectRecord& p) {
  constexpr std::string_view kOp = "UpdateProject";
  if (p.tenant.empty() || p.name.empty()) return store_common::ProjectNeedsTenantAndName();
  std::lock_guard lock(writer_->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, writer_->Prepare(kOp,
                                     "UPDATE projects SET name = ?, language = ?, description = ?, "
                                     "files_json = ?, parameters_json = ?, modified_at = ? "
                                     "WHERE id = ? AND tenant = ?"));
  st.Text(p.name)
      .Text(p.language)
      .Text(p.description)
      .Text(p.files_json)
      .Text(p.parameters_json)
      .Int(p.modified_at)
      .Int(p.id)
      .Text(p.tenant);
  const Status updated = st.Run();
  if (updated.code() == StatusCode::kAlreadyExists) return store_common::ProjectNameTaken(p.name);
  BTR_RETURN_IF_ERROR(updated);
  if (writer_->Changes() == 0) return store_common::ProjectNotFound(p.id);
  return Status::Ok();
}

Status SqliteStore::SetProjectRuns(std::string_view tenant, int64_t id,
                                   std::string_view runs_json) {
  constexpr std::string_view kOp = "SetProjectRuns";
  std::lock_guard lock(writer_->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st,
      writer_->Prepare(kOp, "UPDATE projects SET runs_json = ? WHERE id = ? AND tenant = ?"));
  st.Text(runs_json).Int(id).Text(tenant);
  BTR_RETURN_IF_ERROR(st.Run());
  if (writer_->Changes() == 0) return store_common::ProjectNotFound(id);
  return Status::Ok();
}

Status SqliteStore::DeleteProject(std::string_view tenant, int64_t id) {
  constexpr std::string_view kOp = "DeleteProject";
  std::lock_guard lock(writer_->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st, writer_->Prepare(kOp, "DELETE FROM projects WHERE id = ? AND tenant = ?"));
  st.Int(id).Text(tenant);
  BTR_RETURN_IF_ERROR(st.Run());
  if (writer_->Changes() == 0) return store_common::ProjectNotFound(id);
  return Status::Ok();
}

}  // namespace btr
