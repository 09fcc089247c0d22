// HealthMonitor: the health of every registered engine (docs/routing.md). It owns one
// EngineHealth state machine per engine, runs the active probes, takes the results of real runs
// for outlier detection (applying the ejection cap across engines), admits runs for the router
// and carries out admin actions. Engines only supply Probe() and classify their errors.
//
// Probing: Start() probes every engine once, in parallel, and waits for those answers (each is
// bounded by health.timeout_s), so a server starts with a verdict on each engine; then one thread
// per engine probes whenever its EngineHealth says a probe is due. A probe that does not answer
// healthy within timeout_s failed; so did one that threw (the exception is logged, never let out
// of the probe thread). Tests on a ManualClock skip Start() and call RunDueProbes().
//
// Time: every state decision uses the injected Clock; probe deadlines and latencies are real
// (steady) time, as they bound real calls.
//
// Threads: every public method is thread-safe. Hooks and log lines are emitted outside the
// monitor's lock, on the thread that caused the event; hooks must return quickly.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engines/core/clock.h"
#include "routing/engine_registry.h"
#include "routing/health/engine_health.h"

namespace btr {

struct HealthHooks {
  // After each probe: the engine, whether it passed, its latency in seconds.
  std::function<void(const std::string& engine, bool ok, double seconds)> probe;
  // After each outlier ejection, with the engine's reason.
  std::function<void(const std::string& engine, const std::string& reason)> ejected;
  // When an engine's reported state changed; `reason` explains the new state. Seen after probes,
  // runs and admin actions (a time-driven change, such as an ejection running out, is reported
  // with the next of these).
  std::function<void(const std::string& engine, EngineState from, EngineState to,
                     const std::string& reason)>
      state_changed;
};

class HealthMonitor {
 public:
  // Monitors the engines registered in `engines` now. `engines` and `clock` must outlive the
  // monitor. `random` returns numbers in [0, 1) for the probe jitter (empty: a seeded
  // generator); it is called under the monitor's lock.
  HealthMonitor(const EngineRegistry* engines, const Clock* clock, HealthOptions options,
                HealthHooks hooks = {}, std::function<double()> random = {});
  ~HealthMonitor();  // Stop()
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Probes every engine once and waits for the answers (at most timeout_s + 1 s), then probes on
  // one thread per engine. Use with a clock that follows real time. Call once.
  void Start();
  // Stops and joins the probe threads (a probe in progress is waited for). Idempotent.
  void Stop();
  // Runs, in the calling thread and in name order, every probe due at the clock's now; returns
  // how many ran. For tests on a ManualClock (without Start()).
  size_t RunDueProbes();

  // --- routing --- (an unknown engine is never admitted)
  // Whether `engine` would admit a run now, without admitting it.
  Admission Check(std::string_view engine) const;
  // Admits a run: the caller must then call RecordRun, or Release if the engine never ran it.
  Admission Admit(std::string_view engine);
  void Release(std::string_view engine, const Admission& admission);
  // The end of an admitted run: feeds outlier detection and the statistics window, and ejects
  // the engine when due and allowed by the cap (OutlierEjectionAllowed).
  void RecordRun(std::string_view engine, const Admission& admission, const Status& status,
                 double seconds);

  // --- reading --- NotFound naming the engines for an unknown name.
  Result<EngineHealthStatus> Get(std::string_view engine) const;
  std::vector<EngineHealthStatus> All() const;  // in name order

  // --- admin --- NotFound for an unknown engine, FailedPrecondition for a transition that does
  // not apply (EngineHealth). Returns the engine's status after the action.
  Result<EngineHealthStatus> Drain(std::string_view engine);
  Result<EngineHealthStatus> Resume(std::string_view engine);
  Result<EngineHealthStatus> Disable(std::string_view engine);
  Result<EngineHealthStatus> Enable(std::string_view engine);

  const HealthOptions& options() const { return options_; }

 private:
  struct Slot;
  // Deferred hook calls and log lines, run after the lock is released.
  using Events = std::vector<std::function<void()>>;

  Slot* Find(std::string_view engine) const;
  Status NotFound(std::string_view engine) const;
  void ProbeOne(Slot* slot);
  void ProbeLoop(Slot* slot);
  // Appends a state_changed event when `slot`'s state differs from the last one reported.
  void NoteState(Slot* slot, TimeNs now, Events* events);
  Result<EngineHealthStatus> AdminAction(std::string_view engine, std::string_view action,
                                         const std::function<Status(EngineHealth&, TimeNs)>& fn);
  static void Fire(const Events& events);

  const Clock* const clock_;
  const HealthOptions options_;
  const HealthHooks hooks_;
  std::function<double()> random_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // probe results, admin changes, Stop
  std::map<std::string, std::unique_ptr<Slot>, std::less<>> slots_;  // fixed after construction
  std::vector<std::thread> threads_;
  bool started_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace btr
