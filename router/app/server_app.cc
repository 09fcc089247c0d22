#include "router/app/server_app.h"

#include <atomic>
#include <cctype>
#include <filesystem>
#include <memory>

#include "router/app/core_parts.h"
#include "router/http/dashboard_files.h"
#include "router/http/handlers.h"
#include "router/http/http_server.h"
#include "router/http/metric_catalog.h"
#include "router/qc/qc_api.h"
#include "router/ws/progress_ws_server.h"
#include "services/auth/api_keys.h"
#include "services/comparisons/comparison_service.h"
#include "services/jobs/job_service.h"
#include "services/log/logger.h"

namespace btr {

struct ServerApp::Parts {
  std::unique_ptr<CoreParts> core;  // first: destroyed last
  std::unique_ptr<JobService> jobs;
  std::unique_ptr<ComparisonService> comparisons;  // after jobs: stopped and destroyed first
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<HttpServer> qc_http;   // /api/v2 on server.qc_listen (null when not served)
  std::unique_ptr<ProgressWsServer> ws;  // after http: destroyed first
  std::string admin_key;
};

namespace {

// The jobs.* keys; in-process workers record what they finish in `metrics`.
JobServiceOptions JobOptionsFromConfig(const Config& config, const CoreParts& core) {
  JobServiceOptions jobs;
  jobs.workers = static_cast<size_t>(config.GetInt("jobs.workers"));
  jobs.sweep_chunk_trials = static_cast<size_t>(config.GetInt("jobs.sweep_chunk_trials"));
  jobs.queue_capacity = static_cast<size_t>(config.GetInt("jobs.queue_capacity"));
  jobs.max_active_per_tenant = static_cast<size_t>(config.GetInt("jobs.max_active_per_tenant"));
  jobs.progress_interval = std::chrono::milliseconds(config.GetInt("jobs.progress_interval_ms"));
  jobs.max_log_lines = static_cast<size_t>(config.GetInt("jobs.max_log_lines"));
  jobs.default_engine = config.GetString("engines.default");
  jobs.lease = std::chrono::seconds(config.GetInt("jobs.lease_s"));
  jobs.redispatch_interval = std::chrono::milliseconds(
      static_cast<int64_t>(config.GetDouble("jobs.redispatch_interval_s") * 1000));
  jobs.recover_on_start = core.embedded;
  jobs.cache_dir = core.cache_dir;
  return jobs;
}

// The compare.* keys (docs/comparisons.md).
ComparisonServiceOptions ComparisonOptionsFromConfig(const Config& config,
                                                     const std::string& cache_dir) {
  ComparisonServiceOptions options;
  options.max_runs = static_cast<size_t>(config.GetInt("compare.max_runs"));
  options.report.exact = {config.GetDouble("compare.tolerance_rel"),
                          config.GetDouble("compare.tolerance_abs")};
  options.report.rounded = {config.GetDouble("compare.rounded_tolerance_rel"),
                            config.GetDouble("compare.rounded_tolerance_abs")};
  options.report.rounded_engines = config.GetList("compare.rounded_engines");
  options.report.match_window_bars = static_cast<int>(config.GetInt("compare.match_window_bars"));
  options.report.chart_points = static_cast<size_t>(config.GetInt("compare.chart_points"));
  options.report.max_trade_rows = static_cast<size_t>(config.GetInt("compare.max_trade_rows"));
  options.cache_dir = cache_dir;
  return options;
}

// The server.* keys of the HTTP edge.
HttpServerOptions HttpOptionsFromConfig(const Config& config) {
  HttpServerOptions http;
  const HostPort& listen = config.GetHostPort("server.listen");
  http.host = listen.host;
  http.port = static_cast<uint16_t>(listen.port);
  http.threads = static_cast<size_t>(config.GetInt("server.threads"));
  http.max_body_bytes = static_cast<size_t>(config.GetInt("server.max_body_bytes"));
  http.max_header_bytes = static_cast<size_t>(config.GetInt("server.max_header_bytes"));
  http.max_connections = static_cast<size_t>(config.GetInt("server.max_connections"));
  http.request_timeout = std::chrono::seconds(config.GetInt("server.request_timeout_s"));
  http.idle_timeout = std::chrono::seconds(config.GetInt("server.idle_timeout_s"));
  http.log_requests = config.GetString("log.level") == "debug";
  return http;
}

}  // namespace

ServerApp::ServerApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ServerApp::~ServerApp() { Stop(); }

Result<std::unique_ptr<ServerApp>> ServerApp::Start(const Config& config) {
  DefaultLogger().set_level(ParseLogLevel(config.GetString("log.level")).value_or(LogLevel::kInfo));
  DefaultLogger().set_format(config.GetString("log.format") == "text" ? LogFormat::kText
                                                                      : LogFormat::kJson);
  auto parts = std::make_unique<Parts>();
  Result<std::unique_ptr<CoreParts>> core = BuildCoreParts(config, DefaultWorkerOwner());
  if (!core.ok()) return core.status();
  parts->core = std::move(core).value();
  CoreParts& c = *parts->core;
  Result<std::string> admin = EnsureAdminKey(*c.store, c.data_dir, c.clock.Now());
  if (!admin.ok()) return admin.status();
  parts->admin_key = *admin;

  JobServiceOptions jobs = JobOptionsFromConfig(config, c);
  PrometheusRegistry* metrics = &c.metrics;
  jobs.on_finished = [metrics](const JobRecord& job) { RecordFinishedJob(*metrics, job); };
  JobServiceParts job_parts;
  job_parts.jobs = c.store.get();
  job_parts.datasets = c.store.get();
  job_parts.queue = c.queue.get();
  job_parts.events = c.events.get();
  job_parts.dispatcher = c.dispatcher.get();
  job_parts.clock = &c.clock;
  job_parts.random = &c.random;
  job_parts.directory = c.workers.get();
  parts->jobs = std::make_unique<JobService>(job_parts, jobs);
  BTR_RETURN_IF_ERROR(parts->jobs->Start());
  parts->comparisons =
      std::make_unique<ComparisonService>(c.store.get(), parts->jobs.get(), &c.engines, &c.clock,
                                          ComparisonOptionsFromConfig(config, c.cache_dir));
  BTR_RETURN_IF_ERROR(parts->comparisons->Start());
  ApiDeps deps;
  deps.store = c.store.get();
  deps.jobs = parts->jobs.get();
  deps.engines = &c.engines;
  deps.clock = &c.clock;
  deps.metrics = &c.metrics;
  deps.health = c.health.get();
  deps.comparisons = parts->comparisons.get();
  deps.workers = c.workers.get();
  deps.data_dir = c.data_dir;
  deps.cache_dir = c.cache_dir;
  deps.limits.page_size_default = static_cast<size_t>(config.GetInt("limits.page_size_default"));
  deps.limits.page_size_max = static_cast<size_t>(config.GetInt("limits.page_size_max"));
  deps.limits.max_dataset_bytes = static_cast<size_t>(config.GetInt("limits.max_dataset_bytes"));
  deps.limits.long_poll_max = std::chrono::seconds(config.GetInt("jobs.long_poll_max_s"));

  // The WebSocket first: the HTTP server hands it the upgrade requests of its own port.
  parts->ws = std::make_unique<ProgressWsServer>();
  const HostPort& ws_listen = config.GetHostPort("server.ws_listen");
  if (Status started = parts->ws->Start(ws_listen.host, static_cast<uint16_t>(ws_listen.port),
                                        parts->jobs.get(), c.store.get());
      !started.ok()) {
    return Status(started.code(), started.message() +
                                      " (choose another address, or leave server.ws_listen "
                                      "empty: the WebSocket is served on server.listen too)")
        .WithPrefix("server.ws_listen");
  }
  HttpServerOptions http = HttpOptionsFromConfig(config);
  ProgressWsServer* ws = parts->ws.get();
  http.upgrade = [ws](int fd, std::string head) { ws->Adopt(fd, std::move(head)); };
  if (const std::string& dashboard_dir = config.GetString("server.dashboard_dir");
      !dashboard_dir.empty()) {
    DashboardOptions dashboard;
    dashboard.dir = dashboard_dir;
    // ws_port null: the page's own host and port. default_engine: the new-run form's choice.
    const nlohmann::json runtime = {
        {"ws_port", ws->port() == 0 ? nlohmann::json() : nlohmann::json(ws->port())},
        {"default_engine", config.GetString("engines.default")}};
    dashboard.runtime_config = [runtime] { return runtime; };
    http.mounts.push_back({kDashboardPrefix, DashboardFiles(std::move(dashboard))});
  }
  parts->http = std::make_unique<HttpServer>(BuildRoutes(deps), c.store.get(), &c.metrics, http);
  BTR_RETURN_IF_ERROR(parts->http->Start().WithPrefix("server.listen"));
  if (const HostPort& qc = config.GetHostPort("server.qc_listen"); !qc.empty()) {
    HttpServerOptions qc_http = HttpOptionsFromConfig(config);
    qc_http.host = qc.host;
    qc_http.port = static_cast<uint16_t>(qc.port);
    QcDeps qc_deps{c.store.get(), parts->jobs.get(), &c.clock, c.cache_dir};
    parts->qc_http =
        std::make_unique<HttpServer>(BuildQcRoutes(qc_deps), c.store.get(), &c.metrics, qc_http);
    BTR_RETURN_IF_ERROR(parts->qc_http->Start().WithPrefix("server.qc_listen"));
  }
  return std::unique_ptr<ServerApp>(new ServerApp(std::move(parts)));
}

void ServerApp::Stop() {
  if (!parts_) return;
  if (parts_->qc_http) parts_->qc_http->Stop();
  if (parts_->http) parts_->http->Stop();  // first: it hands connections to the WebSocket
  if (parts_->ws) parts_->ws->Stop();
  if (parts_->comparisons) parts_->comparisons->Stop();
  if (parts_->jobs) parts_->jobs->Stop();
  parts_->ws.reset();
  parts_->qc_http.reset();
  parts_->http.reset();
  parts_->comparisons.reset();
  parts_->jobs.reset();
  parts_->core.reset();
}

uint16_t ServerApp::port() const { return parts_->http ? parts_->http->port() : 0; }

uint16_t ServerApp::qc_port() const { return parts_->qc_http ? parts_->qc_http->port() : 0; }

uint16_t ServerApp::ws_port() const {
  if (parts_->ws && parts_->ws->port() != 0) return parts_->ws->port();
  return port();
}

const std::string& ServerApp::new_admin_key() const { return parts_->admin_key; }

}  // namespace btr
