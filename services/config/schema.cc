#include "services/config/schema.h"

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <mutex>
#include <utility>

namespace btr {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;
constexpr int64_t kTiB = 1024 * kGiB;

using Key = ConfigKey;
using T = ConfigType;

// The core keys, in file order; the engines' sections go in where kEngineSectionsAfter says.
std::vector<ConfigKeySpec> CoreKeys() {
  return {
      // [server]
      Key("server.listen", T::kHostPort, "127.0.0.1:8080", "address of the REST API"),
      Key("server.threads", T::kInt, "2", "HTTP io threads").Range(1, 256),
      Key("server.data_dir", T::kString, "./btrouter-data",
          "folder of the SQLite store, datasets and admin key"),
      Key("server.max_body_bytes", T::kBytes, "64 MiB", "largest request body accepted")
          .Range(kKiB, kGiB),
      Key("server.max_header_bytes", T::kBytes, "16 KiB",
          "largest request line plus headers accepted")
          .Range(kKiB, 1024 * kKiB),
      Key("server.request_timeout_s", T::kInt, "30", "seconds to receive and answer a request")
          .Range(1, 3600),
      Key("server.idle_timeout_s", T::kInt, "60", "seconds a keep-alive connection may idle")
          .Range(1, 3600),
      Key("server.max_connections", T::kInt, "4096", "open HTTP connections before 503")
          .Range(1, 1'000'000),
      Key("server.ws_listen", T::kHostPort, "",
          "a second address for the live-progress WebSocket; empty: the API's port only")
          .MayBeEmpty(),
      Key("server.qc_listen", T::kHostPort, "",
          "address of the QuantConnect-compatible /api/v2 (lean-cli's QC_API=local: "
          "127.0.0.1:5612); empty: not served")
          .MayBeEmpty(),
      Key("server.dashboard_dir", T::kString, "web/dist",
          "folder of the built dashboard served at /dashboard/; empty disables it")
          .MayBeEmpty(),
      // [jobs]
      Key("jobs.workers", T::kInt, "2",
          "worker threads running backtests in this process; 0 = none (queue.kind = redis)")
          .Range(0, 256),
      Key("jobs.queue_capacity", T::kInt, "1000", "queued jobs before submits get 429")
          .Range(1, 10'000'000),
      Key("jobs.max_active_per_tenant", T::kInt, "100",
          "queued plus running jobs one tenant may have")
          .Range(1, 1'000'000),
      Key("jobs.progress_interval_ms", T::kInt, "100", "milliseconds between progress updates")
          .Range(10, 60'000),
      Key("jobs.max_log_lines", T::kInt, "1000",
          "lines kept in one job's log (GET /v1/backtests/{id}/logs) per run")
          .Range(10, 1'000'000),
      Key("jobs.long_poll_max_s", T::kInt, "30", "longest ?wait= a status read may block")
          .Range(1, 300),
      Key("jobs.lease_s", T::kInt, "30",
          "how long a worker's claim on a job lasts; renewed every third of it while it runs")
          .Range(1, 3600),
      Key("jobs.sweep_chunk_trials", T::kInt, "0",
          "native sweeps of more points run as chunk jobs of this many points, spread over the "
          "workers; 0 = one job")
          .Range(0, 10'000'000),
      Key("jobs.redispatch_interval_s", T::kDouble, "2",
          "seconds between two passes of the dispatch reconciler")
          .RangeD(0.05, 3600),
      // [store]
      Key("store.kind", T::kString, "sqlite", "where jobs, datasets and keys live")
          .OneOf({"sqlite", "postgres"}),
      Key("store.url", T::kString, "", "PostgreSQL URL (store.kind = postgres)")
          .MayBeEmpty()
          .Secret(),
      Key("store.pool_size", T::kInt, "16", "PostgreSQL connections per process").Range(1, 1000),
      // [queue]
      Key("queue.kind", T::kString, "local", "how job ids reach the workers")
          .OneOf({"local", "redis"}),
      Key("queue.url", T::kString, "redis://127.0.0.1:6379/0", "Redis URL (queue.kind = redis)")
          .Secret(),
      Key("queue.prefix", T::kString, "btr", "prefix of every Redis key btrouter uses"),
      Key("queue.claim_idle_s", T::kInt, "60",
          "a delivery unacknowledged this long goes to another worker")
          .Range(1, 86400),
      Key("queue.max_deliveries", T::kInt, "5",
          "deliveries of one job before it is failed as a dead letter")
          .Range(1, 1000),
      // [worker]
      Key("worker.listen", T::kHostPort, "127.0.0.1:9090",
          "address of `btrouter worker`'s /livez, /readyz and /metrics; empty disables them")
          .MayBeEmpty(),
      Key("worker.threads", T::kInt, "2", "jobs one `btrouter worker` runs at once").Range(1, 256),
      // [limits]
      Key("limits.page_size_default", T::kInt, "50", "page size when a request names none")
          .Range(1, 100'000),
      Key("limits.page_size_max", T::kInt, "1000", "largest page size a request may ask for")
          .Range(1, 100'000),
      Key("limits.max_bars_per_run", T::kInt, "50000000", "most bars one backtest may read")
          .Range(1, 10'000'000'000),
      Key("limits.max_dataset_bytes", T::kBytes, "512 MiB", "largest dataset file accepted")
          .Range(kKiB, kTiB),
      // [engines]
      Key("engines.default", T::kString, "native", "engine used when a request names none")
          .EngineOrAuto(),
      Key("engines.fallback", T::kList, "", "fallback chain when a request gives none")
          .Engines()
          .MayBeEmpty(),
      Key("engines.preference", T::kList, "native, backtestingpy, lean_local, qc_cloud",
          "order in which `auto` considers healthy engines")
          .Engines(),
      Key("engines.reconcile_timeout_s", T::kInt, "30",
          "how long to ask an engine what became of a run whose reply was lost; 0 = never ask")
          .Range(0, 3600),
      // [health]
      Key("health.interval_s", T::kDouble, "10", "seconds between active probes").RangeD(0.1, 3600),
      Key("health.timeout_s", T::kDouble, "2", "a probe slower than this failed").RangeD(0.05, 600),
      Key("health.unhealthy_threshold", T::kInt, "3", "failed probes in a row to mark unhealthy")
          .Range(1, 100),
      Key("health.healthy_threshold", T::kInt, "2", "good probes in a row to mark healthy")
          .Range(1, 100),
      Key("health.no_traffic_interval_s", T::kDouble, "60",
          "probe interval of an engine that gets no traffic")
          .RangeD(0.1, 86400),
      Key("health.jitter_pct", T::kDouble, "10", "random extra wait, percent of the interval")
          .RangeD(0, 100),
      Key("health.consecutive_failures", T::kInt, "5", "failed runs in a row that eject")
          .Range(1, 1000),
      Key("health.base_ejection_s", T::kDouble, "30", "ejection = base x number of ejections")
          .RangeD(0.1, 86400),
      Key("health.max_ejection_s", T::kDouble, "300", "cap of one ejection").RangeD(0.1, 86400),
      Key("health.max_ejection_pct", T::kDouble, "50",
          "largest share of enabled engines ejected at once")
          .RangeD(0, 100),
      Key("health.window_runs", T::kInt, "100",
          "runs in the window of success rate and p50/p99 latency")
          .Range(1, 100'000),
      Key("health.window_s", T::kDouble, "300", "seconds a run stays in that window")
          .RangeD(1, 86400),
      // [compare] (docs/comparisons.md)
      Key("compare.max_runs", T::kInt, "8", "engines (or settings) one comparison may run")
          .Range(2, 64),
      Key("compare.tolerance_rel", T::kDouble, "1e-9",
          "relative tolerance of exact-definition numbers (canonical metrics, trades, equity)")
          .RangeD(0, 1),
      Key("compare.tolerance_abs", T::kDouble, "1e-12", "absolute floor of that tolerance")
          .RangeD(0, 1e6),
      Key("compare.rounded_engines", T::kList, "lean_local, qc_cloud",
          "engines whose own numbers are rounded: compared with the rounded tolerance")
          .Engines()
          .MayBeEmpty(),
      Key("compare.rounded_tolerance_rel", T::kDouble, "0.001",
          "relative tolerance of those engines' own numbers against btrouter's")
          .RangeD(0, 1),
      Key("compare.rounded_tolerance_abs", T::kDouble, "0.0005",
          "absolute floor of that tolerance (LEAN rounds drawdown to 0.1 %)")
          .RangeD(0, 1e6),
      Key("compare.match_window_bars", T::kInt, "1",
          "bars a paired trade's entries may lie apart (0 = same entry time only)")
          .Range(0, 1000),
      Key("compare.chart_points", T::kInt, "5000", "points per curve in the report's charts")
          .Range(100, 1'000'000),
      Key("compare.max_trade_rows", T::kInt, "10000",
          "paired-trade rows listed per pair of runs (counts always cover every trade)")
          .Range(0, 10'000'000),
      // [log]
      Key("log.level", T::kString, "info", "least severe level written")
          .OneOf({"debug", "info", "warn", "error"}),
      Key("log.format", T::kString, "json", "log line format").OneOf({"json", "text"}),
  };
}

}  // namespace

std::string_view ConfigTypeName(ConfigType type) {
  switch (type) {
    case ConfigType::kString:
      return "string";
    case ConfigType::kInt:
      return "integer";
    case ConfigType::kDouble:
      return "number";
    case ConfigType::kBool:
      return "boolean";
    case ConfigType::kBytes:
      return "bytes";
    case ConfigType::kList:
      return "list";
    case ConfigType::kHostPort:
      return "host:port";
    case ConfigType::kUrl:
      return "url";
    case ConfigType::kTemplate:
      return "command template";
  }
  return "unknown";
}

namespace {

// The sections registered from outside this module, before the schema is first used.
struct SectionRegistry {
  std::mutex mu;
  std::vector<ConfigSection> sections;  // guarded by mu
  bool frozen = false;                  // guarded by mu: the schema was built
};

SectionRegistry& Registry() {
  static SectionRegistry* registry = new SectionRegistry();  // never destroyed
  return *registry;
}

// Freezes the registry and returns its sections (read-only from then on).
const std::vector<ConfigSection>& FrozenSections() {
  SectionRegistry& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.frozen = true;
  return r.sections;
}

// The core key after which the engines' sections go (the [engines] section's last key).
constexpr std::string_view kEngineSectionsAfter = "engines.reconcile_timeout_s";

}  // namespace

std::vector<std::string_view> ConfigKey::KnownEngineNamesForSchema() { return KnownEngineNames(); }

void RegisterConfigSection(ConfigSection section) {
  SectionRegistry& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.frozen) {
    std::fprintf(stderr, "config schema: section of '%s' registered after the schema was built\n",
                 std::string(section.engine).c_str());
    std::abort();
  }
  for (const ConfigSection& known : r.sections) {
    if (!section.engine.empty() && known.engine == section.engine) return;  // registered already
  }
  r.sections.push_back(std::move(section));
}

const std::vector<ConfigSection>& RegisteredConfigSections() { return FrozenSections(); }

const std::vector<std::string_view>& KnownEngineNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const ConfigSection& section : FrozenSections()) {
      if (!section.engine.empty()) out.push_back(section.engine);
    }
    return out;
  }();
  return names;
}

const std::vector<ConfigKeySpec>& ConfigSchema() {
  static const std::vector<ConfigKeySpec> schema = [] {
    std::vector<ConfigKeySpec> core = CoreKeys();
    std::vector<ConfigKeySpec> out;
    for (ConfigKeySpec& spec : core) {
      const bool anchor = spec.name == kEngineSectionsAfter;
      out.push_back(std::move(spec));
      if (!anchor) continue;
      for (const ConfigSection& section : FrozenSections()) {
        out.insert(out.end(), section.keys.begin(), section.keys.end());
      }
    }
    return out;
  }();
  return schema;
}

const ConfigKeySpec* FindConfigKey(std::string_view name) {
  for (const ConfigKeySpec& spec : ConfigSchema()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const std::vector<std::string>& ConfigSections() {
  static const std::vector<std::string> sections = [] {
    std::vector<std::string> out;
    for (const ConfigKeySpec& spec : ConfigSchema()) {
      if (out.empty() || out.back() != spec.section()) out.emplace_back(spec.section());
    }
    return out;
  }();
  return sections;
}

}  // namespace btr
