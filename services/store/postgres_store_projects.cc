// PostgresStore: QuantConnect-style projects (table projects, schema version 2).
#include <string>
#include <vector>

#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace {

using pg_store::Run;
using pg_store::StoredText;

#define BTR_PROJECT_COLUMNS                                                            \
  "id, tenant, name, language, description, files_json, parameters_json, created_at, " \
  "modified_at, runs_json"

ProjectRecord ReadProject(const PgResult& r, int row) {
  ProjectRecord p;
  p.id = r.GetInt(row, 0);
  p.tenant = r.GetString(row, 1);
  p.name = r.GetString(row, 2);
  p.language = r.GetString(row, 3);
  p.description = r.GetString(row, 4);
  p.files_json = r.GetString(row, 5);
  p.parameters_json = r.GetString(row, 6);
  p.created_at = r.GetInt(row, 7);
  p.modified_at = r.GetInt(row, 8);
  p.runs_json = r.GetString(row, 9);
  return p;
}

}  // namespace

Result<int64_t> PostgresStore::CreateProject(const ProjectRecord& p) {
  if (p.tenant.empty() || p.name.empty()) return store_common::ProjectNeedsTenantAndName();
  Result<PgResult> inserted = Run(
      pool_.get(), "CreateProject",
      "INSERT INTO projects (tenant, name, language, description, files_json, "
      "parameters_json, created_at, modified_at, runs_json) VALUES ($1, $2, $3, $4, $5, $6, "
      "$7, $8, $9) RETURNING id",
      {StoredText(p.tenant), StoredText(p.name), StoredText(p.language), StoredText(p.description),
       StoredText(p.files_json), StoredText(p.parameters_json), PgInt(p.created_at),
       PgInt(p.modified_at != 0 ? p.modified_at : p.created_at), StoredText(p.runs_json)});
  if (!inserted.ok()) {
    if (inserted.status().code() == StatusCode::kAlreadyExists) {
      return store_common::ProjectNameTaken(p.name);
    }
    return inserted.status();
  }
  if (inserted->rows() == 0) return Status::Internal("CreateProject: the insert returned no id");
  return inserted->GetInt(0, 0);
}

Result<ProjectRecord> PostgresStore::GetProject(std::string_view tenant, int64_t id) {
  Result<PgResult> found =
      Run(pool_.get(), "GetProject",
          "SELECT " BTR_PROJECT_COLUMNS " FROM projects WHERE id = $1 AND tenant = $2",
          {PgInt(id), StoredText(tenant)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return store_common::ProjectNotFound(id);
  return ReadProject(*found, 0);
}

Result<std::vector<ProjectRecord>> PostgresStore::ListProjects(std::string_view tenant) {
  Result<PgResult> rows =
      Run(pool_.get(), "ListProjects",
          "SELECT " BTR_PROJECT_COLUMNS " FROM projects WHERE tenant = $1 ORDER BY id",
          {StoredText(tenant)});
  if (!rows.ok()) return rows.status();
  std::vector<ProjectRecord> out;
  out.reserve(static_cast<size_t>(rows->rows()));
  for (int row = 0; row < rows->rows(); ++row) out.push_back(ReadProject(*rows, row));
  return out;
}

Status PostgresStore::UpdateProject(const ProjectRecord& p) {
  if (p.tenant.empty() || p.name.empty()) return store_common::ProjectNeedsTenantAndName();
  Result<PgResult> updated =
      Run(pool_.get(), "UpdateProject",
          "UPDATE projects SET name = $1, language = $2, description = $3, files_json = $4, "
          "parameters_json = $5, modified_at = $6 WHERE id = $7 AND tenant = $8",
          {StoredText(p.name), StoredText(p.language), StoredText(p.description),
           StoredText(p.files_json), StoredText(p.parameters_json), PgInt(p.modified_at),
           PgInt(p.id), StoredText(p.tenant)});
  if (!updated.ok()) {
    if (updated.status().code() == StatusCode::kAlreadyExists) {
      return store_common::ProjectNameTaken(p.name);
    }
    return updated.status();
  }
  if (updated->affected() == 0) return store_common::ProjectNotFound(p.id);
  return Status::Ok();
}

Status PostgresStore::SetProjectRuns(std::string_view tenant, int64_t id,
                                     std::string_view runs_json) {
  Result<PgResult> updated = Run(pool_.get(), "SetProjectRuns",
                                 "UPDATE projects SET runs_json = $1 WHERE id = $2 AND tenant = $3",
                                 {StoredText(runs_json), PgInt(id), StoredText(tenant)});
  if (!updated.ok()) return updated.status();
  if (updated->affected() == 0) return store_common::ProjectNotFound(id);
  return Status::Ok();
}

Status PostgresStore::DeleteProject(std::string_view tenant, int64_t id) {
  Result<PgResult> deleted =
      Run(pool_.get(), "DeleteProject", "DELETE FROM projects WHERE id = $1 AND tenant = $2",
          {PgInt(id), StoredText(tenant)});
  if (!deleted.ok()) return deleted.status();
  if (deleted->affected() == 0) return store_common::ProjectNotFound(id);
  return Status::Ok();
}

#undef BTR_PROJECT_COLUMNS

}  // namespace btr
