// /api/v2 backtests and live.
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "engines/core/random.h"
#include "engines/spec_json.h"
#include "router/qc/qc_handlers.h"
#include "router/qc/qc_results.h"

namespace btr::qcapi {
namespace {

using json = nlohmann::ordered_json;

// The settings of POST /v1/backtests a project parameter may set, and their JSON types.
const std::set<std::string>& NumberSettings() {
  static const std::set<std::string> keys = {"cash", "commission", "commission_fixed", "spread",
                                             "margin"};
  return keys;
}
const std::set<std::string>& BoolSettings() {
  static const std::set<std::string> keys = {"trade_on_close", "exclusive_orders", "hedging",
                                             "finalize_trades"};
  return keys;
}

Result<double> ParseNumber(const std::string& name, const std::string& text) {
  if (text == "true") return 1.0;
  if (text == "false") return 0.0;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("parameters." + name + ": expected a number, got '" + text +
                                   "'");
  }
  return value;
}

}  // namespace

namespace {

// The project's source files of its language, for "algorithm": main.py and other .py files of
// a Python project, the .cs files of a C# one (notebooks and other files stay behind).
json ProjectSource(const ProjectRecord& project) {
  const bool python = project.language != "C#";
  json files = json::object();
  const json stored = json::parse(project.files_json, nullptr, false);
  if (!stored.is_object()) return files;
  for (const auto& [name, file] : stored.items()) {
    if (!name.ends_with(python ? ".py" : ".cs")) continue;
    if (file.is_object() && file.contains("content") && file["content"].is_string()) {
      files[name] = file["content"];
    }
  }
  return files;
}

// The run of a project without a `strategy` parameter: its own source on a LEAN engine.
Result<json> AlgorithmBody(const ProjectRecord& project,
                           const std::map<std::string, std::string>& parameters) {
  json algorithm = {{"language", project.language == "C#" ? "csharp" : "python"},
                    {"files", ProjectSource(project)},
                    {"parameters", json::object()}};
  json body = {{"engine", "lean_local"}, {"algorithm", json::object()}};
  for (const auto& [key, value] : parameters) {
    if (key == "engine" || key == "dataset" || key == "start" || key == "end") {
      body[key] = value;
    } else if (key == "cash") {
      Result<double> number = ParseNumber(key, value);
      if (!number.ok()) return number.status();
      body[key] = *number;
    } else {
      algorithm["parameters"][key] = value;
    }
  }
  body["algorithm"] = std::move(algorithm);
  return body;
}

}  // namespace

Result<json> RunBodyForProject(const QcCall& call, const ProjectRecord& project,
                               const std::map<std::string, std::string>& parameters) {
  auto get = [&](const std::string& key) -> std::string {
    auto it = parameters.find(key);
    return it == parameters.end() ? "" : it->second;
  };
  if (get("dataset").empty()) {
    return Status::InvalidArgument(
        "parameters.dataset: required: the id of a dataset from POST /v1/datasets (the bars a "
        "catalogue strategy runs on, or the data a project's own algorithm reads, written as "
        "the ticker its `ticker` parameter names, default BTRDATA)");
  }
  if (get("strategy").empty()) return AlgorithmBody(project, parameters);
  json body = {
      {"engine", get("engine").empty() ? call.deps.jobs->options().default_engine : get("engine")},
      {"dataset", get("dataset")},
      {"strategy", {{"name", get("strategy")}, {"params", json::object()}}}};
  for (const auto& [key, value] : parameters) {
    if (key == "strategy" || key == "dataset" || key == "engine") continue;
    if (key == "start" || key == "end") {
      body[key] = value;
    } else if (BoolSettings().count(key) != 0) {
      body[key] = value == "true" || value == "1" || value == "True";
    } else {
      Result<double> number = ParseNumber(key, value);
      if (!number.ok()) return number.status();
      if (NumberSettings().count(key) != 0) {
        body[key] = *number;
      } else {
        body["strategy"]["params"][key] = *number;
      }
    }
  }
  return body;
}

