#include "router/app/routing_config.h"

namespace btr {

HealthOptions HealthOptionsFromConfig(const Config& config) {
  HealthOptions h;
  h.interval_s = config.GetDouble("health.interval_s");
  h.timeout_s = config.GetDouble("health.timeout_s");
  h.unhealthy_threshold = static_cast<int>(config.GetInt("health.unhealthy_threshold"));
  h.healthy_threshold = static_cast<int>(config.GetInt("health.healthy_threshold"));
  h.no_traffic_interval_s = config.GetDouble("health.no_traffic_interval_s");
  h.jitter_pct = config.GetDouble("health.jitter_pct");
  h.consecutive_failures = static_cast<int>(config.GetInt("health.consecutive_failures"));
  h.base_ejection_s = config.GetDouble("health.base_ejection_s");
  h.max_ejection_s = config.GetDouble("health.max_ejection_s");
  h.max_ejection_pct = config.GetDouble("health.max_ejection_pct");
  h.window_runs = static_cast<size_t>(config.GetInt("health.window_runs"));
  h.window_s = config.GetDouble("health.window_s");
  return h;
}

void ApplyRoutingConfig(const Config& config, const EngineRegistry& engines,
                        JobServiceOptions* jobs) {
  jobs->default_engine = config.GetString("engines.default");
  jobs->routing.preference = config.GetList("engines.preference");
  jobs->routing.fallback = config.GetList("engines.fallback");
  jobs->reconcile_timeout = std::chrono::seconds(config.GetInt("engines.reconcile_timeout_s"));
  if (engines.Find("native") != nullptr) {
    const int64_t seconds = config.GetInt("engines.native.timeout_s");
    if (seconds > 0) jobs->engine_timeout["native"] = std::chrono::seconds(seconds);
  }
}

}  // namespace btr
