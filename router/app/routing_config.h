// The routing and health configuration (health.*, engines.default, engines.preference,
// engines.fallback, engines.<name>.timeout_s) as the options of HealthMonitor and JobService.
// The defaults live in services/config/schema.cc. Pure functions of a validated Config.
#pragma once

#include "routing/engine_registry.h"
#include "routing/health/health_types.h"
#include "services/config/config.h"
#include "services/jobs/job_service.h"

namespace btr {

HealthOptions HealthOptionsFromConfig(const Config& config);

// Sets default_engine, routing (preference, fallback) and engine_timeout on `jobs`. The router
// enforces engines.<name>.timeout_s only for engines that do not enforce it themselves: native
// (0 = no limit); the adapters stop their own runs at their timeout_s.
void ApplyRoutingConfig(const Config& config, const EngineRegistry& engines,
                        JobServiceOptions* jobs);

}  // namespace btr
