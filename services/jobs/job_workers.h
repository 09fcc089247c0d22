// JobWorkers: the threads that run jobs, in the embedded server and in `btrouter worker`.
//
// Each thread takes a delivery from the JobQueue, claims the job in the JobStore for a lease
// (a job another worker holds, or one that ended meanwhile, is acknowledged and skipped), asks
// the Dispatcher to route and run it, and finishes it under the claim: the result, the final
// status and then the log's last line, committed before the delivery is acknowledged. A
// delivery the queue gave up on (dead letter) fails its job without running it.
//
// While a job runs, a heartbeat renews its claim (and its queue delivery) every lease/3 and
// reads cancel requests; a cancel published on JobEvents stops it at once. A claim found lost
// (the lease ran out and another worker claimed the job) stops the run: its late writes would be
// refused anyway. Progress goes to memory at once and to the store at most every
// progress_interval; every store write is published as a change on JobEvents.
//
// Stop() interrupts running jobs without finishing them: their claims are released, so the next
// claim (another worker, or the next start) asks the engine about the interrupted run first.
//
// Threads: every public method is thread-safe. The parts must outlive the workers.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engines/core/clock.h"
#include "routing/dispatcher.h"
#include "services/events/job_events.h"
#include "services/queue/job_queue.h"
#include "services/queue/worker_directory.h"
#include "services/jobs/sweep_job.h"
#include "services/store/store.h"

namespace btr {

struct JobWorkerOptions {
  size_t threads = 2;
  // This process in claims ("<host>:<pid>"); empty: generated so.
  std::string owner;
  std::chrono::milliseconds lease{30000};  // jobs.lease_s; renewed every lease/3
  std::chrono::milliseconds progress_interval{100};
  size_t max_log_lines = 1000;
  std::string cache_dir;                        // bar cache and fetched datasets
  std::chrono::milliseconds dequeue_wait{500};  // one Dequeue's wait (Stop is seen within it)
  // Called with every job this process finished (its final record), on the worker thread.
  std::function<void(const JobRecord& job)> on_finished;
  // Reported with every heartbeat to JobWorkerParts::directory (when set).
  std::string version;
  std::vector<std::string> engines;
  // Native sweeps of more points than this spread them over workers as chunk jobs of this
  // many points (services/jobs/sweep_job.h); 0 = never (jobs.sweep_chunk_trials).
  size_t sweep_chunk_trials = 0;
};

struct JobWorkerParts {
  JobStore* jobs = nullptr;
  DatasetStore* datasets = nullptr;
  JobQueue* queue = nullptr;
  JobEvents* events = nullptr;
  Dispatcher* dispatcher = nullptr;
  const Clock* clock = nullptr;
  WorkerDirectory* directory = nullptr;  // optional: where this process reports itself
};

// Counters since Start().
struct JobWorkerStats {
  uint64_t claimed = 0;       // deliveries whose job this process claimed
  uint64_t skipped = 0;       // deliveries acknowledged without a claim (held, finished, gone)
  uint64_t finished = 0;      // jobs finished here
  uint64_t dead_letters = 0;  // jobs failed because their delivery was given up on
  uint64_t lost_claims = 0;   // runs stopped because another worker claimed their job
};

class JobWorkers {
 public:
  JobWorkers(JobWorkerParts parts, JobWorkerOptions options);
  ~JobWorkers();  // Stop()
  JobWorkers(const JobWorkers&) = delete;
  JobWorkers& operator=(const JobWorkers&) = delete;

  Status Start();
  void Stop();

  // The in-memory progress of a job running here; false when it does not run here.
  bool LiveProgress(std::string_view id, double* progress, TimeNs* updated_at) const;
  size_t running() const;
  JobWorkerStats stats() const;
  const std::string& owner() const { return options_.owner; }

 private:
  struct Running;
  class RunListener;
  class ChunkHost;  // services/jobs/job_chunks.cc

  void WorkerLoop();
  void HeartbeatLoop();
  void Handle(const Delivery& delivery);
  void FailDeadLetter(const Delivery& delivery);
  // Runs a claimed job; `delivery` is its queue entry (empty: a chunk the claimer runs inline).
  void Run(const JobRecord& claimed, const Delivery& delivery);
  // A sweep job's run, with this process as its chunks' host (job_chunks.cc).
  DispatchOutcome RunSweep(const JobRecord& claimed, const BacktestSpec& spec,
                           JobRunControl& control, DispatchListener& listener,
                           std::string* report);
  // The job's final record once committed; nullopt when nothing was (interrupted, claim lost).
  std::optional<JobRecord> Finish(Running& running, RunListener& listener,
                                  const DispatchOutcome& outcome);
  void OnCancel(const std::string& job_id);
  void Report();

  const JobWorkerParts parts_;
  JobWorkerOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Running>, std::less<>> running_;  // guarded by mu_
  std::condition_variable heartbeat_cv_;
  bool stopping_ = false;  // guarded by mu_
  bool started_ = false;   // owner thread
  std::vector<std::thread> threads_;
  std::thread heartbeat_;
  uint64_t cancel_listener_ = 0;
  std::atomic<uint64_t> claimed_{0}, skipped_{0}, finished_{0}, dead_{0}, lost_{0};
  TimeNs started_at_ = 0;
};

// "<host>:<pid>" of this process.
std::string DefaultWorkerOwner();

}  // namespace btr
