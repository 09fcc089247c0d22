// JobService: the lifecycle of backtest jobs in the embedded mode — submit, queue, run on an
// engine in worker threads, report progress, cancel, recover after a restart.
//
// States: queued -> running -> succeeded | failed | cancelled. The Store is the source of truth;
// the service keeps only live progress and cancel flags of running jobs in memory. A job whose
// Submit returned is durable: after a crash, Start() re-queues every queued or running job, and
// the store's attempt fencing keeps any job from being finished twice.
//
// Routing (docs/routing.md) happens when a worker picks the job up, not only at submit, since
// health changes while a job waits: PlanRoute (routing/route_plan.h) orders the capable
// engines; each is tried only if the HealthMonitor admits a run and a slot of its concurrency
// limit is free. The job falls back to the next candidate only when the engine admitted no run
// or failed before accepting it (Unavailable, ResourceExhausted); never on invalid input. An
// UnknownOutcome (the engine may have accepted the run) is reconciled first: the engine is asked
// (Engine::Reconcile, by the run's key) until it can tell or reconcile_timeout passes. A run it
// holds is followed to its end and becomes the job's result; a run it proves it does not hold
// counts as refused before acceptance and may fall back; otherwise the job fails as
// unknown_outcome and is never re-run elsewhere. Each fallback step is stored as
// {"from", "to", "reason"} in the job's fallbacks, with engine_used updated as it moves.
//
// A job re-queued after a restart asks the engine of its interrupted attempt first
// (ReconcileInterrupted): a run held there is adopted instead of running the job again.
//
// Exceptions: an engine whose Run or Reconcile throws fails that one job (status failed, code
// internal, a message without internals; the exception goes to the server log); the engine's
// slot and admission are released as after any failed run. Nothing a job does ends a worker.
//
// Threads: every public method is thread-safe. Start() launches `workers` threads; Stop() closes
// the queue, interrupts running jobs without finishing them (they stay "running" in the store and
// the next Start() re-queues them) and joins the workers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engines/core/clock.h"
#include "engines/core/random.h"
#include "engines/spec.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"
#include "routing/route_plan.h"
#include "services/jobs/job_log.h"
#include "services/jobs/job_queue.h"
#include "services/store/store.h"

namespace btr {

struct JobServiceOptions {
  size_t workers = 2;                  // worker threads
  size_t queue_capacity = 1000;        // queued jobs before Submit answers ResourceExhausted
  size_t max_active_per_tenant = 100;  // queued + running jobs per tenant
  std::map<std::string, size_t> engine_concurrency;  // per engine; absent = workers
  std::chrono::milliseconds progress_interval{100};  // store writes of progress, at most this often
  size_t max_log_lines = 1000;                       // lines of one job's log per run (JobLog)
  std::string cache_dir;                             // binary bar cache for datasets; empty = none
  // engines.default: the engine of a request that names none (applied by the API handler).
  std::string default_engine = "native";
  RoutingOptions routing;  // engines.preference, engines.fallback
  // Wall-clock limit of one run, enforced here (the run's cancel flag, then DeadlineExceeded)
  // for engines that do not enforce engines.<name>.timeout_s themselves; absent or 0 = none.
  std::map<std::string, std::chrono::milliseconds> engine_timeout;
  // engines.reconcile_timeout_s: how long to ask an engine (Engine::Reconcile, with backoff)
  // what became of a run that ended UnknownOutcome; 0 = never ask.
  std::chrono::milliseconds reconcile_timeout{30000};
  std::chrono::milliseconds reconcile_backoff{250};  // first wait between asks; doubles to 5 s
  // Called for every fallback step (metrics), on a worker thread; must return quickly.
  std::function<void(const std::string& from, const std::string& to, const std::string& reason)>
      on_fallback;
};

struct SubmitOutcome {
  JobRecord job;
  bool created = false;  // false: an earlier submit with the same Idempotency-Key
};

class JobService {
 public:
  // `store`, `engines`, `clock` and `health` must outlive the service. Without a HealthMonitor
  // every engine admits every run (no health routing).
  JobService(Store* store, const EngineRegistry* engines, const Clock* clock,
             JobServiceOptions options, HealthMonitor* health = nullptr);
  ~JobService();  // Stop()

  // Re-queues jobs left by a previous process and starts the workers.
  Status Start();
  // Stops the workers; queued and interrupted jobs are picked up by the next Start().
  void Stop();

  // InvalidArgument naming the field (unknown engine or fallback engine, strategy, parameter,
  // dataset, bad setting, no engine able to run it); Unavailable naming each candidate engine's
  // state when none of them admits a run now (ejected, draining, disabled: fail fast);
  // ResourceExhausted when the queue or the tenant's active-job limit is full; AlreadyExists
  // when `idempotency_key` was used with a different spec.
  Result<SubmitOutcome> Submit(std::string_view tenant, const BacktestSpec& spec,
                               std::string_view idempotency_key);
  // Submit's validation alone, with no side effect: OK when the spec names known engines that
  // can run it (strategy, parameters, settings) on a dataset of the tenant's; InvalidArgument
  // naming the field otherwise. Health, limits and the queue are not looked at.
  Status Validate(std::string_view tenant, const BacktestSpec& spec) const;
  // The job with live progress. NotFound for unknown ids and other tenants' jobs.
  Result<JobRecord> Get(std::string_view tenant, std::string_view id);
  // Long-poll: returns once the job changed after `since` (updated_at), ended, or `timeout`.
  Result<JobRecord> WaitForChange(std::string_view tenant, std::string_view id, TimeNs since,
                                  std::chrono::milliseconds timeout);
  Result<JobRecord> Cancel(std::string_view tenant, std::string_view id);
  Status Delete(std::string_view tenant, std::string_view id);

