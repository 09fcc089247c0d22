// CoreParts: what both `btrouter serve` and `btrouter worker` are made of, built from the
// configuration in one place:
//   - the store (store.kind: sqlite in server.data_dir, or postgres at store.url);
//   - the dispatch: queue, events and worker directory (queue.kind: local, or redis at
//     queue.url with queue.prefix);
//   - the engines (the enabled ones of BuiltinEngines, the others declared not enabled), their
//     HealthMonitor and the Dispatcher (engines.*, health.*);
//   - the Prometheus registry with every family declared (metric_catalog.h).
// Members are destroyed in reverse order of declaration: users of a part come after it.
#pragma once

#include <memory>
#include <string>

#include "engines/core/clock.h"
#include "engines/core/random.h"
#include "router/http/prometheus.h"
#include "routing/dispatcher.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"
#include "services/config/config.h"
#include "services/events/job_events.h"
#include "services/queue/job_queue.h"
#include "services/queue/worker_directory.h"
#include "services/redis/redis_client.h"
#include "services/store/store.h"

namespace btr {

struct CoreParts {
  SystemClock clock;
  SystemRandom random;
  std::string data_dir;   // server.data_dir (created 0700)
  std::string cache_dir;  // <data_dir>/cache: the bar cache and fetched datasets
  bool embedded = true;   // sqlite store and local queue: one process owns everything
  PrometheusRegistry metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<RedisPool> redis;  // queue.kind = redis: the directory's pool
  std::unique_ptr<JobQueue> queue;
  std::unique_ptr<JobEvents> events;
  std::unique_ptr<WorkerDirectory> workers;
  EngineRegistry engines;
  std::unique_ptr<HealthMonitor> health;
  std::unique_ptr<Dispatcher> dispatcher;

  ~CoreParts();  // stops the health monitor and the events before the parts go
};

// Builds everything above from `config`; `owner` names this process in claims and in the
// queue's consumer group ("<host>:<pid>"). The health monitor has probed every engine once when
// this returns. Errors name the key at fault (server.data_dir, store.url, queue.url, engines.x).
Result<std::unique_ptr<CoreParts>> BuildCoreParts(const Config& config, const std::string& owner);

// The store of store.kind (the SQLite file in server.data_dir, or PostgreSQL at store.url),
// for the commands that need only the store (`btrouter keys`).
Result<std::unique_ptr<Store>> OpenConfiguredStore(const Config& config);

// The engines.* keys of the dispatcher (routing, concurrency, time limits, reconciling).
DispatcherOptions DispatcherOptionsFromConfig(const Config& config, const EngineRegistry& engines);

}  // namespace btr
