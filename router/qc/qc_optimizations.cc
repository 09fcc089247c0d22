// /api/v2 optimizations: QuantConnect's grid optimizations as btrouter parameter sweeps
// (POST /v1/optimizations), plus organizations/read and /list, which lean-cli reads around them.
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "engines/core/random.h"
#include "router/http/handlers.h"
#include "router/qc/qc_handlers.h"
#include "router/qc/qc_results.h"

namespace btr::qcapi {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kTargetPrefix = "TotalPerformance.PortfolioStatistics.";

// QuantConnect's optimization targets, and the canonical metric each is.
const std::map<std::string, std::string>& Targets() {
  static const std::map<std::string, std::string> targets = {{"SharpeRatio", "sharpe_ratio"},
                                                             {"CompoundingAnnualReturn", "cagr"},
                                                             {"Drawdown", "max_drawdown"},
                                                             {"SortinoRatio", "sortino_ratio"},
                                                             {"TotalNetProfit", "total_return"}};
  return targets;
}

// The canonical metric of a target: a QuantConnect target or a canonical key.
Result<std::string> TargetMetric(const std::string& target) {
  std::string name = target;
  if (name.compare(0, kTargetPrefix.size(), kTargetPrefix) == 0) {
    name = name.substr(kTargetPrefix.size());
    auto it = Targets().find(name);
    if (it != Targets().end()) return it->second;
    return Status::InvalidArgument(
        "target: btrouter optimizes SharpeRatio, CompoundingAnnualReturn, Drawdown, "
        "SortinoRatio or TotalNetProfit (or any canonical metric key), not '" +
        name + "'");
  }
  return name;  // a canonical key; POST /v1/optimizations checks it
}

std::string QcTarget(const std::string& metric) {
  for (const auto& [target, key] : Targets()) {
    if (key == metric) return std::string(kTargetPrefix) + target;
  }
  return metric;
}

// The request of POST /v1/optimizations for the project's run and the call's parameters.
Result<json> SweepBody(QcCall& call, const ProjectRecord& project) {
  Result<json> run = RunBodyForProject(call, project, ProjectParameters(call, project, false));
  if (!run.ok()) return run.status();
  if (run->contains("algorithm")) {
    return Status::InvalidArgument(
        "parameters.strategy: btrouter optimizes catalogue strategies (GET /v1/strategies); "
        "this project runs its own algorithm source, which runs as single backtests only");
  }
  Result<std::string> target = call.params.Required("target");
  if (!target.ok()) return target.status();
  Result<std::string> metric = TargetMetric(*target);
  if (!metric.ok()) return metric.status();
  const std::string direction = call.params.Get("targetTo").value_or("max");
  if (direction != "max" && direction != "min") {
    return Status::InvalidArgument("targetTo: expected max or min, got '" + direction + "'");
  }
  json space = json::object();
  for (const auto& p : call.params.List("parameters")) {
    const auto name = p.count("key") != 0 ? p.at("key") : p.count("name") != 0 ? p.at("name") : "";
    if (name.empty()) return Status::InvalidArgument("parameters: every parameter needs a key");
    json range = json::object();
    for (const char* field : {"min", "max", "step"}) {
      auto it = p.find(field);
      char* end = nullptr;
      const double value = it == p.end() ? std::nan("") : std::strtod(it->second.c_str(), &end);
      if (it == p.end() || end == it->second.c_str() || *end != '\0') {
        return Status::InvalidArgument("parameters." + name + "." + field + ": expected a number");
      }
      range[field] = value;
    }
    space[name] = range;
  }
  if (space.empty()) return Status::InvalidArgument("parameters: nothing to optimize");
  json params = (*run)["strategy"]["params"];
  for (const auto& [name, range] : space.items()) params.erase(name);
  json settings = json::object();
  for (const auto& [key, value] : run->items()) {
    if (key != "engine" && key != "dataset" && key != "strategy") settings[key] = value;
  }
  return json{{"engine", (*run)["engine"]},
              {"dataset", (*run)["dataset"]},
              {"strategy", (*run)["strategy"]["name"]},
              {"params", params},
              {"space", space},
              {"objective", {{"metric", *metric}, {"direction", direction}}},
              {"settings", settings}};
}

// A trial as lean-cli's QCOptimizationBacktest: LEAN's positional statistics (Alpha, Annual
// Standard Deviation, Annual Variance, Average Loss, Average Win, Beta, Compounding Annual
// Return, Drawdown, Estimated Strategy Capacity, Expectancy, Information Ratio, Loss Rate, Net
// Profit, Probabilistic Sharpe Ratio, Profit-Loss Ratio, Sharpe Ratio, Total Fees, Total
// Orders, Tracking Error, Treynor Ratio, Win Rate, Sortino Ratio, Start Equity, End Equity,
// Drawdown Recovery) as fractions, 0 where btrouter has no such metric.
json TrialBacktest(const std::string& optimization_id, const json& trial, double cash) {
  const json m = trial.value("metrics", json::object());
  auto v = [&](const char* key) {
    return m.contains(key) && m[key].is_number() ? m[key].get<double>() : 0.0;
  };
  const double vol = v("annual_volatility"), win = v("win_rate");
  const json statistics = {v("alpha"),
                           vol,
                           vol * vol,
                           0.0,
                           0.0,
                           v("beta"),
                           v("cagr"),
                           v("max_drawdown"),
                           0.0,
                           v("expectancy"),
                           0.0,
                           v("num_trades") > 0 ? 1 - win : 0.0,
                           v("total_return"),
                           0.0,
                           0.0,
                           v("sharpe_ratio"),
                           v("commissions"),
                           2 * v("num_trades"),
                           0.0,
                           0.0,
                           win,
                           v("sortino_ratio"),
                           cash,
                           v("equity_final"),
                           0.0};
  json parameter_set = json::object();
  const json params = trial.value("params", json::object());
  for (const auto& [k, value] : params.items()) {
    parameter_set[k] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  const std::string id = optimization_id + "-" + std::to_string(trial.value("point", 0));
  return {{"id", id},
          {"name", "point " + std::to_string(trial.value("point", 0))},
          {"exitCode", trial.contains("error") ? 1 : 0},
          {"progress", 1},
          {"parameterSet", parameter_set},
          {"statistics", statistics}};
}

std::string OptimizationStatus(const JobRecord& job) {
  switch (job.status) {
    case JobStatus::kQueued:
      return "new";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kSucceeded:
      return "completed";
    case JobStatus::kCancelled:
      return "aborted";
    case JobStatus::kFailed:
      return "failed";
  }
  return "new";
}

// The optimization; with `with_trials`, a finished one also reads its report for the trial
// counts and the top trials (a listing leaves them out rather than read every report).
json OptimizationJson(QcCall& call, const JobRecord& job, int64_t project_id,
                      const std::string& name, bool with_trials) {
  const json spec = json::parse(job.spec_json, nullptr, false);
  const json sweep = spec.is_object() ? spec.value("sweep", json::object()) : json::object();
  const json objective = sweep.value("objective", json::object());
  json out = {{"optimizationId", job.id},
              {"projectId", project_id},
              {"name", name},
              {"status", OptimizationStatus(job)},
              {"nodeType", "O2-8"},
              {"parallelNodes", 1},
              {"created", QcTime(job.created_at)},
              {"requested", QcTime(job.created_at)},
              {"strategy", "QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy"},
              {"criterion",
               {{"target", QcTarget(objective.value("metric", "sharpe_ratio"))},
                {"extremum", objective.value("direction", "max")},
                {"targetValue", nullptr}}},
              {"parameters", sweep.value("space", json::object())},
              {"constraints", json::array()},
              {"backtests", json::object()},
              {"btrouter", {{"optimization", "/v1/optimizations/" + job.id}}}};
  const double percent = std::round(job.progress * 100);
  out["runtimeStatistics"] = {{"Completed", std::to_string(static_cast<int>(percent))},
                              {"Failed", "0"},
                              {"Running", job.status == JobStatus::kRunning ? "1" : "0"},
                              {"In Queue", job.status == JobStatus::kQueued ? "1" : "0"},
                              {"Total", "100"}};
  if (job.status == JobStatus::kFailed) out["error"] = job.error_message;
  if (job.status != JobStatus::kSucceeded || !with_trials) return out;
  Result<JobResult> result = call.deps.store->GetResult(call.caller.tenant, job.id);
  const json report = result.ok() ? json::parse(result->result_json, nullptr, false) : json();
  if (!report.is_object()) return out;
  const json counts = report.value("counts", json::object());
  const int trials = counts.value("trials", 0), failed = counts.value("failed", 0);
  out["runtimeStatistics"] = {{"Completed", std::to_string(trials - failed)},
                              {"Failed", std::to_string(failed)},
                              {"Running", "0"},
                              {"In Queue", "0"},
                              {"Total", std::to_string(trials)}};
  const double cash = spec.is_object() ? spec.value("cash", 0.0) : 0.0;
  const json top = report.value("top", json::array());
  for (const json& trial : top) {
    json backtest = TrialBacktest(job.id, trial, cash);
    out["backtests"][backtest["id"].get<std::string>()] = backtest;
  }
  if (report.contains("best") && report["best"].is_object()) {
    out["btrouter"]["best"] = report["best"];
  }
  return out;
}

// The caller's optimization `optimizationId`, with its project id and name.
Result<JobRecord> CallerOptimization(QcCall& call, int64_t* project_id, std::string* name) {
  Result<std::string> id = call.params.Required("optimizationId");
  if (!id.ok()) return id.status();
  Result<JobRecord> job = call.deps.jobs->Get(call.caller.tenant, *id);
  if (!job.ok() || !ParseRunKey(kOptimizationKey, job->idempotency_key, project_id, name)) {
    return Status::NotFound("optimizationId: no optimization '" + *id + "'");
  }
  Result<ProjectRecord> project = CallerProject(call, *project_id);
  if (project.ok()) RunLabels(*project).Apply(job->id, name, nullptr);
  return job;
}

Result<json> Create(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  if (auto compile = call.params.Get("compileId"); compile && *compile != CompileId(*project)) {
    return Status::FailedPrecondition(
        "compileId: the project changed after this compile (compile it again)");
  }
  Result<json> body = SweepBody(call, *project);
  if (!body.ok()) return body.status();
  Result<BacktestSpec> spec = OptimizationSpec(*body);
  if (!spec.ok()) return spec.status();
  const std::string name = call.params.Get("name").value_or("Optimization " + QcTime(call.now));
  Result<SubmitOutcome> submitted =
      call.deps.jobs->Submit(call.caller.tenant, *spec, RunKey(kOptimizationKey, *id, name));
  if (!submitted.ok()) return submitted.status();
  return json{{"optimizations", {OptimizationJson(call, submitted->job, *id, name, true)}}};
}

Result<json> Estimate(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  Result<json> body = SweepBody(call, *project);
  if (!body.ok()) return body.status();
  Result<BacktestSpec> spec = OptimizationSpec(*body);  // the same checks as create
  if (!spec.ok()) return spec.status();
  return json{{"estimate", {{"estimateId", NewId("E-")}, {"time", 1}, {"balance", 0}}}};
}

Result<json> Read(QcCall& call) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> job = CallerOptimization(call, &project_id, &name);
  if (!job.ok()) return job.status();
  return json{{"optimization", OptimizationJson(call, *job, project_id, name, true)}};
}

Result<json> List(QcCall& call) {
  Result<int64_t> id = call.params.RequiredInt("projectId");
  if (!id.ok()) return id.status();
  Result<ProjectRecord> project = CallerProject(call, *id);
  if (!project.ok()) return project.status();
  Result<std::vector<ProjectRun>> runs = ListProjectRuns(call, kOptimizationKey, *id);
  if (!runs.ok()) return runs.status();
  json optimizations = json::array();
  for (const ProjectRun& run : *runs) {
    optimizations.push_back(OptimizationJson(call, run.job, *id, run.name, false));
  }
  return json{{"optimizations", optimizations}, {"count", optimizations.size()}};
}

// optimizations/update: a new name.
Result<json> Update(QcCall& call) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> job = CallerOptimization(call, &project_id, &name);
  if (!job.ok()) return job.status();
  const std::optional<std::string> new_name = call.params.Get("name");
  if (!new_name) return Status::InvalidArgument("name: required, the optimization's new name");
  BTR_RETURN_IF_ERROR(SetRunLabel(call, project_id, job->id, new_name, std::nullopt));
  return json::object();
}

