// The routes of the btrouter REST API v1 (DESIGN.md "HTTP API"): backtests, datasets,
// strategies, engines, keys, health, metrics and the OpenAPI document. BuildRoutes returns the
// table that HttpServer serves and OpenApiDocument describes.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engines/core/clock.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"
#include "router/http/api.h"
#include "router/http/prometheus.h"
#include "services/jobs/job_service.h"
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

// Declares the job metric families (btr_jobs_*, btr_queue_depth, ...) on `metrics`.
void DeclareApiMetrics(PrometheusRegistry& metrics);

// The job as the API shows it.
nlohmann::json JobToJson(const JobRecord& job);

// The engine metric families: btr_engine_up, btr_engine_ejections_total,
// btr_engine_probes_total, btr_engine_probe_duration_seconds, btr_fallbacks_total
// (router/http/engine_routes.cc). `engines` get their series at 0.
void DeclareEngineMetrics(PrometheusRegistry& metrics, const EngineRegistry& engines);
// HealthMonitor hooks that count probes and ejections on `metrics` (which must outlive them).
HealthHooks EngineMetricHooks(PrometheusRegistry* metrics);

}  // namespace btr