std::map<std::string, std::string> ProjectParameters(const QcCall& call,
                                                     const ProjectRecord& project,
                                                     bool with_overrides) {
  std::map<std::string, std::string> parameters;
  const json stored = json::parse(project.parameters_json, nullptr, false);
  if (stored.is_object()) {
    for (const auto& [k, v] : stored.items()) {
      parameters[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
  }
  if (with_overrides) {
    for (const auto& [k, v] : call.params.KeyValues("parameters")) parameters[k] = v;
  }
  return parameters;
}

std::string RunKey(std::string_view kind, int64_t project_id, const std::string& name) {
  return std::string(kind) + "/" + std::to_string(project_id) + "/" + NewId("") + "/" +
         name.substr(0, 150);
}

bool ParseRunKey(std::string_view kind, const std::string& key, int64_t* project_id,
                 std::string* name) {
  const std::string prefix = std::string(kind) + "/";
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t slash = key.find('/', prefix.size());
  if (slash == std::string::npos) return false;
  const auto [end, error] =
      std::from_chars(key.data() + prefix.size(), key.data() + slash, *project_id);
  if (error != std::errc() || end != key.data() + slash) return false;
  const size_t name_at = key.find('/', slash + 1);
  *name = name_at == std::string::npos ? "" : key.substr(name_at + 1);
  return true;
}

Result<std::vector<ProjectRun>> ListProjectRuns(QcCall& call, std::string_view kind,
                                                int64_t project_id) {
  Result<ProjectRecord> project = CallerProject(call, project_id);
  if (!project.ok()) return project.status();
  const RunLabels labels(*project);
  std::vector<ProjectRun> runs;
  JobQuery query;
  query.tenant = call.caller.tenant;
  query.limit = 500;
  for (int page = 0; page < 20; ++page) {
    Result<JobPage> jobs = call.deps.store->ListJobs(query);
    if (!jobs.ok()) return jobs.status();
    for (JobRecord& job : jobs->jobs) {
      int64_t owner = 0;
      std::string name;
      if (ParseRunKey(kind, job.idempotency_key, &owner, &name) && owner == project_id) {
        std::string note;
        labels.Apply(job.id, &name, &note);
        runs.push_back({std::move(job), std::move(name), std::move(note)});
      }
    }
    if (jobs->next_cursor.empty()) break;
    query.cursor = jobs->next_cursor;
  }
  return runs;
}

Status CancelOrDelete(QcCall& call, int64_t project_id, const JobRecord& job) {
  if (job.status == JobStatus::kQueued || job.status == JobStatus::kRunning) {
    return call.deps.jobs->Cancel(call.caller.tenant, job.id).status();
  }
  BTR_RETURN_IF_ERROR(call.deps.jobs->Delete(call.caller.tenant, job.id));
  ForgetRunLabel(call, project_id, job.id);
  return Status::Ok();
}

namespace {

bool ParseBacktestKey(const std::string& key, int64_t* project_id, std::string* name) {
  return ParseRunKey(kBacktestKey, key, project_id, name);
}

}  // namespace

Result<JobRecord> CallerBacktest(QcCall& call, int64_t* project_id, std::string* name,
                                 std::string* note) {
  Result<int64_t> project = call.params.RequiredInt("projectId");
  if (!project.ok()) return project.status();
  Result<std::string> id = call.params.Required("backtestId");
  if (!id.ok()) return id.status();
  Result<JobRecord> job = call.deps.jobs->Get(call.caller.tenant, *id);
  int64_t owner = 0;
  if (!job.ok() || !ParseBacktestKey(job->idempotency_key, &owner, name) || owner != *project) {
    return Status::NotFound("backtestId: project " + std::to_string(*project) +
                            " has no backtest '" + *id + "'");
  }
  *project_id = owner;
  Result<ProjectRecord> record = CallerProject(call, owner);
  if (record.ok()) RunLabels(*record).Apply(job->id, name, note);
  return job;
}

namespace {

json ReadBacktest(QcCall& call, const JobRecord& job, int64_t project_id, const std::string& name,
                  const std::string& note) {
  std::string result_json;
  if (job.status == JobStatus::kSucceeded) {
    Result<JobResult> result = call.deps.store->GetResult(call.caller.tenant, job.id);
    if (result.ok()) result_json = result->result_json;
  }
  return BacktestJson(job, project_id, name, note, result_json);
}

Result<json> BacktestsCreate(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<std::string> compile_id = call.params.Required("compileId");
  if (!compile_id.ok()) return compile_id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  if (*compile_id != CompileId(*project)) {
    return Status::FailedPrecondition(
        "compileId: the project changed after this compile (compile it again)");
  }
  Result<json> run = RunBodyForProject(call, *project, ProjectParameters(call, *project, true));
  if (!run.ok()) return run.status();
  Result<BacktestSpec> spec = SpecFromJson(*run);
  if (!spec.ok()) return spec.status();
  const std::string name = call.params.Get("backtestName").value_or("Backtest " + QcTime(call.now));
  Result<SubmitOutcome> submitted =
      call.deps.jobs->Submit(call.caller.tenant, *spec, RunKey(kBacktestKey, *id, name));
  if (!submitted.ok()) return submitted.status();
  return json{{"backtest", ReadBacktest(call, submitted->job, *id, name, "")},
              {"debugging", false}};
}

Result<json> BacktestsRead(QcCall& call) {
  int64_t project_id = 0;
  std::string name, note;
  Result<JobRecord> job = CallerBacktest(call, &project_id, &name, &note);
  if (!job.ok()) {
    // An optimization's trial, as lean-cli reads the best one after `lean cloud optimize`.
    Result<int64_t> project = call.params.RequiredInt("projectId");
    const std::optional<std::string> id = call.params.Get("backtestId");
    if (project.ok() && id) {
      Result<json> trial = ReadOptimizationTrial(call, *project, *id);
      if (trial.ok()) return json{{"backtest", *trial}, {"debugging", false}};
    }
    return job.status();
  }
  return json{{"backtest", ReadBacktest(call, *job, project_id, name, note)}, {"debugging", false}};
}

Result<json> BacktestsList(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  Result<std::vector<ProjectRun>> runs = ListProjectRuns(call, kBacktestKey, *id);
  if (!runs.ok()) return runs.status();
  json backtests = json::array();
  for (const ProjectRun& run : *runs) {
    backtests.push_back(BacktestJson(run.job, *id, run.name, run.note, ""));
  }
  return json{{"backtests", backtests}, {"count", backtests.size()}};
}

Result<json> BacktestsDelete(QcCall& call) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> job = CallerBacktest(call, &project_id, &name);
  if (!job.ok()) return job.status();
  BTR_RETURN_IF_ERROR(CancelOrDelete(call, project_id, *job));
  return json::object();
}

// backtests/update: a new name and/or note.
Result<json> BacktestsUpdate(QcCall& call) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> job = CallerBacktest(call, &project_id, &name);
  if (!job.ok()) return job.status();
  BTR_RETURN_IF_ERROR(
      SetRunLabel(call, project_id, job->id, call.params.Get("name"), call.params.Get("note")));
  return json::object();
}

Result<json> LiveRead(QcCall& call) {
  return Status::NotFound("project " + call.params.Get("projectId").value_or("?") +
                          " is not deployed: btrouter runs backtests, not live algorithms");
}

}  // namespace

void AddBacktestHandlers(QcHandlers* handlers) {
  (*handlers)["backtests/create"] = BacktestsCreate;
  (*handlers)["backtests/read"] = BacktestsRead;
  (*handlers)["backtests/list"] = BacktestsList;
  (*handlers)["backtests/update"] = BacktestsUpdate;
  (*handlers)["backtests/delete"] = BacktestsDelete;
  (*handlers)["live/read"] = LiveRead;
}

}  // namespace btr::qcapi
