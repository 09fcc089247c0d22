#include "routing/route_plan.h"

#include <algorithm>

namespace btr {
namespace {

bool Contains(const std::vector<Engine*>& list, const Engine* engine) {
  return std::find(list.begin(), list.end(), engine) != list.end();
}

// The health rank `auto` sorts by: 0 healthy, 1 degraded (both admit runs), 2 admits none.
int Rank(const HealthMonitor* health, const Engine& engine) {
  if (health == nullptr) return 0;
  const Admission a = health->Check(engine.name());
  if (!a.admitted) return 2;
  return a.state == EngineState::kHealthy ? 0 : 1;
}

}  // namespace

Status CheckCapable(const Engine& engine, const BacktestSpec& spec, size_t bars) {
  const EngineCapabilities caps = engine.capabilities();
  if (!spec.algorithm.empty()) {
    if (std::find(caps.languages.begin(), caps.languages.end(), spec.algorithm.language) ==
        caps.languages.end()) {
      return Status::InvalidArgument(
          "algorithm.language: engine '" + std::string(engine.name()) + "' cannot run " +
          spec.algorithm.language +
          " algorithm source (GET /v1/engines lists the languages each engine runs; "
          "lean_local and qc_cloud run python)");
    }
  } else if (std::find(caps.strategies.begin(), caps.strategies.end(), spec.strategy.name) ==
             caps.strategies.end()) {
    return Status::InvalidArgument("strategy.name: engine '" + std::string(engine.name()) +
                                   "' cannot run '" + spec.strategy.name + "'");
  }
  if (bars != 0 && caps.max_bars != 0 && bars > caps.max_bars) {
    return Status::InvalidArgument("dataset: " + std::to_string(bars) + " bars exceed engine '" +
                                   std::string(engine.name()) + "''s limit of " +
                                   std::to_string(caps.max_bars));
  }
  return engine.Validate(spec);
}

bool FailedBeforeAcceptance(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kResourceExhausted;
}

Result<RoutePlan> PlanRoute(const BacktestSpec& spec, size_t bars, const EngineRegistry& engines,
                            const HealthMonitor* health, const RoutingOptions& options) {
  RoutePlan plan;
  bool any_capable = false;  // some candidate could run the spec, health aside
  plan.automatic = spec.engine == "auto";
  // The fallback chain: the request's, else the configured one. Every name must be known.
  const std::vector<std::string>& chain = spec.fallback.empty() ? options.fallback : spec.fallback;
  std::vector<Engine*> fallback;
  for (size_t k = 0; k < chain.size(); ++k) {
    Engine* engine = engines.Find(chain[k]);
    if (engine == nullptr) {
      const std::string field =
          spec.fallback.empty() ? "engines.fallback" : "fallback[" + std::to_string(k) + "]";
      return engines.UnknownEngine(field, chain[k], false);
    }
    fallback.push_back(engine);
  }

  if (!plan.automatic) {
    Engine* engine = engines.Find(spec.engine);
    if (engine == nullptr) return engines.UnknownEngine("engine", spec.engine, true);
    BTR_RETURN_IF_ERROR(CheckCapable(*engine, spec, bars));
    plan.candidates.push_back(engine);
  } else {
    std::vector<Engine*> preferred;
    if (options.preference.empty()) {
      preferred = engines.All();
    } else {
      for (const std::string& name : options.preference) {
        if (Engine* engine = engines.Find(name)) preferred.push_back(engine);
      }
    }
    std::vector<std::pair<int, Engine*>> ranked;
    for (Engine* engine : preferred) {
      if (Status capable = CheckCapable(*engine, spec, bars); !capable.ok()) {
        plan.skipped.push_back(std::string(engine->name()) + ": " + capable.message());
        continue;
      }
      any_capable = true;
      const int rank = Rank(health, *engine);
      if (rank == 2) {
        plan.skipped.push_back(std::string(engine->name()) + ": " +
                               health->Check(engine->name()).reason);
        continue;
      }
      ranked.emplace_back(rank, engine);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [rank, engine] : ranked) plan.candidates.push_back(engine);
    // Auto appends only the request's own chain: the configured one is for explicit engines.
    if (spec.fallback.empty()) fallback.clear();
  }
  if (!spec.algorithm.empty()) {
    // An algorithm's own source reads different data on different engines (lean_local the
    // dataset, qc_cloud QuantConnect's): it runs where it was routed, or fails. No fallback.
    fallback.clear();
    if (plan.candidates.size() > 1) plan.candidates.resize(1);
  }
  for (Engine* engine : fallback) {
    if (Contains(plan.candidates, engine)) continue;
    if (Status capable = CheckCapable(*engine, spec, bars); !capable.ok()) {
      plan.skipped.push_back(std::string(engine->name()) + ": " + capable.message());
      continue;
    }
    any_capable = true;
    plan.candidates.push_back(engine);
  }
  if (plan.candidates.empty()) {
    std::string why;
    for (const std::string& s : plan.skipped) why += (why.empty() ? "" : "; ") + s;
    // Capability is the request's problem (400); health is the server's (503).
    if (!any_capable) {
      const std::string what =
          spec.algorithm.empty()
              ? "strategy.name: no engine can run '" + spec.strategy.name + "'"
              : "algorithm.language: no engine can run " + spec.algorithm.language + " source";
      return Status::InvalidArgument(what + " on this dataset" +
                                     (why.empty() ? "" : " (" + why + ")"));
    }
    return Status::Unavailable("engine: no engine can take this backtest now (" + why + ")");
  }
  return plan;
}

}  // namespace btr
