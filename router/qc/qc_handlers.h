// Internal to router/qc: one authenticated call and the handler groups BuildQcRoutes joins.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "router/qc/qc_api.h"
#include "router/qc/qc_call.h"

namespace btr::qcapi {

struct QcCall {
  const QcDeps& deps;
  const ApiRequest& request;
  QcParams params;
  ApiKeyRecord caller;
  TimeNs now = 0;
};

// An endpoint: the body of a success reply (merged into {"success": true}), or the error.
using QcHandler = std::function<Result<nlohmann::ordered_json>(QcCall& call)>;

// endpoint ("projects/create") -> handler.
using QcHandlers = std::map<std::string, QcHandler>;

void AddProjectHandlers(QcHandlers* handlers);       // projects, files, compile (qc_projects.cc)
void AddBacktestHandlers(QcHandlers* handlers);      // backtests, live (qc_backtests.cc)
void AddChartHandlers(QcHandlers* handlers);         // backtests/chart|orders/read (qc_charts.cc)
void AddOptimizationHandlers(QcHandlers* handlers);  // optimizations/* (qc_optimizations.cc)

// backtests/read of a trial of an optimization of the project: "<optimization id>-<point>",
// one of the report's top trials, shown as a completed backtest (metrics only, no trades).
// NotFound when `backtest_id` is no such trial.
Result<nlohmann::ordered_json> ReadOptimizationTrial(QcCall& call, int64_t project_id,
                                                     const std::string& backtest_id);

// The idempotency keys of runs created here: "<kind>/<projectId>/<nonce>/<name>", kind
// kBacktestKey or kOptimizationKey; ParseRunKey reads the project id and the name back.
inline constexpr std::string_view kBacktestKey = "qc";
inline constexpr std::string_view kOptimizationKey = "qco";
std::string RunKey(std::string_view kind, int64_t project_id, const std::string& name);
bool ParseRunKey(std::string_view kind, const std::string& key, int64_t* project_id,
                 std::string* name);

// The caller's runs of `kind` for project `project_id` among the tenant's newest 10,000 jobs,
// newest first, with the name each key holds.
struct ProjectRun {
  JobRecord job;
  std::string name;  // as ApplyRunLabel gives it
  std::string note;
};
Result<std::vector<ProjectRun>> ListProjectRuns(QcCall& call, std::string_view kind,
                                                int64_t project_id);
// backtests/delete and optimizations/delete: a queued or running job is cancelled (its record
// stays, in /v1), a finished one deleted, with its label in project `project_id`.
Status CancelOrDelete(QcCall& call, int64_t project_id, const JobRecord& job);

// The project's parameters, overridden by the call's `parameters` when `with_overrides` (a
// backtest's; an optimization's `parameters` are its swept ranges).
std::map<std::string, std::string> ProjectParameters(const QcCall& call,
                                                     const ProjectRecord& project,
                                                     bool with_overrides);
// The body POST /v1/backtests takes for a project's parameters: with a `strategy` parameter a
// catalogue run (strategy, dataset, engine, settings, window, strategy parameters); without
// one, the project's own source as "algorithm" (its .py or .cs files; the parameters other than
// engine, dataset, start, end and cash become the algorithm's; engine default lean_local).
// InvalidArgument naming the parameter (`dataset` is always required).
Result<nlohmann::ordered_json> RunBodyForProject(
    const QcCall& call, const ProjectRecord& project,
    const std::map<std::string, std::string>& parameters);

// The caller's backtest `backtestId` of project `projectId`, with the project id, its name and
// note (ApplyRunLabel); NotFound naming both when either is not the caller's.
Result<JobRecord> CallerBacktest(QcCall& call, int64_t* project_id, std::string* name,
                                 std::string* note = nullptr);

// A run's name is the one its key holds (given at creation) unless backtests/update or
// optimizations/update gave another; its note is empty unless given (qc_run_labels.cc). The
// labels live in the project's runs_json, written alone (ProjectStore::SetProjectRuns), so a
// rename never undoes a file push; two renames of one project at once may keep only one.
class RunLabels {
 public:
  explicit RunLabels(const ProjectRecord& project);  // parses runs_json once
  // Overrides `name` and `note` (either may be null) with the label of `job_id`, if any.
  void Apply(const std::string& job_id, std::string* name, std::string* note) const;

 private:
  nlohmann::json labels_;
};
// Stores a new name and/or note (nullopt: unchanged): InvalidArgument naming the field for an
// empty or over-long name (200 bytes) or note (2,000), or when neither is given.
Status SetRunLabel(QcCall& call, int64_t project_id, const std::string& job_id,
                   const std::optional<std::string>& name, const std::optional<std::string>& note);
// Drops the label of a deleted run (best effort).
void ForgetRunLabel(QcCall& call, int64_t project_id, const std::string& job_id);

// The caller's project; NotFound naming the id.
Result<ProjectRecord> CallerProject(QcCall& call, int64_t id);
// The project as QuantConnect shows it (lean-cli's QCProject).
nlohmann::ordered_json ProjectJson(const ProjectRecord& project);
// The compile id of the project's current content: "<32 hex>-<projectId>".
std::string CompileId(const ProjectRecord& project);

}  // namespace btr::qcapi
