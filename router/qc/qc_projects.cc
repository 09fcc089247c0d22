// /api/v2 projects, files and compile.
#include <nlohmann/json.hpp>

#include "engines/data/sha256.h"
#include "router/qc/qc_handlers.h"
#include "services/auth/api_keys.h"

namespace btr::qcapi {
namespace {

using json = nlohmann::ordered_json;

json ParseObject(const std::string& text) {
  json value = json::parse(text, nullptr, false);
  return value.is_object() ? value : json::object();
}

// QuantConnect's language codes; lean-cli sends "Py" or "C#".
Result<std::string> Language(const std::optional<std::string>& given) {
  const std::string value = given.value_or("Py");
  if (value == "Py" || value == "Python") return std::string("Py");
  if (value == "C#" || value == "CSharp") return std::string("C#");
  return Status::InvalidArgument("language: expected Py or C#, got '" + value + "'");
}

json FileJson(const std::string& name, const json& file) {
  return {{"name", name},
          {"content", file.value("content", "")},
          {"modified", QcTime(file.value("modified", TimeNs{0}))},
          {"isLibrary", false}};
}

Result<json> ProjectsCreate(QcCall& call) {
  Result<std::string> name = call.params.Required("name");
  if (!name.ok()) return name.status();
  Result<std::string> language = Language(call.params.Get("language"));
  if (!language.ok()) return language.status();
  ProjectRecord project;
  project.tenant = call.caller.tenant;
  project.name = *name;
  project.language = *language;
  project.created_at = project.modified_at = call.now;
  Result<int64_t> id = call.deps.store->CreateProject(project);
  if (!id.ok()) return id.status();
  project.id = *id;
  return json{{"projects", {ProjectJson(project)}}};
}

Result<json> ProjectsRead(QcCall& call) {
  json projects = json::array();
  if (call.params.Has("projectId")) {
    Result<int64_t> id = call.params.RequiredInt("projectId");
    if (!id.ok()) return id.status();
    Result<ProjectRecord> project = CallerProject(call, *id);
    if (!project.ok()) return project.status();
    projects.push_back(ProjectJson(*project));
  } else {
    Result<std::vector<ProjectRecord>> all = call.deps.store->ListProjects(call.caller.tenant);
    if (!all.ok()) return all.status();
    for (const ProjectRecord& p : *all) projects.push_back(ProjectJson(p));
  }
  return json{{"projects", projects}, {"versions", json::array()}};
}

// projects/update: name, description, parameters and (lean-cli's push) the complete file set.
Result<json> ProjectsUpdate(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  if (auto name = call.params.Get("name"); name && !name->empty()) project->name = *name;
  if (auto description = call.params.Get("description")) project->description = *description;
  if (call.params.Has("parameters")) {
    json parameters = json::object();
    for (const auto& [key, value] : call.params.KeyValues("parameters")) parameters[key] = value;
    project->parameters_json = parameters.dump();
  }
  if (call.params.Has("files")) {
    const json before = ParseObject(project->files_json);
    json files = json::object();
    for (const auto& file : call.params.List("files")) {
      auto name = file.find("name");
      if (name == file.end() || name->second.empty()) {
        return Status::InvalidArgument("files: every file needs a name");
      }
      const std::string content = file.count("content") != 0 ? file.at("content") : "";
      const bool same =
          before.contains(name->second) && before[name->second].value("content", "") == content;
      files[name->second] = {
          {"content", content},
          {"modified", same ? before[name->second].value("modified", call.now) : call.now}};
    }
    project->files_json = files.dump();
  }
  project->modified_at = call.now;
  BTR_RETURN_IF_ERROR(call.deps.store->UpdateProject(*project));
  return json::object();
}

Result<json> ProjectsDelete(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  BTR_RETURN_IF_ERROR(call.deps.store->DeleteProject(call.caller.tenant, *id));
  return json::object();
}

// Loads the caller's project named by projectId, applies `change` to its files and stores it.
Result<json> ChangeFiles(QcCall& call, const std::function<Status(json& files)>& change) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  json files = ParseObject(project->files_json);
  BTR_RETURN_IF_ERROR(change(files));
  project->files_json = files.dump();
  project->modified_at = call.now;
  BTR_RETURN_IF_ERROR(call.deps.store->UpdateProject(*project));
  return json::object();
}

Result<json> FilesCreate(QcCall& call) {
  Result<std::string> name = call.params.Required("name");
  if (!name.ok()) return name.status();
  const std::string content = call.params.Get("content").value_or("");
  return ChangeFiles(call, [&](json& files) {
    if (files.contains(*name)) {
      return Status::AlreadyExists("name: the project has a file '" + *name +
                                   "' already (use files/update)");
    }
    files[*name] = {{"content", content}, {"modified", call.now}};
    return Status::Ok();
  });
}

Result<json> FilesUpdate(QcCall& call) {
  // Either {name, content} (new content) or {oldFileName, newName} (a rename).
  const std::optional<std::string> old_name = call.params.Get("oldFileName");
  Result<std::string> name = call.params.Required(old_name ? "newName" : "name");
  if (!name.ok()) return name.status();
  const std::string from = old_name.value_or(*name);
  return ChangeFiles(call, [&](json& files) {
    if (!files.contains(from)) return Status::NotFound("name: no file '" + from + "'");
    json file = files[from];
    if (!old_name) file["content"] = call.params.Get("content").value_or("");
    file["modified"] = call.now;
    files.erase(from);
    files[*name] = file;
    return Status::Ok();
  });
}

Result<json> FilesDelete(QcCall& call) {
  Result<std::string> name = call.params.Required("name");
  if (!name.ok()) return name.status();
  return ChangeFiles(call, [&](json& files) {
    if (files.erase(*name) == 0) return Status::NotFound("name: no file '" + *name + "'");
    return Status::Ok();
  });
}

Result<json> FilesRead(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  const json files = ParseObject(project->files_json);
  json out = json::array();
  const std::optional<std::string> only = call.params.Get("name");
  for (const auto& [name, file] : files.items()) {
    if (!only || *only == name) out.push_back(FileJson(name, file));
  }
  if (only && out.empty()) return Status::NotFound("name: no file '" + *only + "'");
  return json{{"files", out}};
}

// The build check: a Python project needs main.py, a C# project a .cs file.
std::string BuildProblem(const ProjectRecord& project) {
  const json files = ParseObject(project.files_json);
  if (project.language == "Py")
    return files.contains("main.py") ? "" : "the project has no main.py";
  for (const auto& [name, file] : files.items()) {
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".cs") == 0) return "";
  }
  return "the project has no .cs file";
}

