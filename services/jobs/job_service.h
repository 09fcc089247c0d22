// JobService: the lifecycle of backtest jobs — submit, read, wait, cancel, delete — on the same
// code path in both modes:
//
//   embedded     one process: the SQLite store, an in-process queue and events, and worker
//                threads (JobWorkers) in the same service;
//   distributed  API processes (this service, no workers) and `btrouter worker` processes
//                (JobWorkers alone) on PostgreSQL, Redis Streams and Redis pub/sub.
//
// The JobStore is the source of truth; the queue only carries job ids. A job whose Submit
// returned is committed first and enqueued after; the dispatch reconciler (Redispatch, every
// redispatch_interval) finds queued jobs the queue does not hold — the submitter died between
// the commit and the enqueue, or Redis lost its data — and enqueues them again, and requeues the
// running jobs of workers whose lease ran out. Workers claim a job before they run it (claims
// fence every write: job_store.h), so a job delivered twice runs once.
//
// Routing (docs/routing.md) happens when a worker picks the job up (routing/dispatcher.h). At
// submit the route is only planned, to refuse what no engine can run and to fail fast when no
// candidate admits a run now.
//
// Changes are published on JobEvents (submit, start, progress, finish, cancel); long-polls and
// listeners (the WebSocket, comparisons) follow them in any process.
//
// Threads: every public method is thread-safe. Start() starts the reconciler (and the embedded
// workers); Stop() stops them. The parts passed in must outlive the service.
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
#include "routing/dispatcher.h"
#include "routing/engine_registry.h"
#include "routing/health/health_monitor.h"
#include "services/events/job_events.h"
#include "services/jobs/job_log.h"
#include "services/jobs/job_workers.h"
#include "services/queue/job_queue.h"
#include "services/store/store.h"

namespace btr {

struct JobServiceOptions {
  size_t queue_capacity = 1000;        // queued jobs before Submit answers ResourceExhausted
  size_t max_active_per_tenant = 100;  // queued + running jobs per tenant
  // engines.default: the engine of a request that names none (applied by the API handler).
  std::string default_engine = "native";
  // How often the dispatch reconciler runs (0 = never), and how old a queued job must be before
  // it counts as missing from the queue (its submitter enqueues it right after the commit).
  std::chrono::milliseconds redispatch_interval{2000};
  std::chrono::milliseconds redispatch_grace{2000};
  // One process owns every claim (the embedded mode): Start() voids them all (RecoverJobs).
  bool recover_on_start = true;

  // In-process workers (the embedded mode); workers = 0: none (a distributed API process).
  size_t workers = 2;
  size_t sweep_chunk_trials = 0;  // jobs.sweep_chunk_trials (JobWorkerOptions)
  std::chrono::milliseconds progress_interval{100};  // store writes of progress, at most this often
  size_t max_log_lines = 1000;                       // lines of one job's log per run (JobLog)
  std::string cache_dir;                             // binary bar cache for datasets; empty = none
  std::chrono::milliseconds lease{30000};            // jobs.lease_s
  // Called with every job the in-process workers finished (metrics), on a worker thread.
  std::function<void(const JobRecord& job)> on_finished;

  // The embedded assembly's dispatcher (the constructor that builds one).
  std::map<std::string, size_t> engine_concurrency;  // per engine; absent = workers
  RoutingOptions routing;                            // engines.preference, engines.fallback
  std::map<std::string, std::chrono::milliseconds> engine_timeout;
  std::chrono::milliseconds reconcile_timeout{30000};
  std::chrono::milliseconds reconcile_backoff{250};
  std::function<void(const std::string& from, const std::string& to, const std::string& reason)>
      on_fallback;
};

// What a JobService works with. Not owned; every part must outlive the service.
struct JobServiceParts {
  JobStore* jobs = nullptr;
  DatasetStore* datasets = nullptr;
  JobQueue* queue = nullptr;
  JobEvents* events = nullptr;
  Dispatcher* dispatcher = nullptr;  // plans routes at submit; runs jobs for in-process workers
  const Clock* clock = nullptr;
  Random* random = nullptr;              // null: DefaultRandom()
  WorkerDirectory* directory = nullptr;  // optional: where in-process workers report themselves
};

struct SubmitOutcome {
  JobRecord job;
  bool created = false;  // false: an earlier submit with the same Idempotency-Key
};

class JobService {
 public:
  JobService(JobServiceParts parts, JobServiceOptions options);
  // The embedded assembly: an in-process queue and events, and a dispatcher over `engines` and
  // `health` (null: every engine admits), all owned by the service. `store`, `engines`, `clock`
  // and `health` must outlive it.
  JobService(Store* store, const EngineRegistry* engines, const Clock* clock,
             JobServiceOptions options, HealthMonitor* health = nullptr);
  ~JobService();  // Stop()

