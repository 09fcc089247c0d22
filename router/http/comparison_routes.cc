// /v1/comparisons routes: one spec on several engines and the report of how they differ
// (services/comparisons/comparison_service.h, docs/comparisons.md).
#include <cmath>

#include "engines/core/json_text.h"
#include "router/http/route_util.h"
#include "services/compare/report_csv.h"
#include "services/compare/report_html.h"
#include "services/comparisons/comparison_service.h"

namespace btr {
namespace {

using route_util::Problem;

ApiReply Create(const ApiDeps& deps, const ApiRequest& req) {
  const nlohmann::json body = ParseJson(req.body);
  if (body.is_discarded()) {
    return Problem(
        Status::InvalidArgument("body: malformed JSON (send a JSON object, see /openapi.json)"),
        req);
  }
  Result<nlohmann::json> view = deps.comparisons->Create(req.caller.tenant, body);
  if (!view.ok()) return Problem(view.status(), req);
  ApiReply reply = ApiReply::Json(202, *view);
  reply.headers.emplace_back("Location", "/v1/comparisons/" + (*view)["id"].get<std::string>());
  return reply;
}

ApiReply List(const ApiDeps& deps, const ApiRequest& req) {
  Result<size_t> limit = route_util::PageLimit(req, deps.limits);
  if (!limit.ok()) return Problem(limit.status(), req);
  Result<nlohmann::json> page =
      deps.comparisons->List(req.caller.tenant, req.Query("cursor").value_or(""), *limit);
  if (!page.ok()) return Problem(page.status(), req);
  return ApiReply::Json(200, *page);
}

ApiReply Get(const ApiDeps& deps, const ApiRequest& req) {
  const std::string id = req.params.at("id");
  Result<std::optional<std::chrono::milliseconds>> wait =
      route_util::LongPollWait(req, deps.limits);
  if (!wait.ok()) return Problem(wait.status(), req);
  Result<nlohmann::json> view = deps.comparisons->View(req.caller.tenant, id);
  if (!view.ok()) return Problem(view.status(), req);
  if (!*wait || (*view)["status"] != "running") return ApiReply::Json(200, *view);
  const std::chrono::milliseconds timeout = **wait;
  ApiReply reply;
  ComparisonService* comparisons = deps.comparisons;
  const std::string tenant = req.caller.tenant, path = req.path;
  reply.deferred = [comparisons, tenant, id, timeout, path] {
    Result<nlohmann::json> changed = comparisons->WaitForChange(tenant, id, timeout);
    if (!changed.ok()) return ApiReply::Problem(changed.status(), path);
    return ApiReply::Json(200, *changed);
  };
  return reply;
}

// The finished comparison's report; FailedPrecondition while it runs.
Result<nlohmann::json> FinishedReport(const ApiDeps& deps, const ApiRequest& req) {
  Result<ComparisonRecord> record =
      deps.comparisons->Record(req.caller.tenant, req.params.at("id"));
  if (!record.ok()) return record.status();
  if (record->status == "running") {
    return Status::FailedPrecondition(
        "status: the comparison is running; its report exists once every run has ended");
  }
  nlohmann::json report = nlohmann::json::parse(record->report_json, nullptr, false);
  if (report.is_discarded()) return Status::Internal("stored report is not JSON");
  return report;
}

ApiReply ReportJson(const ApiDeps& deps, const ApiRequest& req) {
  Result<nlohmann::json> report = FinishedReport(deps, req);
  if (!report.ok()) return Problem(report.status(), req);
  return ApiReply::Json(200, *report);
}

ApiReply ReportCsv(const ApiDeps& deps, const ApiRequest& req) {
  const std::string table = req.Query("table").value_or("metrics");
  if (table != "metrics" && table != "trades") {
    return Problem(
        Status::InvalidArgument("table: expected metrics or trades, got '" + table + "'"), req);
  }
  Result<nlohmann::json> report = FinishedReport(deps, req);
  if (!report.ok()) return Problem(report.status(), req);
  ApiReply reply;
  reply.body = table == "metrics" ? compare::MetricsCsv(*report) : compare::TradesCsv(*report);
  reply.content_type = "text/csv; charset=utf-8";
  reply.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"" + req.params.at("id") + "-" + table + ".csv\"");
  return reply;
}

ApiReply ReportHtml(const ApiDeps& deps, const ApiRequest& req) {
  Result<nlohmann::json> report = FinishedReport(deps, req);
  if (!report.ok()) return Problem(report.status(), req);
  ApiReply reply;
  reply.body = compare::RenderHtml(*report);
  reply.content_type = "text/html; charset=utf-8";
  return reply;
}

}  // namespace

std::vector<ApiRoute> ComparisonRoutes(const ApiDeps& deps) {
  // Always listed (the OpenAPI document is built over empty dependencies); a server without
  // the comparison service answers 503.
  auto bind = [deps](ApiReply (*fn)(const ApiDeps&, const ApiRequest&)) {
    return [deps, fn](const ApiRequest& req) {
      if (deps.comparisons == nullptr) {
        return Problem(Status::Unavailable("comparisons are not available on this server"), req);
      }
      return fn(deps, req);
    };
  };
  // Every comparison route answers 503 without the service; a report 409 while it runs.
  const std::vector<int> report_problems = {409, 503};
  return {
      {.method = "POST",
       .path = "/v1/comparisons",
       .summary = "Run one spec on several engines (the body of POST /v1/backtests with "
                  "\"engines\")",
       .handler = bind(Create),
       .success_code = 202,
       .success_schema = SchemaRef("Comparison"),
       .body = JsonBody("ComparisonRequest"),
       .problems = {429, 503}},
      {.method = "GET",
       .path = "/v1/comparisons",
       .summary = "List comparisons, newest first (?limit=, ?cursor= from next_cursor)",
       .handler = bind(List),
       .success_schema = SchemaRef("ComparisonPage"),
       .params = {route_util::LimitParam(deps.limits), route_util::CursorParam()},
       .problems = {503}},
      {.method = "GET",
       .path = "/v1/comparisons/{id}",
       .summary = "A comparison's runs with their progress, and its report once done (?wait= "
                  "long-polls)",
       .handler = bind(Get),
       .success_schema = SchemaRef("Comparison"),
       .params = {route_util::WaitParam(deps.limits)},
       .problems = {503}},
      {.method = "GET",
       .path = "/v1/comparisons/{id}/report.json",
       .summary = "The comparison report (409 while it runs)",
       .handler = bind(ReportJson),
       .success_schema = SchemaRef("ComparisonReport"),
       .problems = report_problems},
      {.method = "GET",
       .path = "/v1/comparisons/{id}/report.csv",
       .summary = "The report's metrics (?table=metrics) or paired trades (?table=trades) as CSV",
       .handler = bind(ReportCsv),
       .params = {{.name = "table",
                   .description = "Which table",
                   .schema = {{"type", "string"},
                              {"enum", {"metrics", "trades"}},
                              {"default", "metrics"}}}},
       .problems = report_problems},
      {.method = "GET",
       .path = "/v1/comparisons/{id}/report.html",
       .summary = "The report as a self-contained HTML page (inline data and charts)",
       .handler = bind(ReportHtml),
       .problems = report_problems},
  };
}

}  // namespace btr
