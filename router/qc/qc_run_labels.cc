// The names and notes of a project's runs after creation: backtests/update and
// optimizations/update, kept in ProjectRecord::runs_json.
#include <nlohmann/json.hpp>

#include "router/qc/qc_handlers.h"

namespace btr::qcapi {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxNoteBytes = 2000;

json Labels(const ProjectRecord& project) {
  json labels = json::parse(project.runs_json, nullptr, false);
  return labels.is_object() ? labels : json::object();
}

// Checks an optional text parameter's length; InvalidArgument naming it.
Status CheckText(const std::optional<std::string>& value, const char* field, size_t limit) {
  if (value && value->size() > limit) {
    return Status::InvalidArgument(std::string(field) + ": at most " + std::to_string(limit) +
                                   " bytes, got " + std::to_string(value->size()));
  }
  return Status::Ok();
}

Status StoreLabels(QcCall& call, int64_t project_id, const json& labels) {
  return call.deps.store->SetProjectRuns(
      call.caller.tenant, project_id, labels.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

RunLabels::RunLabels(const ProjectRecord& project) : labels_(Labels(project)) {}

void RunLabels::Apply(const std::string& job_id, std::string* name, std::string* note) const {
  const auto it = labels_.find(job_id);
  if (it == labels_.end() || !it->is_object()) return;
  const json& label = *it;
  if (name != nullptr && label.contains("name") && label["name"].is_string()) {
    *name = label["name"].get<std::string>();
  }
  if (note != nullptr && label.contains("note") && label["note"].is_string()) {
    *note = label["note"].get<std::string>();
  }
}

Status SetRunLabel(QcCall& call, int64_t project_id, const std::string& job_id,
                   const std::optional<std::string>& name, const std::optional<std::string>& note) {
  BTR_RETURN_IF_ERROR(CheckText(name, "name", kMaxNameBytes));
  BTR_RETURN_IF_ERROR(CheckText(note, "note", kMaxNoteBytes));
  if (name && name->empty()) return Status::InvalidArgument("name: must not be empty");
  if (!name && !note) return Status::InvalidArgument("name: give a new name (or a note)");
  Result<ProjectRecord> project = CallerProject(call, project_id);
  if (!project.ok()) return project.status();
  json labels = Labels(*project);
  json& label = labels[job_id];
  if (!label.is_object()) label = json::object();
  if (name) label["name"] = *name;
  if (note) label["note"] = *note;
  return StoreLabels(call, project_id, labels);
}

void ForgetRunLabel(QcCall& call, int64_t project_id, const std::string& job_id) {
  Result<ProjectRecord> project = CallerProject(call, project_id);
  if (!project.ok()) return;
  json labels = Labels(*project);
  if (labels.erase(job_id) == 0) return;
  (void)StoreLabels(call, project_id, labels);  // best effort: a stale label names no run
}

}  // namespace btr::qcapi
