// RedisJobQueue: the distributed mode's JobQueue, on Redis Streams (Redis >= 7.0) read through
// one consumer group that every worker process joins with its own consumer name.
//
// Keys (prefix "btr" by default):
//   <prefix>:jobs:high, :normal, :low  one stream per priority; an entry's fields are job,
//                                      tenant, engine and priority. The group is created on
//                                      first use (XGROUP CREATE ... 0 MKSTREAM) and again
//                                      whenever Redis answers NOGROUP (a restart lost it).
//   <prefix>:jobs:held                 the set of ids enqueued and not yet acknowledged, for
//                                      Missing(). A set, not a count: an id enqueued twice is
//                                      no longer held after its first Ack (the reconciler may
//                                      then enqueue it again, a duplicate the store's claim
//                                      turns into a no-op).
//   <prefix>:jobs:dead                 dead letters: entries delivered more than max_deliveries
//                                      times (or unreadable), with the reason; trimmed to
//                                      about dead_letter_max_length entries.
//
// Delivery: Dequeue first takes over entries other consumers left unacknowledged for
// claim_idle (XAUTOCLAIM; their delivery count grows, and past max_deliveries they become dead
// letters, returned once with dead_letter = true), then reads new entries, high before normal
// before low. Ack removes the entry (XACK + XDEL) and the id from the held set; Touch resets
// the entry's idle time without counting a delivery. Entries read together from several
// streams wait in this object, in priority order, for the next Dequeue; they are this
// consumer's already, and a buffered entry is checked (XCLAIM with its age as the minimum idle
// time) before it is handed out late, so one another consumer took over is not handed out
// twice. Entries still buffered at Close() stay pending for this consumer until another one
// takes them over, after claim_idle.
//
// Depth() is exact: sum over the streams of XLEN minus the group's pending count (acknowledged
// entries are deleted, so a stream holds only waiting and pending entries). Entries buffered
// here count as pending.
//
// Nothing in Redis is the source of truth: after Redis lost its data, Missing() reports every
// id and the dispatch reconciler enqueues the store's queued jobs again.
//
// Threads: thread-safe; each Dequeue in progress holds one pooled connection for its wait.
// Errors: Unavailable while Redis cannot be reached or a command timed out (the pool
// reconnects and the groups are recreated on the next call, so the queue heals by itself);
// ResourceExhausted from Enqueue when the priority's stream holds max_length entries (entries
// are refused, not trimmed: a trimmed entry would be lost while its id stays in the held set,
// hiding the job from the reconciler); FailedPrecondition for an unexpected error reply (e.g.
// a key of the wrong type).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/queue/job_queue.h"
#include "services/redis/redis_client.h"

namespace btr {

struct RedisJobQueueOptions {
  RedisUrl url;
  RedisOptions redis;              // connect and command timeouts
  size_t max_connections = 16;     // pooled; at least the number of concurrent Dequeue callers
  std::string key_prefix = "btr";  // every key starts with "<key_prefix>:jobs:"
  std::string group = "workers";   // the consumer group all workers share
  // REQUIRED: this process's consumer name, unique among the live processes (e.g. "host:pid").
  std::string consumer;
  // An entry delivered and left unacknowledged (and not touched) this long is taken over by
  // the next consumer that dequeues. Must exceed the longest gap between a worker's Touches.
  std::chrono::milliseconds claim_idle{60'000};
  // Deliveries allowed per entry; the next takeover makes it a dead letter.
  int max_deliveries = 5;
  // Entries one priority's stream may hold (waiting + delivered, unacknowledged); 0: no limit.
  size_t max_length = 1'000'000;
  // The dead-letter stream is trimmed to about this many entries (XADD MAXLEN ~); 0: never.
  size_t dead_letter_max_length = 10'000;
  // Longest single blocking read: Close() is noticed within about this long. Must be shorter
  // than redis.command_timeout.
  std::chrono::milliseconds block_slice{200};
  // Entries one takeover scan claims per stream (XAUTOCLAIM COUNT).
  size_t claim_batch = 4;
};

class RedisJobQueue final : public JobQueue {
 public:
  // Checks the options (InvalidArgument naming the bad one); does not connect: the first call
  // does, and creates the streams and the group.
  static Result<std::unique_ptr<RedisJobQueue>> Create(RedisJobQueueOptions options);
  ~RedisJobQueue() override;

  Status Enqueue(const QueuedJob& job) override;
  Result<std::optional<Delivery>> Dequeue(std::chrono::milliseconds wait) override;
  // Idempotent; Ok for a dead letter (already acknowledged).
  Status Ack(const Delivery& delivery) override;
  // NotFound when the entry is no longer pending (acknowledged, or Redis lost it).
  Status Touch(const Delivery& delivery) override;
  Result<std::vector<std::string>> Missing(const std::vector<std::string>& job_ids) override;
  Result<size_t> Depth() override;
  void Close() override;

  const std::string& StreamKey(JobPriority priority) const;
  const std::string& HeldKey() const { return held_key_; }
  const std::string& DeadLetterKey() const { return dead_key_; }

 private:
  struct StreamEntry {
    std::string id;                // the stream entry id
    std::optional<QueuedJob> job;  // nullopt: not an entry this queue wrote
  };
  struct Buffered {
    Delivery delivery;
    std::chrono::steady_clock::time_point received;
  };

  explicit RedisJobQueue(RedisJobQueueOptions options);

  // The entries [[id, [field, value, ...]], ...] of a read or claim reply.
  static std::vector<StreamEntry> ParseEntries(const RedisReply& list, JobPriority priority);

  // Redis errors as the queue reports them; a lost connection also marks the groups unknown.
  Status QueueError(const Status& status);
  Status EnsureGroups(RedisConnection& c);
  // A command on the group, recreating the groups once if Redis answers NOGROUP.
  Result<RedisReply> GroupCommand(RedisConnection& c, const std::vector<std::string>& argv);

  // Takes over stale entries into the buffer, when a scan is due.
  Status TakeOverStale(RedisConnection& c);
  Status AddClaimed(RedisConnection& c, JobPriority priority, std::vector<StreamEntry> entries);
  Status MoveToDeadLetters(RedisConnection& c, JobPriority priority, const StreamEntry& entry,
                           int deliveries, const std::string& reason);
  // A new entry of a priority whose index is below `limit` (3: any), one stream at a time,
  // highest first, without blocking.
  Result<std::optional<Delivery>> ReadEach(RedisConnection& c, int limit);
  // One blocking read of every stream; what comes goes into the buffer.
  Status ReadAll(RedisConnection& c, std::chrono::milliseconds block);
  // Entries of a read reply as deliveries (unreadable ones become dead letters).
  Result<std::vector<Delivery>> TakeRead(RedisConnection& c, JobPriority priority,
                                         const RedisReply& entries);
  Result<std::optional<Delivery>> PopBuffered(RedisConnection& c);
  // The index of the highest priority waiting in the buffer; 3 when it is empty.
  int BestBuffered();

  const RedisJobQueueOptions options_;
  const std::array<std::string, 3> stream_keys_;
  const std::string held_key_;
  const std::string dead_key_;
  RedisPool pool_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> groups_ready_{false};

  std::mutex mu_;
  std::array<std::deque<Buffered>, 3> buffered_;       // by priority; guarded by mu_
  std::array<std::string, 3> claim_cursor_;            // XAUTOCLAIM cursors; guarded by mu_
  std::chrono::steady_clock::time_point next_scan_{};  // guarded by mu_
};

}  // namespace btr
