// /v1/optimizations routes: parameter sweeps, run as jobs whose spec carries the sweep
// (BacktestSpec::sweep; services/jobs/sweep_job.h). An optimization is a job like a backtest —
// same store, queue, workers, leases, cancel and progress — whose result is the optimization
// report (engines/optimize/optimization.h).
#include <optional>

#include "engines/core/json_text.h"
#include "engines/optimize/optimization.h"
#include "engines/spec_json.h"
#include "router/http/handlers.h"
#include "router/http/route_util.h"
#include "services/jobs/sweep_job.h"

namespace btr {
namespace {

using json = nlohmann::json;
using route_util::Problem;

// Top-level fields of the request that are the job's, not the sweep's.
constexpr const char* kJobFields[] = {"engine", "dataset", "priority"};

}  // namespace

Result<BacktestSpec> OptimizationSpec(const json& body) {
  if (body.contains("chunk")) {
    return Status::InvalidArgument(
        "chunk: not a request field (btrouter sets it on the parts of "
        "a sweep it spreads over workers)");
  }
  json sweep = body;
  for (const char* field : kJobFields) sweep.erase(field);
  Result<OptimizationRequest> request = OptimizationRequestFromJson(sweep);
  if (!request.ok()) return request.status();
  const json engine = body.value("engine", json("native"));
  if (!engine.is_string() || engine == "auto") {
    return Status::InvalidArgument(
        "engine: name the engine that runs every trial (default native; a sweep does not route "
        "or fall back, so not auto)");
  }
  json spec = sweep.value("settings", json::object());
  json params = json::object();
  for (const auto& [name, value] : request->params) params[name] = value;
  spec["engine"] = engine;
  spec["strategy"] = {{"name", request->strategy}, {"params", params}};
  if (!body.contains("dataset")) {
    return Status::InvalidArgument("dataset: required (the id from POST /v1/datasets)");
  }
  spec["dataset"] = body["dataset"];
  spec["sweep"] = sweep;
  return SpecFromJson(spec);
}

namespace {

ApiReply Create(const ApiDeps& deps, const ApiRequest& req) {
  const json body = ParseJson(req.body);
  if (body.is_discarded() || !body.is_object()) {
    return Problem(Status::InvalidArgument(
                       "body: expected a JSON object (see OptimizationRequest in /openapi.json)"),
                   req);
  }
  JobPriority priority = JobPriority::kNormal;
  if (body.contains("priority")) {
    std::optional<JobPriority> parsed = body["priority"].is_string()
                                            ? ParseJobPriority(body["priority"].get<std::string>())
                                            : std::nullopt;
    if (!parsed)
      return Problem(Status::InvalidArgument("priority: expected high, normal or low"), req);
    priority = *parsed;
  }
  Result<BacktestSpec> spec = OptimizationSpec(body);
  if (!spec.ok()) return Problem(spec.status(), req);
  const std::string key = req.Header("idempotency-key").value_or("");
  if (key.size() > 200) {
    return Problem(Status::InvalidArgument("Idempotency-Key: at most 200 characters"), req);
  }
  Result<SubmitOutcome> outcome = deps.jobs->Submit(req.caller.tenant, *spec, key, priority);
  if (!outcome.ok()) return Problem(outcome.status(), req);
  ApiReply reply = ApiReply::Json(202, JobToJson(outcome->job));
  reply.headers.emplace_back("Location", "/v1/optimizations/" + outcome->job.id);
  if (!outcome->created) reply.headers.emplace_back("Idempotent-Replayed", "true");
  return reply;
}

bool IsSweep(const JobRecord& job) {
  const json spec = json::parse(job.spec_json, nullptr, false);
  return spec.is_object() && spec.contains("sweep") && !IsSweepChunk(job);
}

// The caller's optimization `id`: NotFound for another tenant's job or a plain backtest.
Result<JobRecord> Optimization(const ApiDeps& deps, const ApiRequest& req) {
  const std::string id = req.params.at("id");
  Result<JobRecord> job = deps.jobs->Get(req.caller.tenant, id);
  if (!job.ok()) return job.status();
  if (!IsSweep(*job)) {
    return Status::NotFound("id: '" + id +
                            "' is a backtest, not an optimization (GET /v1/backtests/" + id + ")");
  }
  return job;
}

ApiReply Get(const ApiDeps& deps, const ApiRequest& req) {
  Result<JobRecord> job = Optimization(deps, req);
  if (!job.ok()) return Problem(job.status(), req);
  return JobReplyWithWait(deps, req, *job);
}

// The report of a succeeded optimization; FailedPrecondition before.
Result<json> Report(const ApiDeps& deps, const ApiRequest& req) {
  Result<JobRecord> job = Optimization(deps, req);
  if (!job.ok()) return job.status();
  if (job->status != JobStatus::kSucceeded) {
    return Status::FailedPrecondition("status: the optimization is " +
                                      std::string(JobStatusName(job->status)) +
                                      "; its report exists once it succeeded");
  }
  Result<JobResult> result = deps.store->GetResult(req.caller.tenant, job->id);
  if (!result.ok()) return result.status();
  json report = json::parse(result->result_json, nullptr, false);
  if (report.is_discarded()) return Status::Internal("the stored report is not JSON");
  return report;
}

ApiReply GetReport(const ApiDeps& deps, const ApiRequest& req) {
  Result<json> report = Report(deps, req);
  if (!report.ok()) return Problem(report.status(), req);
  return ApiReply::Json(200, *report);
}

// Every trial of the report as CSV: the swept parameters and the objective.
ApiReply GetTrialsCsv(const ApiDeps& deps, const ApiRequest& req) {
  Result<json> report = Report(deps, req);
  if (!report.ok()) return Problem(report.status(), req);
  const json& trials = (*report)["trials"];
  std::string csv;
  for (const json& c : trials["columns"]) csv += (csv.empty() ? "" : ",") + c.get<std::string>();
  csv += "\n";
  for (const json& row : trials["rows"]) {
    std::string line;
    for (const json& v : row) line += (line.empty() ? "" : ",") + (v.is_null() ? "" : v.dump());
    csv += line + "\n";
  }
  ApiReply reply;
  reply.body = std::move(csv);
  reply.content_type = "text/csv; charset=utf-8";
  reply.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + req.params.at("id") + "-trials.csv\"");
  return reply;
}

ApiReply Cancel(const ApiDeps& deps, const ApiRequest& req) {
  Result<JobRecord> job = Optimization(deps, req);
  if (!job.ok()) return Problem(job.status(), req);
  Result<JobRecord> cancelled = deps.jobs->Cancel(req.caller.tenant, job->id);
  if (!cancelled.ok()) return Problem(cancelled.status(), req);
  return ApiReply::Json(202, JobToJson(*cancelled));
}

// Optimizations among the caller's jobs, newest first. Jobs are paged as GET /v1/backtests
// pages them and the page keeps the optimizations: a page may hold fewer than `limit` items
// (even none) while next_cursor goes on.
ApiReply List(const ApiDeps& deps, const ApiRequest& req) {
  JobQuery query;
  query.tenant = req.caller.tenant;
  query.cursor = req.Query("cursor").value_or("");
  Result<size_t> limit = route_util::PageLimit(req, deps.limits);
  if (!limit.ok()) return Problem(limit.status(), req);
  query.limit = *limit;
  Result<JobPage> page = deps.store->ListJobs(query);
  if (!page.ok()) return Problem(page.status(), req);
  json items = json::array();
  for (const JobRecord& job : page->jobs) {
    if (IsSweep(job)) items.push_back(JobToJson(job));
  }
  return ApiReply::Json(
      200, {{"items", items},
            {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}});
}

}  // namespace

