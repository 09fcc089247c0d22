// The routes of the btrouter REST API v1 (DESIGN.md "HTTP API"): backtests, datasets,
// strategies, engines, keys, health, metrics and the OpenAPI document. BuildRoutes returns the
// table that HttpServer serves and OpenApiDocument describes.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engines/core/clock.h"
#include "router/http/api.h"
#include "router/http/prometheus.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"
#include "services/jobs/job_service.h"
#include "services/queue/worker_directory.h"
#include "services/store/store.h"

namespace btr {

class ComparisonService;  // services/comparisons/comparison_service.h

struct ApiLimits {
  size_t page_size_default = 50;
  size_t page_size_max = 1000;
  size_t max_dataset_bytes = 512u << 20;
  std::chrono::seconds long_poll_max{30};
};

struct ApiDeps {
  Store* store = nullptr;
  WorkerDirectory* workers = nullptr;  // worker processes seen alive (GET /v1/workers)
  JobService* jobs = nullptr;
  const EngineRegistry* engines = nullptr;
  const Clock* clock = nullptr;
  PrometheusRegistry* metrics = nullptr;
  HealthMonitor* health = nullptr;           // engine health and admin actions (/v1/engines)
  ComparisonService* comparisons = nullptr;  // /v1/comparisons (503 when null)
  std::string data_dir;                      // datasets are written to <data_dir>/datasets/
  std::string cache_dir;
  ApiLimits limits;
};

// All routes; the pointers in `deps` must outlive the routes.
std::vector<ApiRoute> BuildRoutes(const ApiDeps& deps);

// The job as the API shows it.
nlohmann::json JobToJson(const JobRecord& job);
// 200 with `job`; with ?wait=seconds and a job not yet ended, the reply is deferred until the
// job changes or the wait ends (long-polling). 400 for a bad wait.
ApiReply JobReplyWithWait(const ApiDeps& deps, const ApiRequest& req, const JobRecord& job);

// The job spec of a POST /v1/optimizations body: the settings at the top level, the strategy
// with its fixed parameters, and the request as `sweep`. InvalidArgument naming the field.
Result<BacktestSpec> OptimizationSpec(const nlohmann::json& body);

// HealthMonitor hooks that count probes and ejections on `metrics` (which must outlive them).
HealthHooks EngineMetricHooks(PrometheusRegistry* metrics);

}  // namespace btr
