// Dispatcher: routes one job and runs it on an engine (docs/routing.md). It is the one place that
// admits, runs, reconciles and falls back; the job service above it owns the job's state and
// turns what the dispatcher reports (DispatchListener) into store writes.
//
// For each candidate of the route plan (PlanRoute, made once per dispatch, since health changes
// while a job waits) in turn: a slot of the engine's concurrency limit and an admission by the
// HealthMonitor (healthy, degraded, or the half-open trial; never ejected, draining or disabled),
// then the listener's Starting (the job becomes running), the dataset's bars, and Engine::Run
// with the run key "<job>.<attempt>.<engine>". The result goes back to the monitor. Only a
// candidate that admitted no run or failed before accepting it (Unavailable, ResourceExhausted)
// passes the job to the next; invalid input and failures after acceptance end the dispatch. An
// UnknownOutcome is reconciled first: the engine is asked (Engine::Reconcile, with backoff from
// reconcile_backoff doubling to 5 s) until it can tell or reconcile_timeout passes; a run it
// holds becomes the outcome, a run it proves it does not hold counts as refused before
// acceptance, anything else ends as UnknownOutcome and is never run elsewhere. A job whose
// earlier run was interrupted (DispatchRequest::interrupted_engine) asks that engine first: a
// run held there is adopted instead of running the job again.
//
// Time limits: a run on an engine with an engine_timeout is cancelled by the dispatcher's
// watchdog when it passes and ends DeadlineExceeded. An exception thrown by an engine fails the
// dispatch with Internal (logged, no internals in the message).
//
// Time and waits use the injected Clock (reconcile backoff, deadlines).
// Threads: Dispatch may run on many threads at once; every method is thread-safe. The registry,
// monitor and clock must outlive the dispatcher.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "engines/core/clock.h"
#include "engines/engine.h"
#include "engines/spec.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"
#include "routing/route_plan.h"

namespace btr {

struct DispatcherOptions {
  RoutingOptions routing;  // engines.preference, engines.fallback
  // Runs at once per engine (engines.<name>.concurrency); absent = default_concurrency.
  std::map<std::string, size_t> engine_concurrency;
  size_t default_concurrency = 2;
  // Wall-clock limit of one run, for engines that do not enforce engines.<name>.timeout_s
  // themselves; absent or 0 = none.
  std::map<std::string, std::chrono::milliseconds> engine_timeout;
  // engines.reconcile_timeout_s: how long to ask an engine about an unknown outcome; 0 = never.
  std::chrono::milliseconds reconcile_timeout{30000};
  std::chrono::milliseconds reconcile_backoff{250};  // first wait between asks; doubles to 5 s
  // Called for every fallback step (metrics), on the dispatching thread; must return quickly.
  std::function<void(const std::string& from, const std::string& to, const std::string& reason)>
      on_fallback;
};

// One run's controls, shared by the job's owner and the dispatcher.
struct JobRunControl {
  std::atomic<bool> cancel{false};    // the user cancelled (or the owner lost the job)
  std::atomic<bool> stopping{false};  // the process is stopping: an interruption, not a cancel
  // Set by the dispatcher's watchdog (with `cancel`) when the run's time limit passed.
  std::atomic<bool> timed_out{false};
  std::atomic<TimeNs> deadline{0};  // of the current run; 0 = none
};

// What the dispatcher reports while it routes and runs a job. Called on the dispatching thread.
class DispatchListener {
 public:
  virtual ~DispatchListener() = default;
  // `engine` admitted the run (or an interrupted run there is adopted); `fallbacks_json` is the
  // routing so far ([{"from", "to", "reason"}]). The first call makes the job running and
  // returns the attempt number the run is keyed by; a later one (after a fallback) records the
  // new routing and returns the same attempt. An error (the job is no longer the caller's:
  // cancelled, deleted, its lease lost) ends the dispatch as abandoned.
  virtual Result<int> Starting(const std::string& engine, const std::string& fallbacks_json) = 0;
  // The dataset's bars (loaded once, on the first call); the pointer stays valid for the dispatch.
  virtual Result<const BarSeries*> Bars() = 0;
  virtual void Progress(double fraction, std::string_view phase) = 0;
  // A line for the job's log: level "info" | "warn" | "error"; source "btrouter" or an engine.
  virtual void Log(std::string_view level, std::string_view source, std::string_view line) = 0;
};

struct DispatchRequest {
  std::string job_id;
  BacktestSpec spec;
  size_t bars = 0;  // the dataset's size, for capability checks (0 = unknown)
  // An earlier run of this job that was interrupted (its process stopped or lost its lease):
  // asked about first, by the key <job>.<interrupted_attempt>.<interrupted_engine>. Empty: none.
  std::string interrupted_engine;
  int interrupted_attempt = 0;
};

struct DispatchOutcome {
  Status status;                 // OK: `run` is the engine's run
  std::optional<EngineRun> run;  // with status OK
  std::string engine;            // the engine that ran it, or the last one tried
  int attempt = 0;               // from Starting; 0 when no engine started it
  // The job is not the caller's any more, or the process stopped before any engine started it:
  // leave it as it is (nothing to finish).
  bool abandoned = false;
};

// The key a run is submitted under (RunContext::run_key).
std::string RunKey(const std::string& job_id, int attempt, const std::string& engine);

class Dispatcher {
 public:
  Dispatcher(const EngineRegistry* engines, HealthMonitor* health, const Clock* clock,
             DispatcherOptions options);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // The candidates for `spec` on a dataset of `bars` bars (PlanRoute with this dispatcher's
  // routing options and health).
  Result<RoutePlan> Plan(const BacktestSpec& spec, size_t bars) const;
  // OK when some candidate of `plan` admits a run now; else Unavailable naming each engine's
  // state (a submit's fail-fast check).
  Status CheckAdmissible(const RoutePlan& plan) const;

