#include "router/app/server_app.h"

#include <atomic>
#include <cctype>
#include <filesystem>
#include <memory>

#include "adapters/backtestingpy/backtestingpy_engine.h"
#include "adapters/lean_local/lean_local_engine.h"
#include "adapters/qc_cloud/qc_cloud_engine.h"
#include "engines/core/clock.h"
#include "engines/data/file_util.h"
#include "engines/native/native_engine.h"
#include "router/app/routing_config.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"
#include "router/http/dashboard_files.h"
#include "router/http/handlers.h"
#include "router/http/http_server.h"
#include "router/ws/progress_ws_server.h"
#include "services/auth/api_keys.h"
#include "services/comparisons/comparison_service.h"
#include "services/config/schema.h"
#include "services/jobs/job_service.h"
#include "services/log/logger.h"
#include "services/store/sqlite_store.h"

namespace btr {

struct ServerApp::Parts {
  SystemClock clock;
  std::unique_ptr<SqliteStore> store;
  EngineRegistry engines;
  PrometheusRegistry metrics;
  std::unique_ptr<HealthMonitor> health;  // before jobs: outlives the job service
  std::unique_ptr<JobService> jobs;
  std::unique_ptr<ComparisonService> comparisons;  // after jobs: stopped and destroyed first
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<ProgressWsServer> ws;  // after http: destroyed first
  std::string admin_key;
};

namespace {

// Every enabled engine, built from its config section.
Status RegisterEnabledEngines(const Config& config, EngineRegistry* engines) {
  const auto max_bars = static_cast<size_t>(config.GetInt("limits.max_bars_per_run"));
  if (config.GetBool("engines.native.enabled")) {
    NativeEngineOptions native;
    native.max_bars = max_bars;
    BTR_RETURN_IF_ERROR(engines->Register(std::make_unique<NativeEngine>(native)));
  }
  if (config.GetBool("engines.backtestingpy.enabled")) {
    BacktestingPyOptions service;
    service.url = config.GetString("engines.backtestingpy.url");
    service.request_timeout =
        std::chrono::seconds(config.GetInt("engines.backtestingpy.request_timeout_s"));
    service.run_timeout = std::chrono::seconds(config.GetInt("engines.backtestingpy.timeout_s"));
    service.max_bars = max_bars;
    BTR_RETURN_IF_ERROR(engines->Register(std::make_unique<BacktestingPyEngine>(service)));
  }
  if (config.GetBool("engines.lean_local.enabled")) {
    LeanLocalOptions lean;
    lean.command = config.GetString("engines.lean_local.command");
    lean.work_dir = config.GetString("engines.lean_local.work_dir");
    if (lean.work_dir.empty()) lean.work_dir = config.GetString("server.data_dir") + "/lean";
    lean.run_timeout = std::chrono::seconds(config.GetInt("engines.lean_local.timeout_s"));
    lean.keep_work_dirs = config.GetBool("engines.lean_local.keep_work_dirs");
    lean.lean_data_dir = config.GetString("engines.lean_local.lean_data_dir");
    lean.max_bars = max_bars;
    Result<std::unique_ptr<LeanLocalEngine>> engine = LeanLocalEngine::Create(std::move(lean));
    if (!engine.ok()) return engine.status();
    BTR_RETURN_IF_ERROR(engines->Register(std::move(engine).value()));
  }
  if (config.GetBool("engines.qc_cloud.enabled")) {
    // The config loader has checked user_id and resolved token_file into token.
    QcCloudOptions cloud;
    cloud.client.url = config.GetString("engines.qc_cloud.url");
    cloud.client.credentials = {config.GetString("engines.qc_cloud.user_id"),
                                config.GetString("engines.qc_cloud.token")};
    cloud.client.organization_id = config.GetString("engines.qc_cloud.organization_id");
    cloud.client.request_timeout =
        std::chrono::seconds(config.GetInt("engines.qc_cloud.request_timeout_s"));
    cloud.run_timeout = std::chrono::seconds(config.GetInt("engines.qc_cloud.timeout_s"));
    cloud.max_bars = max_bars;
    BTR_RETURN_IF_ERROR(engines->Register(std::make_unique<QcCloudEngine>(std::move(cloud))));
  }
  return Status::Ok();
}

// How to enable a known engine that the configuration leaves off (GET /v1/engines, errors).
std::string EnableHint(std::string_view engine) {
  std::string env(engine);
  for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string name(engine);
  std::string hint =
      "set engines." + name + ".enabled = true (BTR__ENGINES__" + env + "__ENABLED=true)";
  if (engine == "backtestingpy") {
    hint +=
        " with engines.backtestingpy.url pointing at a running Backtesting.py service "
        "(adapters/backtestingpy/service/run)";
  } else if (engine == "lean_local") {
    hint += "; runs use engines.lean_local.command (Docker's quantconnect/lean by default)";
  } else if (engine == "qc_cloud") {
    hint += " with engines.qc_cloud.user_id and a token (engines.qc_cloud.token_file)";
  }
  return hint;
}

// Every enabled engine; the other known engines are declared not enabled, with how to enable
// them (listed as disabled by GET /v1/engines; a request naming one is told how to enable it).
Status RegisterEngines(const Config& config, EngineRegistry* engines) {
  BTR_RETURN_IF_ERROR(RegisterEnabledEngines(config, engines));
  for (std::string_view name : KnownEngineNames()) {
    if (engines->Find(name) != nullptr) continue;
    BTR_RETURN_IF_ERROR(engines->DeclareNotEnabled(std::string(name), EnableHint(name)));
  }
  return Status::Ok();
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
  const std::string data_dir = config.GetString("server.data_dir");
  // The data folder holds the admin key, the database and the tenants' data: created 0700.
  if (Status made = CreateOwnerOnlyDirectory(data_dir); !made.ok()) {
    return Status::InvalidArgument("server.data_dir: " + made.message());
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(data_dir + "/btrouter.db");
  if (!store.ok()) return store.status().WithPrefix("store");
  parts->store = std::move(store).value();
  Result<std::string> admin = EnsureAdminKey(*parts->store, data_dir, parts->clock.Now());
  if (!admin.ok()) return admin.status();
  parts->admin_key = *admin;

  BTR_RETURN_IF_ERROR(RegisterEngines(config, &parts->engines));

  JobServiceOptions jobs;
  jobs.workers = static_cast<size_t>(config.GetInt("jobs.workers"));
  jobs.queue_capacity = static_cast<size_t>(config.GetInt("jobs.queue_capacity"));
  jobs.max_active_per_tenant = static_cast<size_t>(config.GetInt("jobs.max_active_per_tenant"));
  jobs.progress_interval = std::chrono::milliseconds(config.GetInt("jobs.progress_interval_ms"));
  jobs.max_log_lines = static_cast<size_t>(config.GetInt("jobs.max_log_lines"));
  for (const Engine* engine : parts->engines.All()) {
    const std::string name(engine->name());
    jobs.engine_concurrency[name] =
        static_cast<size_t>(config.GetInt("engines." + name + ".concurrency"));
  }
  jobs.cache_dir = data_dir + "/cache";
  // Health routing (docs/routing.md): the first probe of every engine happens here, so the
  // server starts with a verdict on each.
  ApplyRoutingConfig(config, parts->engines, &jobs);
  DeclareEngineMetrics(parts->metrics, parts->engines);
  PrometheusRegistry* registry = &parts->metrics;
  jobs.on_fallback = [registry](const std::string& from, const std::string& to,
                                const std::string&) {
    registry->Increment("btr_fallbacks_total", {{"from", from}, {"to", to}});
  };
  parts->health = std::make_unique<HealthMonitor>(&parts->engines, &parts->clock,
                                                  HealthOptionsFromConfig(config),
                                                  EngineMetricHooks(&parts->metrics));
  parts->health->Start();
  parts->jobs = std::make_unique<JobService>(parts->store.get(), &parts->engines, &parts->clock,
                                             jobs, parts->health.get());

  HttpServer::DeclareMetrics(parts->metrics);
  DeclareApiMetrics(parts->metrics);
  parts->metrics.DeclareCounter("btr_jobs_finished_total",
                                "Backtests that reached a final state, by engine and status");
  parts->metrics.DeclareHistogram("btr_job_duration_seconds",
                                  "Time from start to the end of a backtest run, by engine",
                                  {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600});
  PrometheusRegistry* metrics = &parts->metrics;
  parts->jobs->AddListener([metrics](const JobRecord& job) {
    if (!IsTerminal(job.status)) return;
    const std::string engine = job.engine_used.empty() ? job.engine_requested : job.engine_used;
    metrics->Increment("btr_jobs_finished_total",
                       {{"engine", engine}, {"status", std::string(JobStatusName(job.status))}});
    if (job.started_at != 0 && job.finished_at >= job.started_at) {
      metrics->Observe("btr_job_duration_seconds", {{"engine", engine}},
                       static_cast<double>(job.finished_at - job.started_at) / 1e9);
    }
  });
  BTR_RETURN_IF_ERROR(parts->jobs->Start());
  parts->comparisons = std::make_unique<ComparisonService>(
      parts->store.get(), parts->jobs.get(), &parts->engines, &parts->clock,
      ComparisonOptionsFromConfig(config, jobs.cache_dir));
  BTR_RETURN_IF_ERROR(parts->comparisons->Start());
  ApiDeps deps;
  deps.store = parts->store.get();
  deps.jobs = parts->jobs.get();
  deps.engines = &parts->engines;
  deps.clock = &parts->clock;
  deps.metrics = &parts->metrics;
  deps.health = parts->health.get();
  deps.comparisons = parts->comparisons.get();
  deps.data_dir = data_dir;
  deps.cache_dir = jobs.cache_dir;
  deps.limits.page_size_default = static_cast<size_t>(config.GetInt("limits.page_size_default"));
  deps.limits.page_size_max = static_cast<size_t>(config.GetInt("limits.page_size_max"));
  deps.limits.max_dataset_bytes = static_cast<size_t>(config.GetInt("limits.max_dataset_bytes"));
  deps.limits.long_poll_max = std::chrono::seconds(config.GetInt("jobs.long_poll_max_s"));

  // The WebSocket first: the HTTP server hands it the upgrade requests of its own port.
  parts->ws = std::make_unique<ProgressWsServer>();
  const HostPort& ws_listen = config.GetHostPort("server.ws_listen");
  if (Status started = parts->ws->Start(ws_listen.host, static_cast<uint16_t>(ws_listen.port),
                                        parts->jobs.get(), parts->store.get());
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
  parts->http =
      std::make_unique<HttpServer>(BuildRoutes(deps), parts->store.get(), &parts->metrics, http);
  BTR_RETURN_IF_ERROR(parts->http->Start().WithPrefix("server.listen"));
  return std::unique_ptr<ServerApp>(new ServerApp(std::move(parts)));
}

void ServerApp::Stop() {
  if (!parts_) return;
  if (parts_->http) parts_->http->Stop();  // first: it hands connections to the WebSocket
  if (parts_->ws) parts_->ws->Stop();
  if (parts_->comparisons) parts_->comparisons->Stop();
  if (parts_->jobs) parts_->jobs->Stop();
  if (parts_->health) parts_->health->Stop();
  parts_->ws.reset();
  parts_->http.reset();
  parts_->comparisons.reset();
  parts_->jobs.reset();
}

uint16_t ServerApp::port() const { return parts_->http ? parts_->http->port() : 0; }

uint16_t ServerApp::ws_port() const {
  if (parts_->ws && parts_->ws->port() != 0) return parts_->ws->port();
  return port();
}

const std::string& ServerApp::new_admin_key() const { return parts_->admin_key; }

}  // namespace btr