Result<json> Abort(QcCall& call) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> job = CallerOptimization(call, &project_id, &name);
  if (!job.ok()) return job.status();
  Result<JobRecord> cancelled = call.deps.jobs->Cancel(call.caller.tenant, job->id);
  if (!cancelled.ok()) return cancelled.status();
  return json::object();
}

Result<json> Delete(QcCall& call) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> job = CallerOptimization(call, &project_id, &name);
  if (!job.ok()) return job.status();
  BTR_RETURN_IF_ERROR(CancelOrDelete(call, project_id, *job));
  return json::object();
}

// The caller's tenant as a QuantConnect organization (lean-cli reads it before optimizing).
json Organization(const QcCall& call) {
  return {
      {"id", call.caller.tenant},
      {"name", call.caller.tenant},
      {"seats", 1},
      {"type", "btrouter"},
      {"ownerName", "You"},
      {"members", {{{"id", 0}, {"name", call.caller.tenant}, {"isAdmin", true}, {"email", ""}}}},
      {"preferred", true},
      {"credit", {{"movements", json::array()}, {"balance", 0}}},
      {"products", json::array()},
      {"data", {{"current", false}}}};
}

Result<json> OrganizationsRead(QcCall& call) { return json{{"organization", Organization(call)}}; }

Result<json> OrganizationsList(QcCall& call) {
  json org = Organization(call);
  org["members"] = 1;
  return json{{"organizations", {org}}};
}

}  // namespace