Result<json> CompileCreate(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  return json{{"compileId", CompileId(*project)}, {"state", "InQueue"}, {"logs", json::array()}};
}

Result<json> CompileRead(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<std::string> compile_id = call.params.Required("compileId");
  if (!compile_id.ok()) return compile_id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  std::string problem = BuildProblem(*project);
  if (problem.empty() && *compile_id != CompileId(*project)) {
    problem = "the project changed after this compile (compile it again)";
  }
  json logs = json::array();
  if (problem.empty()) {
    logs.push_back("Build Request Successful for Project ID " + std::to_string(project->id) +
                   ", with CompileID " + *compile_id + ", Lean Version: btrouter");
  } else {
    logs.push_back("Build Error: " + problem);
  }
  return json{{"compileId", *compile_id},
              {"state", problem.empty() ? "BuildSuccess" : "BuildError"},
              {"logs", logs}};
}

}  // namespace

Result<ProjectRecord> CallerProject(QcCall& call, int64_t id) {
  return call.deps.store->GetProject(call.caller.tenant, id);
}

json ProjectJson(const ProjectRecord& p) {
  json parameters = json::array();
  const json stored = ParseObject(p.parameters_json);
  for (const auto& [key, value] : stored.items()) {
    parameters.push_back(
        {{"key", key}, {"value", value.is_string() ? value.get<std::string>() : value.dump()}});
  }
  return {{"projectId", p.id},
          {"organizationId", p.tenant},
          {"name", p.name},
          {"description", p.description},
          {"modified", QcTime(p.modified_at)},
          {"created", QcTime(p.created_at)},
          {"language", p.language},
          {"collaborators", json::array()},
          {"leanVersionId", 0},
          {"leanPinnedToMaster", true},
          {"leanEnvironment", 1},
          {"parameters", parameters},
          {"libraries", json::array()},
          {"encrypted", false}};
}

std::string CompileId(const ProjectRecord& p) {
  const std::string digest = Sha256Hex(p.language + "\n" + p.files_json + "\n" + p.parameters_json);
  return digest.substr(0, 32) + "-" + std::to_string(p.id);
}

void AddProjectHandlers(QcHandlers* handlers) {
  (*handlers)["projects/create"] = ProjectsCreate;
  (*handlers)["projects/read"] = ProjectsRead;
  (*handlers)["projects/update"] = ProjectsUpdate;
  (*handlers)["projects/delete"] = ProjectsDelete;
  (*handlers)["files/create"] = FilesCreate;
  (*handlers)["files/read"] = FilesRead;
  (*handlers)["files/update"] = FilesUpdate;
  (*handlers)["files/delete"] = FilesDelete;
  (*handlers)["compile/create"] = CompileCreate;
  (*handlers)["compile/read"] = CompileRead;
}

}  // namespace btr::qcapi
