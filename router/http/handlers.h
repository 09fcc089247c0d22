// The routes of the btrouter REST API v1 (DESIGN.md "HTTP API"): backtests, datasets,
// strategies, engines, keys, health, metrics and the OpenAPI document. BuildRoutes returns the
// table that HttpServer serves and OpenApiDocument describes.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engines/core/clock.h"
#include "router/engine_registry.h"
#include "router/http/api.h"
#include "router/http/prometheus.h"
#include "services/jobs/job_service.h"
#include "services/store/store.h"

namespace btr {

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
  std::string data_dir;  // datasets are written to <data_dir>/datasets/
  std::string cache_dir;
  ApiLimits limits;
};

// All routes; the pointers in `deps` must outlive the routes.
std::vector<ApiRoute> BuildRoutes(const ApiDeps& deps);

// Declares the job metric families (btr_jobs_*, btr_queue_depth, ...) on `metrics`.
void DeclareApiMetrics(PrometheusRegistry& metrics);

// The job as the API shows it.
nlohmann::json JobToJson(const JobRecord& job);

}  // namespace btr
