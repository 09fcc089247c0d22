// Routing policy (docs/routing.md): which engines may run a backtest, in the order to try them.
//
//   explicit engine  that engine, then the fallback chain: the request's "fallback" list, else
//                    engines.fallback; duplicates and the engine itself are dropped.
//   "auto"           every capable engine listed in engines.preference (all registered engines,
//                    in name order, when the list is empty), healthiest first: healthy engines,
//                    then degraded ones, each group in preference order; engines that admit no
//                    run now (ejected, draining, disabled) are left out. The request's fallback
//                    list, if any, is appended.
// Only capable engines are candidates: the capabilities list the strategy (for an algorithm's
// own source, its language), the dataset fits max_bars, and the engine's Validate accepts the
// spec. An explicit engine that rejects the spec is an error (InvalidArgument naming the
// field); an incapable fallback entry is skipped. An algorithm spec gets one candidate and no
// fallback chain: engines read different data for it (lean_local the dataset, qc_cloud
// QuantConnect's).
//
// Fallback (JobService) happens only when a failure is proven to precede acceptance by the
// engine: FailedBeforeAcceptance, or the engine admitted no run (ejected, draining, disabled).
// Never on invalid input; never on an unknown outcome (the run may have happened there).
//
// Pure functions over a registry and an optional HealthMonitor; thread-safe as those are.
#pragma once

#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/engine.h"
#include "engines/spec.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"

namespace btr {

struct RoutingOptions {
  std::vector<std::string> preference;  // engines.preference: the order `auto` considers
  std::vector<std::string> fallback;    // engines.fallback: the chain when a request gives none
};

struct RoutePlan {
  std::vector<Engine*> candidates;   // in the order to try; never empty
  bool automatic = false;            // the request asked for "auto"
  std::vector<std::string> skipped;  // "qc_cloud: cannot run strategy 'x'", for messages
};

// The candidates for `spec` on a dataset of `bars` bars (0 = unknown: max_bars not checked).
// `health` may be null (every engine admits). Errors: InvalidArgument naming the field for an
// unknown engine or fallback entry (or a known one that is not enabled, with how to enable it:
// EngineRegistry::UnknownEngine), the explicit engine rejecting the spec, or no engine able to
// run it ("auto"); Unavailable when capable engines exist but none admits a run now ("auto").
Result<RoutePlan> PlanRoute(const BacktestSpec& spec, size_t bars, const EngineRegistry& engines,
                            const HealthMonitor* health, const RoutingOptions& options);

// Why `engine` cannot run `spec` on `bars` bars, or OK.
Status CheckCapable(const Engine& engine, const BacktestSpec& spec, size_t bars);

// The failures that prove the engine did not accept the run, so trying another engine cannot
// run it twice: Unavailable (unreachable, refused, 5xx before accepting) and ResourceExhausted
// (rate-limited, full).
bool FailedBeforeAcceptance(const Status& status);

}  // namespace btr
