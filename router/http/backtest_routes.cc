// /v1/backtests routes.
#include <algorithm>
#include <cmath>
#include <optional>

#include "engines/core/json_text.h"
#include "engines/data/bar_cache.h"
#include "engines/metrics/metrics.h"
#include "engines/spec_json.h"
#include "engines/spec_window.h"
#include "router/http/route_util.h"
#include "services/jobs/result_builder.h"
#include "services/jobs/sweep_job.h"

namespace btr {

using route_util::PageLimit;
using route_util::Problem;

nlohmann::json JobToJson(const JobRecord& job) {
  auto time_or_null = [](TimeNs t) -> nlohmann::json {
    if (t == 0) return nullptr;
    return FormatIsoTime(t, true);
  };
  nlohmann::json spec = nlohmann::json::parse(job.spec_json, nullptr, false);
  nlohmann::json fallbacks = nlohmann::json::parse(job.fallbacks_json, nullptr, false);
  nlohmann::json out = {
      {"id", job.id},
      {"status", std::string(JobStatusName(job.status))},
      {"progress", job.progress},
      {"phase", job.phase},
      {"engine_requested", job.engine_requested},
      {"engine_used",
       job.engine_used.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.engine_used)},
      {"fallbacks", fallbacks.is_discarded() ? nlohmann::json::array() : fallbacks},
      {"cancel_requested", job.cancel_requested},
      {"attempt", job.attempt},
      {"priority",
       std::string(JobPriorityName(static_cast<JobPriority>(std::clamp(job.priority, 0, 2))))},
      {"created_at", time_or_null(job.created_at)},
      {"updated_at", time_or_null(job.updated_at)},
      {"started_at", time_or_null(job.started_at)},
      {"finished_at", time_or_null(job.finished_at)},
      {"spec", spec.is_discarded() ? nlohmann::json(nullptr) : spec},
  };
  if (!job.error_code.empty()) {
    out["error"] = {{"code", job.error_code}, {"message", job.error_message}};
  }
  return out;
}

ApiReply JobReplyWithWait(const ApiDeps& deps, const ApiRequest& req, const JobRecord& job) {
  if (IsTerminal(job.status)) return ApiReply::Json(200, JobToJson(job));
  Result<std::optional<std::chrono::milliseconds>> wait =
      route_util::LongPollWait(req, deps.limits);
  if (!wait.ok()) return Problem(wait.status(), req);
  if (!*wait) return ApiReply::Json(200, JobToJson(job));
  const std::chrono::milliseconds timeout = **wait;
  ApiReply reply;
  const TimeNs since = job.updated_at;
  JobService* jobs = deps.jobs;
  const std::string tenant = req.caller.tenant, id = job.id, path = req.path;
  reply.deferred = [jobs, tenant, id, since, timeout, path] {
    Result<JobRecord> changed = jobs->WaitForChange(tenant, id, since, timeout);
    if (!changed.ok()) return ApiReply::Problem(changed.status(), path);
    return ApiReply::Json(200, JobToJson(*changed));
  };
  return reply;
}