Result<json> ReadOptimizationTrial(QcCall& call, int64_t project_id,
                                   const std::string& backtest_id) {
  const size_t dash = backtest_id.rfind('-');
  const Status none = Status::NotFound("backtestId: no backtest '" + backtest_id + "'");
  if (dash == std::string::npos) return none;
  Result<JobRecord> job = call.deps.jobs->Get(call.caller.tenant, backtest_id.substr(0, dash));
  int64_t owner = 0;
  std::string name;
  if (!job.ok() || job->status != JobStatus::kSucceeded ||
      !ParseRunKey(kOptimizationKey, job->idempotency_key, &owner, &name) || owner != project_id) {
    return none;
  }
  Result<JobResult> result = call.deps.store->GetResult(call.caller.tenant, job->id);
  if (!result.ok()) return result.status();
  const json report = json::parse(result->result_json, nullptr, false);
  const json top = report.is_object() ? report.value("top", json::array()) : json::array();
  const std::string point = backtest_id.substr(dash + 1);
  for (const json& trial : top) {
    if (std::to_string(trial.value("point", -1)) != point || !trial.contains("metrics")) continue;
    const json spec = json::parse(job->spec_json, nullptr, false);
    const double cash = spec.is_object() ? spec.value("cash", 0.0) : 0.0;
    const json stats = StatisticsFromResult({{"metrics", trial["metrics"]}}, cash);
    return json{
        {"backtestId", backtest_id},
        {"projectId", project_id},
        {"name", name + " point " + point},
        {"created", QcTime(job->created_at)},
        {"status", "Completed."},
        {"completed", true},
        {"progress", 1.0},
        {"error", nullptr},
        {"stacktrace", nullptr},
        {"note", nullptr},
        {"hasInitializeError", false},
        {"parameterSet", trial.value("params", json::object())},
        {"statistics", stats["statistics"]},
        {"runtimeStatistics", stats["runtimeStatistics"]},
        {"totalPerformance", stats["totalPerformance"]},
        {"btrouter",
         {{"optimization", "/v1/optimizations/" + job->id}, {"metrics", trial["metrics"]}}}};
  }
  return none;
}

void AddOptimizationHandlers(QcHandlers* handlers) {
  (*handlers)["optimizations/create"] = Create;
  (*handlers)["optimizations/estimate"] = Estimate;
  (*handlers)["optimizations/read"] = Read;
  (*handlers)["optimizations/list"] = List;
  (*handlers)["optimizations/update"] = Update;
  (*handlers)["optimizations/abort"] = Abort;
  (*handlers)["optimizations/delete"] = Delete;
  (*handlers)["organizations/read"] = OrganizationsRead;
  (*handlers)["organizations/list"] = OrganizationsList;
}

}  // namespace btr::qcapi
