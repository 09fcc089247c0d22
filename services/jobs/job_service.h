// JobService: the lifecycle of backtest jobs in the embedded mode — submit, queue, run on an
// engine in worker threads, report progress, cancel, recover after a restart.
//
// States: queued -> running -> succeeded | failed | cancelled. The Store is the source of truth;
// the service keeps only live progress and cancel flags of running jobs in memory. A job whose
// Submit returned is durable: after a crash, Start() re-queues every queued or running job, and
// the store's attempt fencing keeps any job from being finished twice.
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
#include "engines/spec.h"
#include "router/engine_registry.h"
#include "services/jobs/job_queue.h"
#include "services/store/store.h"

namespace btr {

struct JobServiceOptions {
  size_t workers = 2;                  // worker threads
  size_t queue_capacity = 1000;        // queued jobs before Submit answers ResourceExhausted
  size_t max_active_per_tenant = 100;  // queued + running jobs per tenant
  std::map<std::string, size_t> engine_concurrency;  // per engine; absent = workers
  std::chrono::milliseconds progress_interval{100};  // store writes of progress, at most this often
  std::string cache_dir;                             // binary bar cache for datasets; empty = none
};

struct SubmitOutcome {
  JobRecord job;
  bool created = false;  // false: an earlier submit with the same Idempotency-Key
};

class JobService {
 public:
  // `store`, `engines` and `clock` must outlive the service.
  JobService(Store* store, const EngineRegistry* engines, const Clock* clock,
             JobServiceOptions options);
  ~JobService();  // Stop()

  // Re-queues jobs left by a previous process and starts the workers.
  Status Start();
  // Stops the workers; queued and interrupted jobs are picked up by the next Start().
  void Stop();

  // InvalidArgument naming the field (unknown engine, strategy, parameter, dataset, bad
  // setting); ResourceExhausted when the queue or the tenant's active-job limit is full;
  // AlreadyExists when `idempotency_key` was used with a different spec.
  Result<SubmitOutcome> Submit(std::string_view tenant, const BacktestSpec& spec,
                               std::string_view idempotency_key);
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
  size_t running_count() const;
  const JobServiceOptions& options() const { return options_; }

 private:
  struct LiveJob {
    std::atomic<bool> cancel{false};
    std::atomic<double> progress{0};
    std::atomic<TimeNs> updated_at{0};
  };
  class Semaphore;

  void WorkerLoop();
  void RunJob(const QueuedJob& queued);
  Status RunOnEngine(const JobRecord& job, Engine& engine, LiveJob& live, JobResult* result);
  Result<Engine*> ResolveEngine(const BacktestSpec& spec) const;
  // Wakes long-polls and calls the listeners with the job's current record.
  void NotifyChange(std::string_view tenant, std::string_view id);

  Store* const store_;
  const EngineRegistry* const engines_;
  const Clock* const clock_;
  const JobServiceOptions options_;
  JobQueue queue_;
  std::map<std::string, std::unique_ptr<Semaphore>, std::less<>> engine_slots_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<LiveJob>, std::less<>> running_;  // guarded by mu_
  std::condition_variable changed_;  // notified on any job change (long-poll)
  std::mutex listeners_mu_;
  std::map<uint64_t, JobListener> listeners_;  // guarded by listeners_mu_
  uint64_t next_listener_ = 1;                 // guarded by listeners_mu_
  std::vector<std::thread> workers_;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
};

// A new random job or dataset id: `prefix` + 20 hex digits.
std::string NewId(std::string_view prefix);

}  // namespace btr
