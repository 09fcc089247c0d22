// Engine: the seam between the router and a backtesting engine (native C++, Backtesting.py
// service, local LEAN, QuantConnect Cloud). One implementation per engine, registered by name
// (routing/engine_registry.h). The health state machine, routing and fallback live in the router;
// an engine only runs specs, reports progress, honours cancellation, answers probes and
// classifies its errors with Status codes (status.h lists the retry classes).
//
// Threads: Run() may be called concurrently from several worker threads; implementations are
// thread-safe. Run() blocks until the run ends, fails or is cancelled.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/trade.h"
#include "engines/data/bars.h"
#include "engines/data/column.h"
#include "engines/spec.h"

namespace btr {

struct EngineCapabilities {
  std::vector<std::string> strategies;  // catalogue names it can run
  bool reports_progress = false;
  bool supports_cancel = false;
  size_t max_bars = 0;  // 0 = no limit
  // Languages of algorithm source it runs (BacktestSpec::algorithm): "python", "csharp".
  // Empty: catalogue strategies only.
  std::vector<std::string> languages;
};

// What a run may use while it works. Both members may be empty / null.
struct RunContext {
  // Fraction done in [0, 1] and a short phase name ("loading", "running", "metrics").
  std::function<void(double fraction, std::string_view phase)> progress;
  // Set to true to ask the run to stop; the engine returns kCancelled soon after.
  const std::atomic<bool>* cancel = nullptr;
  // The router's key for this run: "<job id>.<attempt>.<engine>", unique per job, attempt and
  // engine. Engines that submit remotely tag the submission with it so that Reconcile can find
  // it. Empty when the caller keeps no record (CLI backtests, benchmarks): nothing to reconcile.
  std::string run_key;
  // One line of the engine's own log (LEAN's log, the service's warnings, cloud status changes)
  // for the job's log; may be called from any thread, must return quickly. May be empty.
  std::function<void(std::string_view line)> log;
};

// The engine's own statistics, beside btrouter's canonical ones.
struct NativeStats {
  std::string raw_json = "{}";  // the engine's numbers verbatim, as a JSON object
  // Those numbers translated to canonical keys and units (docs/metrics.md), only where the
  // engine's definition means the same thing; NaN for an undefined value.
  std::map<std::string, double> metrics;
  // How the engine computes its numbers, where that differs from or explains the mapping
  // (annualization, risk-free rate, sampling, trade counting), as short sentences by topic.
  std::map<std::string, std::string> conventions;
  // True when the engine computes exactly the canonical definitions (the native engine): its
  // `metrics` are then the canonical ones and need not be sent twice.
  bool same_as_canonical = false;
};

// An engine's answer, before btrouter recomputes the canonical metrics from it.
struct EngineRun {
  Column<double> equity;                 // one point per bar of the window
  std::vector<TradeRecord> trades;       // closed, in closing order
  std::vector<TradeRecord> open_trades;  // still open at the end
  size_t warmup_bars = 0;                // buy & hold base bar
  NativeStats native;
  std::string engine_version;
  double run_seconds = 0;
};

struct Health {
  bool healthy = false;
  std::string detail;
  std::chrono::microseconds latency{0};
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual std::string_view name() const = 0;
  virtual EngineCapabilities capabilities() const = 0;
  // Checks a spec before it is queued: InvalidArgument naming the field for an unknown strategy,
  // parameter or a bad setting. OK means the engine expects to accept it.
  virtual Status Validate(const BacktestSpec& spec) const = 0;
  // A cheap liveness check that returns by `deadline`.
  virtual Health Probe(std::chrono::steady_clock::time_point deadline) = 0;
  // Runs `spec` on the bars of `bars` inside the spec's window (start/end, CutToWindow in
  // engines/spec_window.h), so equity and trade bar indexes refer to the window's bars. The
  // router hands over bars already cut to the window (cutting them again copies nothing), and
  // an engine that gives its backend a period (LEAN's start and end dates, the Backtesting.py
  // service's start and end) takes it from the spec. InvalidArgument for a spec the engine rejects
  // (unknown strategy or parameter, bad setting); Cancelled; Unavailable / DeadlineExceeded /
  // UnknownOutcome for remote failures; Internal for anything else.
  virtual Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                                const RunContext& context) = 0;
  // After Run answered UnknownOutcome for `context.run_key`: what became of that run?
  //   - its EngineRun, when the engine had accepted it: Reconcile follows it to the end as Run
  //     does (progress, cancel, time limit), so the job gets the one run the engine made;
  //   - NotFound when the engine proves it holds no run under that key and none can still
  //     produce a result (never accepted, forgotten, or deleted now), so running the spec on
  //     another engine cannot run it twice;
  //   - UnknownOutcome or Unavailable while it still cannot tell (the router asks again, within
  //     engines.reconcile_timeout_s); any other Run error for an adopted run that failed.
  //   - FailedPrecondition when it cannot reconcile at all (no such lookup, no run key): the
  //     router stops asking and the outcome stays unknown.
  // The default answers FailedPrecondition: an engine that cannot reconcile never lets the
  // router re-run an unknown outcome elsewhere. Thread-safe like Run.
  virtual Result<EngineRun> Reconcile(const BacktestSpec& spec, const BarSeries& bars,
                                      const RunContext& context) {
    (void)spec;
    (void)bars;
    (void)context;
    return Status::FailedPrecondition("engine '" + std::string(name()) +
                                      "' cannot look up a run whose reply was lost");
  }
};

using EnginePtr = std::unique_ptr<Engine>;

}  // namespace btr
