// ProjectStore: QuantConnect-style projects (the /api/v2 API, router/qc): a named set of
// algorithm files and LEAN parameters owned by a tenant, which lean-cli pushes and backtests.
// Ids are integers assigned by the store, unique across tenants (QuantConnect's projectId);
// names are unique per tenant. Another tenant's project is NotFound, never PermissionDenied.
// Thread-safe; every method is atomic. Errors as job_store.h.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "services/store/store_types.h"

namespace btr {

class ProjectStore {
 public:
  virtual ~ProjectStore() = default;

  // Inserts `project` (its id is ignored) and returns the new id. AlreadyExists when the
  // tenant has a project of that name.
  virtual Result<int64_t> CreateProject(const ProjectRecord& project) = 0;
  virtual Result<ProjectRecord> GetProject(std::string_view tenant, int64_t id) = 0;
  // The tenant's projects, oldest first.
  virtual Result<std::vector<ProjectRecord>> ListProjects(std::string_view tenant) = 0;
  // Replaces the name, language, description, files, parameters and modified_at of the
  // tenant's project `project.id` (not runs_json: SetProjectRuns). NotFound; AlreadyExists for
  // a name another project has.
  virtual Status UpdateProject(const ProjectRecord& project) = 0;
  // Replaces only runs_json (the names and notes of its runs), so a rename and a file push that
  // overlap do not undo each other. NotFound.
  virtual Status SetProjectRuns(std::string_view tenant, int64_t id,
                                std::string_view runs_json) = 0;
  // NotFound when the tenant has no such project.
  virtual Status DeleteProject(std::string_view tenant, int64_t id) = 0;
};

}  // namespace btr