  // Called with the job after every change: submit, start, progress (at most every
  // progress_interval), finish, cancel. Listeners run on the thread that made the change and
  // must return quickly (hand the record to another thread). Returns an id for RemoveListener.
  using JobListener = std::function<void(const JobRecord& job)>;
  uint64_t AddListener(JobListener listener);
  void RemoveListener(uint64_t id);

  size_t queue_depth() const { return queue_.depth(); }
  // Jobs waiting for `engine`: queued ones that requested it by name, and routed ones waiting
  // for a slot of its concurrency limit. ("auto" jobs count once routed.)
  size_t queue_depth(std::string_view engine) const;
  size_t running_count() const;
  const JobServiceOptions& options() const { return options_; }

 private:
  struct LiveJob {
    std::atomic<bool> cancel{false};
    std::atomic<double> progress{0};
    std::atomic<TimeNs> updated_at{0};
    std::atomic<TimeNs> deadline{0};  // of the current run (engine_timeout); 0 = none
    std::atomic<bool> timed_out{false};
  };
  class Semaphore;
  struct Execution;

  void WorkerLoop();
  void WatchdogLoop();
  void RunJob(const QueuedJob& queued);
  // Routes the job and runs it, falling back as allowed; leaves it finished (or untouched when
  // the server stops first). In job_runner.cc, as are the helpers below.
  void Execute(const JobRecord& job, LiveJob& live);
  // A slot of `engine`'s concurrency limit and an admission, waiting while the engine is busy;
  // Unavailable when the engine admits no run, Cancelled on cancel or stop.
  Result<Admission> AcquireEngine(const std::string& engine, LiveJob& live);
  void ReleaseEngine(const std::string& engine, const Admission& admission);
  Status RunOnEngine(const JobRecord& job, const BacktestSpec& spec, const DatasetRecord& dataset,
                     const BarSeries& bars, Engine& engine, LiveJob& live, JobLog& log,
                     JobResult* result);
  // After engine.Run answered `lost` (UnknownOutcome): Engine::Reconcile with backoff. The
  // adopted run; Unavailable when the engine proved it holds no run (safe to fall back);
  // UnknownOutcome when it could not tell in time; FailedPrecondition when the engine cannot
  // reconcile; or the adopted run's own error.
  Result<EngineRun> ReconcileRun(Engine& engine, const BacktestSpec& spec, const BarSeries& bars,
                                 const RunContext& context, const LiveJob& live, const Status& lost,
                                 JobLog& log);
  // A job re-queued after the server stopped while it ran (attempt > 0, engine_used set): asks
  // that engine what became of the interrupted run (its key from the stored job), as
  // ReconcileRun does. The adopted run; NotFound when nothing is held or the engine cannot be
  // asked (the job is routed as usual); otherwise the job's error (UnknownOutcome when the
  // engine could not tell in time).
  Result<EngineRun> ReconcileInterrupted(const JobRecord& job, const BacktestSpec& spec,
                                         const BarSeries& bars, LiveJob& live, JobLog& log);
  void Finish(const JobRecord& started, Status status, const JobResult& result, LiveJob& live,
              JobLog& log);
  // After an exception escaped Execute: the job, queued or running, fails as internal with a
  // message without internals (the exception is in the server log).
  void FailUnexpectedly(std::string_view tenant, std::string_view id);
  // Validate's checks; the candidate engines for the spec on the tenant's dataset.
  Result<RoutePlan> PlanSubmit(std::string_view tenant, const BacktestSpec& spec) const;
  // Submit's fail-fast check: OK when some candidate admits a run now.
  Status CheckAdmissible(const RoutePlan& plan) const;
  // Wakes long-polls and calls the listeners with the job's current record.
  void NotifyChange(std::string_view tenant, std::string_view id);

  Store* const store_;
  const EngineRegistry* const engines_;
  const Clock* const clock_;
  const JobServiceOptions options_;
  HealthMonitor* const health_;  // may be null
  JobQueue queue_;
  std::map<std::string, std::unique_ptr<Semaphore>, std::less<>> engine_slots_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<LiveJob>, std::less<>> running_;  // guarded by mu_
  std::map<std::string, size_t, std::less<>> queued_by_engine_;           // guarded by mu_
  std::map<std::string, size_t, std::less<>> waiting_by_engine_;          // guarded by mu_
  std::condition_variable changed_;      // notified on any job change (long-poll)
  std::condition_variable watchdog_cv_;  // with mu_: Stop wakes the watchdog
  std::thread watchdog_;
  std::mutex listeners_mu_;
  std::map<uint64_t, JobListener> listeners_;  // guarded by listeners_mu_
  uint64_t next_listener_ = 1;                 // guarded by listeners_mu_
  std::vector<std::thread> workers_;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
};


}  // namespace btr
