// JobQueue: the embedded mode's in-process queue of job ids. Bounded: a submitter reserves a
// slot before it creates the job, so a full queue is answered before anything is stored.
// Thread-safe; Pop blocks until an item arrives or Close() is called.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace btr {

struct QueuedJob {
  std::string id;
  std::string tenant;
  std::string engine = {};  // the engine the job requested (for per-engine queue depth)
};

class JobQueue {
 public:
  explicit JobQueue(size_t capacity) : capacity_(capacity) {}

  // Reserves one slot; false when queued + reserved items reach the capacity.
  bool TryReserve();
  // Fills a reserved slot, or gives it back.
  void PushReserved(QueuedJob job);
  void Unreserve();
  // Adds without a reservation (recovery after a restart may exceed the capacity).
  void PushUnbounded(QueuedJob job);
  // The next job, or nullopt once closed.
  std::optional<QueuedJob> Pop();
  void Close();
  size_t depth() const;
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<QueuedJob> items_;  // guarded by mu_
  size_t reserved_ = 0;          // guarded by mu_
  bool closed_ = false;          // guarded by mu_
};

}  // namespace btr
