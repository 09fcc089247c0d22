// /v1/engines: each engine's health (state, circuit, last probe, ejections, window statistics),
// queue depth, running runs and capabilities; the known engines the configuration does not
// enable, as disabled with a hint how to enable them; the admin actions drain, resume, disable
// and enable; and the engine metric families (docs/routing.md).
#include "router/http/route_util.h"

namespace btr {

std::vector<ApiRoute> EngineRoutes(const ApiDeps& deps);
void SetEngineGauges(const ApiDeps& deps);

namespace {

using nlohmann::json;
using route_util::Problem;

json TimeOrNull(TimeNs t) { return t == 0 ? json(nullptr) : json(FormatIsoTime(t, true)); }

json NumberOrNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// {"bucket_s": 60, "points": [{"start", "runs", "failures", "p50_ms", "p99_ms"}, ...]}: runs
// per minute over the last hour, oldest first; minutes without runs are absent.
json HistoryToJson(const EngineHealthStatus& h) {
  json points = json::array();
  for (const HistoryPoint& p : h.history) {
    points.push_back({{"start", FormatIsoTime(p.start, true)},
                      {"runs", p.runs},
                      {"failures", p.failures},
                      {"p50_ms", NumberOrNull(p.p50_ms)},
                      {"p99_ms", NumberOrNull(p.p99_ms)}});
  }
  return {{"bucket_s", static_cast<double>(h.history_bucket_ns) / 1e9}, {"points", points}};
}

json EngineToJson(const ApiDeps& deps, const Engine& engine) {
  const EngineCapabilities caps = engine.capabilities();
  const std::string name(engine.name());
  json out = {{"name", name},
              {"configured", true},
              {"capabilities",
               {{"strategies", caps.strategies},
                {"languages", caps.languages},
                {"progress", caps.reports_progress},
                {"cancel", caps.supports_cancel},
                {"max_bars", caps.max_bars}}},
              {"queue_depth", deps.jobs != nullptr ? deps.jobs->queue_depth(name) : 0}};
  if (deps.health == nullptr) {  // not monitored: reported as routable
    out.update({{"state", "healthy"}, {"circuit", "closed"}, {"up", true}});
    return out;
  }
  Result<EngineHealthStatus> health = deps.health->Get(name);
  if (!health.ok()) return out;
  const EngineHealthStatus& h = *health;
  json probe = nullptr;
  if (h.last_probe) {
    probe = {{"at", TimeOrNull(h.last_probe->at)},
             {"latency_ms", h.last_probe->latency_ms},
             {"ok", h.last_probe->ok},
             {"detail", h.last_probe->detail}};
  }
  out.update({{"state", std::string(EngineStateName(h.state))},
              {"reason", h.reason.empty() ? json(nullptr) : json(h.reason)},
              {"circuit", std::string(CircuitStateName(h.circuit))},
              {"up", h.up},
              {"last_probe", probe},
              {"next_probe_at", TimeOrNull(h.next_probe_at)},
              {"probe_interval_s", h.probe_interval_s},
              {"probe_failures_in_row", h.probe_failures_in_row},
              {"run_failures_in_row", h.run_failures_in_row},
              {"ejections", h.ejections},
              {"ejected_until", TimeOrNull(h.ejected_until)},
              {"window_runs", h.window.runs},
              {"success_rate", NumberOrNull(h.window.success_rate)},
              {"p50_ms", NumberOrNull(h.window.p50_ms)},
              {"p99_ms", NumberOrNull(h.window.p99_ms)},
              {"history", HistoryToJson(h)},
              {"running", h.running}});
  return out;
}

// A known engine the configuration does not enable: listed as disabled, with how to enable it
// (the fields of a served engine are there, empty, so that clients read one shape).
json NotEnabledToJson(const std::string& name, const std::string& hint) {
  return {{"name", name},
          {"configured", false},
          {"state", "disabled"},
          {"reason",
           "not enabled in the configuration; to enable it, " + hint + ", then restart the server"},
          {"hint", hint},
          {"circuit", "open"},
          {"up", false},
          {"capabilities",
           {{"strategies", json::array()},
            {"progress", false},
            {"cancel", false},
            {"max_bars", 0},
            {"languages", json::array()}}},
          {"queue_depth", 0},
          {"last_probe", nullptr},
          {"next_probe_at", nullptr},
          {"probe_failures_in_row", 0},
          {"run_failures_in_row", 0},
          {"ejections", 0},
          {"ejected_until", nullptr},
          {"window_runs", 0},
          {"success_rate", nullptr},
          {"p50_ms", nullptr},
          {"p99_ms", nullptr},
          {"history", {{"bucket_s", 60}, {"points", json::array()}}},
          {"running", 0}};
}

// The path's engine; NotFound naming the known engines for any other name.
Result<const Engine*> FindEngine(const ApiDeps& deps, const ApiRequest& req) {
  const std::string& name = req.params.at("name");
  const Engine* engine = deps.engines->Find(name);
  if (engine == nullptr) {
    std::string known = deps.engines->Names();
    for (const auto& [other, hint] : deps.engines->NotEnabled()) {
      known += (known.empty() ? "" : ", ") + other + " (not enabled)";
    }
    return Status::NotFound("name: no engine '" + name + "' (known: " + known + ")");
  }
  return engine;
}

// The served engines in name order, then the known ones not enabled, in name order.
// The worker processes seen alive (the embedded server counts as one).
std::vector<WorkerInfo> LiveWorkers(const ApiDeps& deps) {
  if (deps.workers == nullptr) return {};
  constexpr TimeNs kStale = 3 * 30 * kNsPerSecond;  // three heartbeats of the default lease
  Result<std::vector<WorkerInfo>> workers = deps.workers->List(deps.clock->Now(), kStale);
  return workers.ok() ? std::move(workers).value() : std::vector<WorkerInfo>{};
}

json WorkerJson(const WorkerInfo& w) {
  return {{"id", w.id},
          {"host", w.host},
          {"pid", w.pid},
          {"version", w.version},
          {"engines", w.engines},
          {"threads", w.threads},
          {"running", w.running},
          {"finished", w.finished},
          {"started_at", FormatIsoTime(w.started_at, true)},
          {"seen_at", FormatIsoTime(w.seen_at, true)}};
}

ApiReply ListWorkers(const ApiDeps& deps, const ApiRequest&) {
  json items = json::array();
  for (const WorkerInfo& w : LiveWorkers(deps)) items.push_back(WorkerJson(w));
  if (deps.metrics) deps.metrics->Set("btr_workers", {}, static_cast<double>(items.size()));
  return ApiReply::Json(200, {{"items", items}});
}

ApiReply List(const ApiDeps& deps, const ApiRequest&) {
  json out = json::array();
  const std::vector<WorkerInfo> workers = LiveWorkers(deps);
  for (const Engine* engine : deps.engines->All()) {
    json e = EngineToJson(deps, *engine);
    int64_t serving = 0;
    for (const WorkerInfo& w : workers) {
      for (const std::string& name : w.engines) serving += name == engine->name() ? 1 : 0;
    }
    e["workers"] = serving;
    out.push_back(std::move(e));
  }
  for (const auto& [name, hint] : deps.engines->NotEnabled()) {
    out.push_back(NotEnabledToJson(name, hint));
  }
  return ApiReply::Json(200, out);
}

ApiReply One(const ApiDeps& deps, const ApiRequest& req) {
  const std::string& name = req.params.at("name");
  if (const std::string* hint = deps.engines->NotEnabledHint(name)) {
    return ApiReply::Json(200, NotEnabledToJson(name, *hint));
  }
  Result<const Engine*> engine = FindEngine(deps, req);
  if (!engine.ok()) return Problem(engine.status(), req);
  return ApiReply::Json(200, EngineToJson(deps, **engine));
}

// An admin action on the named engine; the engine as it is afterwards.
ApiReply Admin(const ApiDeps& deps, const ApiRequest& req,
               Result<EngineHealthStatus> (HealthMonitor::*action)(std::string_view)) {
  const std::string& name = req.params.at("name");
  if (const std::string* hint = deps.engines->NotEnabledHint(name)) {
    // Nothing to drain or enable at run time: the configuration decides, at start.
    return Problem(Status::FailedPrecondition(
                       "name: engine '" + name + "' is not enabled in the configuration, so " +
                       "there is nothing to drain, resume, disable or enable; to enable it, " +
                       *hint + ", then restart the server"),
                   req);
  }
  Result<const Engine*> engine = FindEngine(deps, req);
  if (!engine.ok()) return Problem(engine.status(), req);
  if (deps.health == nullptr) {
    return Problem(Status::FailedPrecondition("engine health is not monitored by this server"),
                   req);
  }
  Result<EngineHealthStatus> done = (deps.health->*action)((*engine)->name());
  if (!done.ok()) return Problem(done.status(), req);
  return ApiReply::Json(200, EngineToJson(deps, **engine));
}

ApiReply Drain(const ApiDeps& deps, const ApiRequest& req) {
  return Admin(deps, req, &HealthMonitor::Drain);
}
ApiReply Resume(const ApiDeps& deps, const ApiRequest& req) {
  return Admin(deps, req, &HealthMonitor::Resume);
}
ApiReply Disable(const ApiDeps& deps, const ApiRequest& req) {
  return Admin(deps, req, &HealthMonitor::Disable);
}
ApiReply Enable(const ApiDeps& deps, const ApiRequest& req) {
  return Admin(deps, req, &HealthMonitor::Enable);
}

}  // namespace

void SetEngineGauges(const ApiDeps& deps) {
  if (deps.health == nullptr || deps.metrics == nullptr) return;
  for (const EngineHealthStatus& h : deps.health->All()) {
    deps.metrics->Set("btr_engine_up", {{"engine", h.name}}, h.up ? 1 : 0);
  }
}

HealthHooks EngineMetricHooks(PrometheusRegistry* metrics) {
  HealthHooks hooks;
  hooks.probe = [metrics](const std::string& engine, bool ok, double seconds) {
    metrics->Increment("btr_engine_probes_total",
                       {{"engine", engine}, {"result", ok ? "ok" : "failed"}});
    metrics->Observe("btr_engine_probe_duration_seconds", {{"engine", engine}}, seconds);
  };
  hooks.ejected = [metrics](const std::string& engine, const std::string&) {
    metrics->Increment("btr_engine_ejections_total", {{"engine", engine}});
  };
  return hooks;
}

std::vector<ApiRoute> EngineRoutes(const ApiDeps& deps) {
  auto bind = [deps](ApiReply (*fn)(const ApiDeps&, const ApiRequest&)) {
    return [deps, fn](const ApiRequest& req) { return fn(deps, req); };
  };
  // An admin action on the named engine, answering the engine as it is afterwards.
  auto action = [&bind](const char* verb, const char* summary,
                        ApiReply (*fn)(const ApiDeps&, const ApiRequest&)) -> ApiRoute {
    return {.method = "POST",
            .path = std::string("/v1/engines/{name}/") + verb,
            .access = Access::kAdmin,
            .summary = summary,
            .handler = bind(fn),
            .success_schema = SchemaRef("Engine"),
            .problems = {409}};
  };
  return {
      {.method = "GET",
       .path = "/v1/engines",
       .summary = "Every known engine: health state, circuit, last probe, run statistics, queue "
                  "and capabilities; one the configuration does not enable is disabled, with a "
                  "hint",
       .handler = bind(List),
       .success_schema = {{"type", "array"}, {"items", SchemaRef("Engine")}}},
      {.method = "GET",
       .path = "/v1/engines/{name}",
       .summary = "One engine's health and capabilities",
       .handler = bind(One),
       .success_schema = SchemaRef("Engine")},
      {.method = "GET",
       .path = "/v1/workers",
       .summary = "The worker processes seen alive in the last 90 s: the embedded server's own "
                  "workers, or every `btrouter worker` of the distributed mode",
       .handler = bind(ListWorkers),
       .success_schema = SchemaRef("WorkerList")},
      action("drain", "Drain an engine: running jobs finish, no new ones start (admin)", Drain),
      action("resume", "Resume a drained engine (admin)", Resume),
      action("disable", "Disable an engine: no new jobs, no probes (admin)", Disable),
      action("enable", "Enable a disabled engine (admin)", Enable),
  };
}

}  // namespace btr
