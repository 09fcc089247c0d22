#include "router/app/core_parts.h"

#include "engines/data/file_util.h"
#include "router/app/builtin_engines.h"
#include "router/http/handlers.h"
#include "router/http/metric_catalog.h"
#include "services/events/redis_job_events.h"
#include "services/queue/local_job_queue.h"
#include "services/queue/redis_job_queue.h"
#include "services/store/postgres_store.h"
#include "services/store/sqlite_store.h"

namespace btr {
namespace {

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

}  // namespace

Result<std::unique_ptr<Store>> OpenConfiguredStore(const Config& config) {
  const std::string data_dir = config.GetString("server.data_dir");
  if (config.GetString("store.kind") == "postgres") {
    PostgresStoreOptions options;
    options.pool_size = static_cast<size_t>(config.GetInt("store.pool_size"));
    Result<std::unique_ptr<PostgresStore>> store =
        PostgresStore::Open(config.GetString("store.url"), options);
    if (!store.ok()) return store.status().WithPrefix("store.url");
    return std::unique_ptr<Store>(std::move(store).value());
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(data_dir + "/btrouter.db");
  if (!store.ok()) return store.status().WithPrefix("store");
  return std::unique_ptr<Store>(std::move(store).value());
}

namespace {

// The queue, events and worker directory of queue.kind.
Status OpenDispatch(const Config& config, const std::string& owner, CoreParts* parts) {
  if (config.GetString("queue.kind") != "redis") {
    parts->queue = std::make_unique<LocalJobQueue>();
    parts->events = std::make_unique<LocalJobEvents>();
    parts->workers = std::make_unique<LocalWorkerDirectory>();
    return Status::Ok();
  }
  Result<RedisUrl> url = RedisUrl::Parse(config.GetString("queue.url"));
  if (!url.ok()) return url.status().WithPrefix("queue.url");
  const std::string prefix = config.GetString("queue.prefix");
  RedisJobQueueOptions queue;
  queue.url = *url;
  queue.key_prefix = prefix;
  queue.consumer = owner;
  queue.claim_idle = std::chrono::seconds(config.GetInt("queue.claim_idle_s"));
  queue.max_deliveries = static_cast<int>(config.GetInt("queue.max_deliveries"));
  queue.max_connections =
      static_cast<size_t>(config.GetInt("worker.threads") + config.GetInt("jobs.workers") + 8);
  Result<std::unique_ptr<RedisJobQueue>> q = RedisJobQueue::Create(std::move(queue));
  if (!q.ok()) return q.status().WithPrefix("queue");
  parts->queue = std::move(q).value();
  RedisJobEventsOptions events;
  events.url = *url;
  events.key_prefix = prefix;
  parts->events = std::make_unique<RedisJobEvents>(std::move(events));
  parts->redis = std::make_unique<RedisPool>(*url, RedisOptions{}, 2);
  parts->workers = std::make_unique<RedisWorkerDirectory>(parts->redis.get(), prefix);
  return Status::Ok();
}

}  // namespace

DispatcherOptions DispatcherOptionsFromConfig(const Config& config, const EngineRegistry& engines) {
  DispatcherOptions d;
  d.routing.preference = config.GetList("engines.preference");
  d.routing.fallback = config.GetList("engines.fallback");
  d.reconcile_timeout = std::chrono::seconds(config.GetInt("engines.reconcile_timeout_s"));
  d.default_concurrency = static_cast<size_t>(std::max<int64_t>(1, config.GetInt("jobs.workers")));
  for (const Engine* engine : engines.All()) {
    const std::string name(engine->name());
    d.engine_concurrency[name] =
        static_cast<size_t>(config.GetInt("engines." + name + ".concurrency"));
  }
  // The dispatcher enforces engines.<name>.timeout_s only for engines that do not enforce it
  // themselves: native (0 = no limit); the adapters stop their own runs at their timeout_s.
  if (engines.Find("native") != nullptr) {
    const int64_t seconds = config.GetInt("engines.native.timeout_s");
    if (seconds > 0) d.engine_timeout["native"] = std::chrono::seconds(seconds);
  }
  return d;
}

CoreParts::~CoreParts() {
  if (health) health->Stop();
  if (events) events->Stop();
}

Result<std::unique_ptr<CoreParts>> BuildCoreParts(const Config& config, const std::string& owner) {
  auto parts = std::make_unique<CoreParts>();
  parts->data_dir = config.GetString("server.data_dir");
  // The data folder holds the admin key, the database and the tenants' data: created 0700.
  if (Status made = CreateOwnerOnlyDirectory(parts->data_dir); !made.ok()) {
    return Status::InvalidArgument("server.data_dir: " + made.message());
  }
  parts->cache_dir = parts->data_dir + "/cache";
  parts->embedded =
      config.GetString("store.kind") == "sqlite" && config.GetString("queue.kind") == "local";
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(config);
  if (!store.ok()) return store.status();
  parts->store = std::move(store).value();
  BTR_RETURN_IF_ERROR(OpenDispatch(config, owner, parts.get()));

  EngineBuildContext context;
  context.config = &config;
  context.data_dir = parts->data_dir;
  context.max_bars = static_cast<size_t>(config.GetInt("limits.max_bars_per_run"));
  BTR_RETURN_IF_ERROR(RegisterEngines(BuiltinEngines(), context, &parts->engines));
  DeclareMetrics(parts->metrics, parts->engines);

  // Health routing (docs/routing.md): the first probe of every engine happens here, so the
  // process starts with a verdict on each.
  parts->health = std::make_unique<HealthMonitor>(&parts->engines, &parts->clock,
                                                  HealthOptionsFromConfig(config),
                                                  EngineMetricHooks(&parts->metrics));
  parts->health->Start();
  DispatcherOptions dispatch = DispatcherOptionsFromConfig(config, parts->engines);
  PrometheusRegistry* metrics = &parts->metrics;
  dispatch.on_fallback = [metrics](const std::string& from, const std::string& to,
                                   const std::string&) {
    metrics->Increment("btr_fallbacks_total", {{"from", from}, {"to", to}});
  };
  parts->dispatcher = std::make_unique<Dispatcher>(&parts->engines, parts->health.get(),
                                                   &parts->clock, std::move(dispatch));
  return parts;
}

}  // namespace btr