namespace {

ApiReply Submit(const ApiDeps& deps, const ApiRequest& req) {
  nlohmann::json body = ParseJson(req.body);
  if (body.is_discarded()) {
    return Problem(
        Status::InvalidArgument("body: malformed JSON (send a JSON object, see /openapi.json)"),
        req);
  }
  // The priority is the job's, not the spec's (it does not change the idempotency hash).
  JobPriority priority = JobPriority::kNormal;
  if (body.is_object() && body.contains("priority")) {
    const nlohmann::json& p = body["priority"];
    std::optional<JobPriority> parsed =
        p.is_string() ? ParseJobPriority(p.get<std::string>()) : std::nullopt;
    if (!parsed) {
      return Problem(Status::InvalidArgument("priority: expected high, normal or low"), req);
    }
    priority = *parsed;
    body.erase("priority");
  }
  Result<BacktestSpec> spec = SpecFromJson(body);
  if (!spec.ok()) return Problem(spec.status(), req);
  if (!spec->sweep.empty()) {
    return Problem(Status::InvalidArgument("sweep: parameter sweeps go to POST /v1/optimizations"),
                   req);
  }
  if (!body.contains("engine")) spec->engine = deps.jobs->options().default_engine;
  const std::string key = req.Header("idempotency-key").value_or("");
  if (key.size() > 200) {
    return Problem(Status::InvalidArgument("Idempotency-Key: at most 200 characters"), req);
  }
  Result<SubmitOutcome> outcome = deps.jobs->Submit(req.caller.tenant, *spec, key, priority);
  if (!outcome.ok()) return Problem(outcome.status(), req);
  if (outcome->created) {
    deps.metrics->Increment("btr_jobs_submitted_total", {{"engine", spec->engine}});
  }
  ApiReply reply = ApiReply::Json(202, JobToJson(outcome->job));
  reply.headers.emplace_back("Location", "/v1/backtests/" + outcome->job.id);
  if (!outcome->created) reply.headers.emplace_back("Idempotent-Replayed", "true");
  return reply;
}

ApiReply List(const ApiDeps& deps, const ApiRequest& req) {
  JobQuery query;
  query.tenant = req.caller.tenant;
  if (auto status = req.Query("status")) {
    query.status = ParseJobStatus(*status);
    if (!query.status) {
      return Problem(Status::InvalidArgument(
                         "status: expected queued, running, succeeded, failed or cancelled"),
                     req);
    }
  }
  query.engine = req.Query("engine").value_or("");
  query.cursor = req.Query("cursor").value_or("");
  Result<size_t> limit = PageLimit(req, deps.limits);
  if (!limit.ok()) return Problem(limit.status(), req);
  query.limit = *limit;
  Result<JobPage> page = deps.store->ListJobs(query);
  if (!page.ok()) return Problem(page.status(), req);
  nlohmann::json items = nlohmann::json::array();
  for (const JobRecord& job : page->jobs) {
    if (!IsSweepChunk(job)) items.push_back(JobToJson(job));  // a sweep's parts: not listed
  }
  return ApiReply::Json(
      200, {{"items", items},
            {"next_cursor", page->next_cursor.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(page->next_cursor)}});
}

ApiReply Get(const ApiDeps& deps, const ApiRequest& req) {
  Result<JobRecord> job = deps.jobs->Get(req.caller.tenant, req.params.at("id"));
  if (!job.ok()) return Problem(job.status(), req);
  return JobReplyWithWait(deps, req, *job);
}

Result<JobResult> FinishedResult(const ApiDeps& deps, const ApiRequest& req, JobRecord* job_out) {
  Result<JobRecord> job = deps.store->GetJob(req.caller.tenant, req.params.at("id"));
  if (!job.ok()) return job.status();
  if (job->status != JobStatus::kSucceeded) {
    return Status::FailedPrecondition("status: the job is " +
                                      std::string(JobStatusName(job->status)) +
                                      "; results exist once it succeeded");
  }
  *job_out = *job;
  return deps.store->GetResult(req.caller.tenant, job->id);
}

ApiReply GetResult(const ApiDeps& deps, const ApiRequest& req) {
  JobRecord job;
  Result<JobResult> result = FinishedResult(deps, req, &job);
  if (!result.ok()) return Problem(result.status(), req);
  ApiReply reply;
  reply.body = result->result_json;
  return reply;
}

struct Page {
  size_t offset = 0, limit = 0;
};

Result<Page> ParsePage(const ApiDeps& deps, const ApiRequest& req) {
  Result<size_t> limit = PageLimit(req, deps.limits);
  if (!limit.ok()) return limit.status();
  Result<size_t> offset = route_util::OffsetCursor(req);
  if (!offset.ok()) return offset.status();
  return Page{*offset, *limit};
}

// {"items", "total", "next_cursor"} for items [page.offset, page.offset + items.size()).
ApiReply PageReply(nlohmann::json items, size_t total, const Page& page) {
  const size_t next = page.offset + items.size();
  return ApiReply::Json(200, {{"items", std::move(items)},
                              {"total", total},
                              {"next_cursor", next < total ? nlohmann::json(std::to_string(next))
                                                           : nlohmann::json(nullptr)}});
}

ApiReply GetTrades(const ApiDeps& deps, const ApiRequest& req) {
  JobRecord job;
  Result<JobResult> result = FinishedResult(deps, req, &job);
  if (!result.ok()) return Problem(result.status(), req);
  Result<Page> page = ParsePage(deps, req);
  if (!page.ok()) return Problem(page.status(), req);
  const nlohmann::json doc = nlohmann::json::parse(result->result_json);
  const nlohmann::json& trades = doc["trades"];
  nlohmann::json items = nlohmann::json::array();
  for (size_t k = page->offset; k < trades.size() && items.size() < page->limit; ++k) {
    items.push_back(trades[k]);
  }
  return PageReply(std::move(items), trades.size(), *page);
}

ApiReply GetEquity(const ApiDeps& deps, const ApiRequest& req) {
  JobRecord job;
  Result<JobResult> result = FinishedResult(deps, req, &job);
  if (!result.ok()) return Problem(result.status(), req);
  Result<Page> page = ParsePage(deps, req);
  if (!page.ok()) return Problem(page.status(), req);
  const std::vector<double> equity = DecodeEquity(result->equity);
  Result<BacktestSpec> spec = SpecFromJson(nlohmann::json::parse(job.spec_json, nullptr, false));
  if (!spec.ok()) return Problem(spec.status(), req);
  Result<DatasetRecord> dataset = deps.store->GetDataset(job.tenant, spec->dataset);
  if (!dataset.ok()) return Problem(dataset.status().WithPrefix("dataset"), req);
  LoadOptions load;
  load.cache_dir = deps.cache_dir;
  Result<LoadedBars> loaded = LoadBars(dataset->path, load);
  if (!loaded.ok()) return Problem(loaded.status().WithPrefix("dataset"), req);
  Result<BarWindow> bars = CutToWindow(loaded->bars, *spec);  // the bars the run used
  if (!bars.ok()) return Problem(bars.status(), req);
  const Column<TimeNs>& times = bars->bars().time;
  if (times.size() != equity.size()) {
    return Problem(Status::Internal("equity and dataset lengths differ"), req);
  }
  const std::vector<double> dd = DrawdownSeries(equity);
  nlohmann::json items = nlohmann::json::array();
  for (size_t k = page->offset; k < equity.size() && items.size() < page->limit; ++k) {
    items.push_back(
        {{"time", FormatIsoTime(times[k], true)}, {"equity", equity[k]}, {"drawdown", dd[k]}});
  }
  return PageReply(std::move(items), equity.size(), *page);
}

// GET /v1/backtests/{id}/logs?after=SEQ&limit=N: the job's log lines after `after` (0 = from
// the start), oldest first; "next_after" is the seq to pass next to follow the log.
ApiReply GetLogs(const ApiDeps& deps, const ApiRequest& req) {
  Result<size_t> limit = PageLimit(req, deps.limits);
  if (!limit.ok()) return Problem(limit.status(), req);
  int64_t after = 0;
  if (const std::optional<std::string> text = req.Query("after")) {
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), after);
    if (ec != std::errc() || ptr != text->data() + text->size() || after < 0) {
      return Problem(Status::InvalidArgument("after: expected a whole number >= 0 (the "
                                             "next_after of the previous answer), got '" +
                                             *text + "'"),
                     req);
    }
  }
  Result<std::vector<JobLogEntry>> lines =
      deps.store->ListJobLog(req.caller.tenant, req.params.at("id"), after, *limit);
  if (!lines.ok()) return Problem(lines.status(), req);
  nlohmann::json items = nlohmann::json::array();
  for (const JobLogEntry& line : *lines) {
    items.push_back({{"seq", line.seq},
                     {"time", FormatIsoTime(line.time, true)},
                     {"level", line.level},
                     {"source", line.source},
                     {"message", line.message}});
    after = line.seq;
  }
  return ApiReply::Json(200, {{"items", std::move(items)}, {"next_after", after}});
}