  // Voids the claims of a previous process (recover_on_start), enqueues what is queued, starts
  // the reconciler and the in-process workers.
  Status Start();
  // Stops the workers (running jobs are interrupted and stay for the next claim) and the
  // reconciler. Idempotent.
  void Stop();

  // Checks a spec as Submit would (names, strategy, settings, dataset, engines able to run it),
  // without storing anything or looking at engine health or limits. Errors as Submit.
  Status Validate(std::string_view tenant, const BacktestSpec& spec);
  // InvalidArgument naming the field (unknown engine or fallback engine, strategy, parameter,
  // dataset, bad setting, no engine able to run it); Unavailable naming each candidate engine's
  // state when none of them admits a run now (ejected, draining, disabled: fail fast);
  // ResourceExhausted when the queue or the tenant's active-job limit is full; AlreadyExists
  // when `idempotency_key` was used with a different spec.
  Result<SubmitOutcome> Submit(std::string_view tenant, const BacktestSpec& spec,
                               std::string_view idempotency_key,
                               JobPriority priority = JobPriority::kNormal);
  // The job (with live progress of an in-process run). NotFound for unknown ids and other
  // tenants' jobs.
  Result<JobRecord> Get(std::string_view tenant, std::string_view id);
  // Long-poll: returns once the job changed after `since` (updated_at), ended, or `timeout`.
  Result<JobRecord> WaitForChange(std::string_view tenant, std::string_view id, TimeNs since,
                                  std::chrono::milliseconds timeout);
  Result<JobRecord> Cancel(std::string_view tenant, std::string_view id);
  Status Delete(std::string_view tenant, std::string_view id);

  // Called with the job after every change (submit, start, progress, finish, cancel), in this
  // process or another (JobEvents). Listeners must return quickly. Returns an id for
  // RemoveListener.
  using JobListener = std::function<void(const JobRecord& job)>;
  uint64_t AddListener(JobListener listener);
  void RemoveListener(uint64_t id);

  // One pass of the dispatch reconciler (also run every redispatch_interval after Start()):
  // requeues expired claims, enqueues queued jobs the queue does not hold. Returns how many jobs
  // it enqueued.
  Result<size_t> Redispatch();

  size_t queue_depth() const;
  // Jobs waiting for `engine`: queued ones that requested it by name, and routed ones waiting
  // for a slot of its concurrency limit. ("auto" jobs count once routed.)
  size_t queue_depth(std::string_view engine) const;
  size_t running_count() const;
  const JobServiceOptions& options() const { return options_; }
  const Dispatcher* dispatcher() const { return parts_.dispatcher; }
  JobWorkers* workers() { return workers_.get(); }

 private:
  // The embedded assembly's own parts, and what a constructor hands the common one.
  struct Owned;
  struct Assembly;
  static Assembly EmbeddedAssembly(Store* store, const EngineRegistry* engines, const Clock* clock,
                                   const JobServiceOptions& options, HealthMonitor* health);
  JobService(Assembly assembly, JobServiceOptions options);

  void ReconcilerLoop();
  Result<RoutePlan> PlanFor(std::string_view tenant, const BacktestSpec& spec);
  JobLog LogOf(const std::string& job_id) const;

  std::unique_ptr<Owned> owned_;
  JobServiceParts parts_;
  const JobServiceOptions options_;
  std::unique_ptr<JobWorkers> workers_;  // null without in-process workers

  mutable std::mutex mu_;
  std::condition_variable changed_;  // any job change (long-polls), and Stop (reconciler)
  uint64_t change_listener_ = 0;
  bool started_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread reconciler_;
};

}  // namespace btr
