#include "router/app/worker_app.h"

#include "engines/core/version.h"
#include "router/app/core_parts.h"
#include "router/http/http_server.h"
#include "router/http/metric_catalog.h"
#include "services/jobs/job_workers.h"
#include "services/log/logger.h"

namespace btr {
namespace {

// The worker's own routes: liveness, readiness (store and Redis), metrics.
std::vector<ApiRoute> WorkerRoutes(CoreParts* core, JobWorkers* workers) {
  ApiRoute livez{.method = "GET",
                 .path = "/livez",
                 .access = Access::kPublic,
                 .summary = "The worker process is up",
                 .handler = [](const ApiRequest&) {
                   return ApiReply::Json(200, {{"status", "ok"}});
                 }};
  ApiRoute readyz{.method = "GET",
                  .path = "/readyz",
                  .access = Access::kPublic,
                  .summary = "The store and the queue answer",
                  .handler = [core](const ApiRequest& req) {
                    if (Result<size_t> keys = core->store->CountApiKeys(); !keys.ok()) {
                      return ApiReply::Problem(
                          Status::Unavailable("store: " + keys.status().message()), req.path);
                    }
                    Result<size_t> depth = core->queue->Depth();
                    if (!depth.ok()) {
                      return ApiReply::Problem(
                          Status::Unavailable("queue: " + depth.status().message()), req.path);
                    }
                    return ApiReply::Json(200, {{"status", "ready"}, {"queue_depth", *depth}});
                  }};
  ApiRoute metrics{.method = "GET",
                   .path = "/metrics",
                   .access = Access::kPublic,
                   .summary = "Prometheus metrics of this worker",
                   .handler = [core, workers](const ApiRequest&) {
                     PrometheusRegistry& m = core->metrics;
                     m.Set("btr_jobs_running", {}, static_cast<double>(workers->running()));
                     for (const EngineHealthStatus& h : core->health->All()) {
                       m.Set("btr_engine_up", {{"engine", h.name}}, h.up ? 1 : 0);
                     }
                     ApiReply reply;
                     reply.body = m.Render();
                     reply.content_type = "text/plain; version=0.0.4";
                     return reply;
                   }};
  return {livez, readyz, metrics};
}

}  // namespace

struct WorkerApp::Parts {
  std::unique_ptr<CoreParts> core;  // first: destroyed last
  std::unique_ptr<JobWorkers> workers;
  std::unique_ptr<HttpServer> http;
  std::string id;
};

WorkerApp::WorkerApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

WorkerApp::~WorkerApp() { Stop(); }

Result<std::unique_ptr<WorkerApp>> WorkerApp::Start(const Config& config) {
  DefaultLogger().set_level(ParseLogLevel(config.GetString("log.level")).value_or(LogLevel::kInfo));
  DefaultLogger().set_format(config.GetString("log.format") == "text" ? LogFormat::kText
                                                                      : LogFormat::kJson);
  if (config.GetString("queue.kind") != "redis") {
    return Status::InvalidArgument(
        "queue.kind: `btrouter worker` takes its jobs from Redis: set queue.kind = redis and "
        "queue.url (and store.kind = postgres with store.url, shared with the API processes)");
  }
  auto parts = std::make_unique<Parts>();
  parts->id = DefaultWorkerOwner();
  Result<std::unique_ptr<CoreParts>> core = BuildCoreParts(config, parts->id);
  if (!core.ok()) return core.status();
  parts->core = std::move(core).value();
  CoreParts& c = *parts->core;
  BTR_RETURN_IF_ERROR(c.events->Start().WithPrefix("queue.url"));

  JobWorkerOptions options;
  options.threads = static_cast<size_t>(config.GetInt("worker.threads"));
  options.owner = parts->id;
  options.lease = std::chrono::seconds(config.GetInt("jobs.lease_s"));
  options.progress_interval = std::chrono::milliseconds(config.GetInt("jobs.progress_interval_ms"));
  options.max_log_lines = static_cast<size_t>(config.GetInt("jobs.max_log_lines"));
  options.cache_dir = c.cache_dir;
  options.sweep_chunk_trials = static_cast<size_t>(config.GetInt("jobs.sweep_chunk_trials"));
  options.version = kBtrouterVersion;
  for (const Engine* engine : c.engines.All()) options.engines.emplace_back(engine->name());
  PrometheusRegistry* metrics = &c.metrics;
  options.on_finished = [metrics](const JobRecord& job) { RecordFinishedJob(*metrics, job); };
  parts->workers = std::make_unique<JobWorkers>(
      JobWorkerParts{c.store.get(), c.store.get(), c.queue.get(), c.events.get(),
                     c.dispatcher.get(), &c.clock, c.workers.get()},
      std::move(options));
  BTR_RETURN_IF_ERROR(parts->workers->Start());

  const HostPort& listen = config.GetHostPort("worker.listen");
  if (!listen.empty()) {
    HttpServerOptions http;
    http.host = listen.host;
    http.port = static_cast<uint16_t>(listen.port);
    http.threads = 1;
    http.log_requests = false;
    parts->http = std::make_unique<HttpServer>(WorkerRoutes(&c, parts->workers.get()),
                                               c.store.get(), &c.metrics, http);
    BTR_RETURN_IF_ERROR(parts->http->Start().WithPrefix("worker.listen"));
  }
  DefaultLogger().Log(LogLevel::kInfo, "worker started",
                      {{"worker", parts->id}, {"threads", config.GetInt("worker.threads")}});
  return std::unique_ptr<WorkerApp>(new WorkerApp(std::move(parts)));
}

void WorkerApp::Stop() {
  if (!parts_) return;
  if (parts_->workers) parts_->workers->Stop();
  if (parts_->http) parts_->http->Stop();
  parts_->http.reset();
  parts_->workers.reset();
  parts_->core.reset();
}

uint16_t WorkerApp::port() const { return parts_->http ? parts_->http->port() : 0; }

const std::string& WorkerApp::id() const { return parts_->id; }

}  // namespace btr
