// JobQueue: how job ids travel from the process that accepted a job to the workers that run it.
// The store is the source of truth; a queue only carries ids, so losing a queue's contents loses
// no job (the dispatch reconciler finds queued jobs the queue does not hold and enqueues them
// again: Missing()). Delivery is at least once: a worker must claim the job in the store before
// running it, and Ack it when it is done with it.
//
// Implementations: LocalJobQueue (in process, the embedded mode) and RedisJobQueue (Redis
// Streams with a consumer group, the distributed mode), chosen by `queue.kind`.
//
// Threads: every method is thread-safe. Dequeue blocks up to its wait; Close() wakes it.
// Errors: Unavailable when the queue's server cannot be reached (the caller retries or leaves
// the job to the reconciler); no exception leaves an implementation.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/core/status.h"

namespace btr {

// Dispatch order: every waiting high job is delivered before any normal one, and normal before
// low.
enum class JobPriority { kHigh = 0, kNormal = 1, kLow = 2 };
std::string_view JobPriorityName(JobPriority p);  // "high", "normal", "low"
std::optional<JobPriority> ParseJobPriority(std::string_view name);

struct QueuedJob {
  std::string id;
  std::string tenant;
  std::string engine;  // the engine the job requested (for per-engine queue depth)
  JobPriority priority = JobPriority::kNormal;
};

struct Delivery {
  QueuedJob job;
  std::string token;   // identifies this delivery for Ack/Touch (a stream entry id)
  int deliveries = 1;  // how many times this entry has been handed out, this one included
  // The entry was handed out more than the queue's max_deliveries: it has been moved to the
  // dead letters and acknowledged. The worker fails the job instead of running it.
  bool dead_letter = false;
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Hands the job to the workers.
  virtual Status Enqueue(const QueuedJob& job) = 0;
  // The next delivery, waiting up to `wait`; nullopt when none came or the queue is closed.
  // Entries another consumer took and left unacknowledged for the queue's claim timeout are
  // delivered again (their deliveries count grows).
  virtual Result<std::optional<Delivery>> Dequeue(std::chrono::milliseconds wait) = 0;
  // Done with the delivery (the job finished, or turned out not to be runnable here).
  virtual Status Ack(const Delivery& delivery) = 0;
  // Still working on it: it is not handed to another consumer for another claim timeout.
  virtual Status Touch(const Delivery& delivery) = 0;
  // Of `job_ids`, those the queue does not hold (neither waiting nor delivered and unacked).
  virtual Result<std::vector<std::string>> Missing(const std::vector<std::string>& job_ids) = 0;
  // Entries waiting to be delivered.
  virtual Result<size_t> Depth() = 0;
  // Wakes every Dequeue; later ones return nullopt at once.
  virtual void Close() = 0;
};

using JobQueuePtr = std::unique_ptr<JobQueue>;

}  // namespace btr