ApiReply Cancel(const ApiDeps& deps, const ApiRequest& req) {
  Result<JobRecord> cancelled = deps.jobs->Cancel(req.caller.tenant, req.params.at("id"));
  if (!cancelled.ok()) return Problem(cancelled.status(), req);
  return ApiReply::Json(202, JobToJson(*cancelled));
}

ApiReply Delete(const ApiDeps& deps, const ApiRequest& req) {
  const std::string id = req.params.at("id");
  Result<JobRecord> job = deps.store->GetJob(req.caller.tenant, id);
  if (!job.ok()) return Problem(job.status(), req);
  if (!IsTerminal(job->status)) {
    Result<JobRecord> cancelled = deps.jobs->Cancel(req.caller.tenant, id);
    if (cancelled.ok()) return ApiReply::Json(202, JobToJson(*cancelled));
    // FailedPrecondition: it finished meanwhile, so it is deleted like any finished job.
    if (cancelled.status().code() != StatusCode::kFailedPrecondition) {
      return Problem(cancelled.status(), req);
    }
  }
  Status deleted = deps.jobs->Delete(req.caller.tenant, id);
  if (!deleted.ok()) return Problem(deleted, req);
  ApiReply reply;
  reply.code = 204;
  return reply;
}

// GET /v1/backtests/{id}/events reaches the route table only without `Upgrade: websocket`
// (the HTTP server hands upgrades to the WebSocket server).
ApiReply EventsWithoutUpgrade(const ApiRequest& req) {
  ApiReply reply =
      ApiReply::Problem(Status::InvalidArgument(
                            "upgrade: this path serves WebSocket only (send `Upgrade: websocket`); "
                            "GET /v1/backtests/{id}?wait= is the long-polling alternative"),
                        req.path, 426);
  reply.headers.emplace_back("Upgrade", "websocket");
  return reply;
}

}  // namespace