  // Routes and runs one job; see the file comment. Blocks until the run ends.
  DispatchOutcome Dispatch(const DispatchRequest& request, JobRunControl& control,
                           DispatchListener& listener);

  // Dispatches waiting for a slot of `engine`'s concurrency limit.
  size_t waiting(std::string_view engine) const;
  size_t running() const;  // dispatches between Starting and the run's end
  const EngineRegistry& engines() const { return *engines_; }
  HealthMonitor* health() const { return health_; }
  const DispatcherOptions& options() const { return options_; }

 private:
  class Slots;
  struct Attempt;

  Result<Admission> Acquire(const std::string& engine, JobRunControl& control);
  void Release(const std::string& engine, const Admission& admission);
  Status RunOnEngine(Engine& engine, const DispatchRequest& request, int attempt,
                     const BarSeries& bars, JobRunControl& control, DispatchListener& listener,
                     std::optional<EngineRun>* run);
  Result<EngineRun> Reconcile(Engine& engine, const BacktestSpec& spec, const BarSeries& bars,
                              const RunContext& context, const JobRunControl& control,
                              const Status& lost, DispatchListener& listener);
  // The interrupted run's outcome: the adopted run; NotFound when nothing is held or the
  // engine cannot be asked (route as usual); otherwise the job's error.
  Result<EngineRun> ReconcileInterrupted(const DispatchRequest& request, const BarSeries& bars,
                                         JobRunControl& control, DispatchListener& listener);
  void Watch(JobRunControl* control);
  void Unwatch(JobRunControl* control);
  void WatchdogLoop();

  const EngineRegistry* const engines_;
  HealthMonitor* const health_;  // may be null: every engine admits
  const Clock* const clock_;
  const DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<Slots>, std::less<>> slots_;

  mutable std::mutex mu_;
  std::map<std::string, size_t, std::less<>> waiting_;  // guarded by mu_
  size_t running_ = 0;                                  // guarded by mu_
  std::set<JobRunControl*> timed_;                      // guarded by mu_
  std::condition_variable watchdog_cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread watchdog_;
};

}  // namespace btr