std::vector<ApiRoute> OptimizationRoutes(const ApiDeps& deps) {
  auto bind = [deps](ApiReply (*fn)(const ApiDeps&, const ApiRequest&)) {
    return [deps, fn](const ApiRequest& req) { return fn(deps, req); };
  };
  return {
      {.method = "POST",
       .path = "/v1/optimizations",
       .summary = "Sweep a strategy's parameters on a dataset (on one engine); the job's result "
                  "is the report with the overfitting statistics",
       .handler = bind(Create),
       .success_code = 202,
       .success_schema = SchemaRef("Job"),
       .body = JsonBody("OptimizationRequest"),
       .params = {{.name = "Idempotency-Key",
                   .in = ApiParam::In::kHeader,
                   .description = "As for POST /v1/backtests",
                   .schema = {{"type", "string"}, {"maxLength", 200}}}},
       .problems = {422, 429, 503}},
      {.method = "GET",
       .path = "/v1/optimizations",
       .summary = "List optimizations, newest first (a page may hold fewer than limit; follow "
                  "next_cursor)",
       .handler = bind(List),
       .success_schema = SchemaRef("JobPage"),
       .params = {route_util::LimitParam(deps.limits), route_util::CursorParam()}},
      {.method = "GET",
       .path = "/v1/optimizations/{id}",
       .summary = "An optimization's status and progress (the share of trials done; ?wait= "
                  "long-polls)",
       .handler = bind(Get),
       .success_schema = SchemaRef("Job"),
       .params = {route_util::WaitParam(deps.limits)}},
      {.method = "GET",
       .path = "/v1/optimizations/{id}/report",
       .summary = "The report: best, top trials, every trial's objective, heatmap, deflated "
                  "Sharpe, PBO and plateau analysis (409 unless succeeded)",
       .handler = bind(GetReport),
       .success_schema = SchemaRef("OptimizationReport"),
       .problems = {409}},
      {.method = "GET",
       .path = "/v1/optimizations/{id}/trials.csv",
       .summary = "Every trial's swept parameters and objective as CSV (409 unless succeeded)",
       .handler = bind(GetTrialsCsv),
       .problems = {409}},
      {.method = "POST",
       .path = "/v1/optimizations/{id}/cancel",
       .summary = "Cancel a queued or running optimization (409 once it ended)",
       .handler = bind(Cancel),
       .success_code = 202,
       .success_schema = SchemaRef("Job"),
       .problems = {409}},
  };
}

}  // namespace btr