std::vector<ApiRoute> BacktestRoutes(const ApiDeps& deps) {
  auto bind = [deps](ApiReply (*fn)(const ApiDeps&, const ApiRequest&)) {
    return [deps, fn](const ApiRequest& req) { return fn(deps, req); };
  };
  const ApiParam idempotency_key = {
      .name = "Idempotency-Key",
      .in = ApiParam::In::kHeader,
      .description =
          "Makes retries safe: a repeat with the same key and body answers the job "
          "the first one created (with Idempotent-Replayed: true); with another "
          "body, 422",
      .schema = {{"type", "string"}, {"maxLength", 200}}};
  const ApiParam status = {
      .name = "status", .description = "Only jobs in this state", .schema = SchemaRef("JobStatus")};
  const ApiParam engine = {.name = "engine", .description = "Only jobs that named this engine"};
  const ApiParam after = {
      .name = "after",
      .description = "Lines after this seq: 0 from the start, else the previous next_after",
      .schema = {{"type", "integer"}, {"minimum", 0}, {"default", 0}}};
  const ApiParam limit = route_util::LimitParam(deps.limits);
  const ApiParam cursor = route_util::CursorParam();
  return {
      {.method = "POST",
       .path = "/v1/backtests",
       .summary = "Submit a backtest (Idempotency-Key honoured)",
       .handler = bind(Submit),
       .success_code = 202,
       .success_schema = SchemaRef("Job"),
       .body = JsonBody("BacktestSpec"),
       .params = {idempotency_key},
       .problems = {422, 429, 503}},
      {.method = "GET",
       .path = "/v1/backtests",
       .summary = "List backtests (cursor pagination; filters status, engine)",
       .handler = bind(List),
       .success_schema = SchemaRef("JobPage"),
       .params = {status, engine, limit, cursor}},
      {.method = "GET",
       .path = "/v1/backtests/{id}",
       .summary = "A backtest's status and progress (?wait=seconds long-polls)",
       .handler = bind(Get),
       .success_schema = SchemaRef("Job"),
       .params = {route_util::WaitParam(deps.limits)}},
      {.method = "DELETE",
       .path = "/v1/backtests/{id}",
       .summary = "Cancel a queued or running backtest (202 with the job), delete a finished one "
                  "(204)",
       .handler = bind(Delete),
       .success_code = 204,
       .other_answers = {{202,
                          "Cancel requested: the job was queued or running; it ends as "
                          "cancelled and stays listed",
                          SchemaRef("Job")}},
       .problems = {409}},
      {.method = "POST",
       .path = "/v1/backtests/{id}/cancel",
       .summary = "Cancel a queued or running backtest (409 once it finished; never deletes)",
       .handler = bind(Cancel),
       .success_code = 202,
       .success_schema = SchemaRef("Job"),
       .problems = {409}},
      {.method = "GET",
       .path = "/v1/backtests/{id}/result",
       .summary = "Canonical metrics, the engine's own numbers and trades (409 unless succeeded)",
       .handler = bind(GetResult),
       .success_schema = SchemaRef("Result"),
       .problems = {409}},
      {.method = "GET",
       .path = "/v1/backtests/{id}/trades",
       .summary = "Closed trades, paged (409 unless succeeded)",
       .handler = bind(GetTrades),
       .success_schema = SchemaRef("TradePage"),
       .params = {limit, cursor},
       .problems = {409}},
      {.method = "GET",
       .path = "/v1/backtests/{id}/equity",
       .summary = "The equity curve with drawdown, paged (409 unless succeeded)",
       .handler = bind(GetEquity),
       .success_schema = SchemaRef("EquityPage"),
       .params = {limit, cursor},
       .problems = {409}},
      {.method = "GET",
       .path = "/v1/backtests/{id}/logs",
       .summary = "The job's log: routing steps and the engine's own lines (?after=seq&limit=)",
       .handler = bind(GetLogs),
       .success_schema = SchemaRef("LogPage"),
       .params = {after, limit}},
      {.method = "GET",
       .path = "/v1/backtests/{id}/events",
       .access = Access::kPublic,
       .summary = "Live progress over a WebSocket: send `Upgrade: websocket` with the key as "
                  "`Authorization: Bearer <key>` or the subprotocols `btrouter.v1, bearer.<key>`; "
                  "the server sends the job as JSON on every change and closes after the final "
                  "state. Without an upgrade: 426",
       .handler = EventsWithoutUpgrade,
       .success_code = 101,
       .problems = {426}},
  };
}

}  // namespace btr
