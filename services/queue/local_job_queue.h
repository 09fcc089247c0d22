// LocalJobQueue: the embedded mode's in-process JobQueue. A deque per priority, and the set of
// ids it holds (waiting or delivered and not yet acknowledged) for Missing(). Nothing survives
// the process: after a restart the dispatch reconciler enqueues the store's queued jobs again.
// A delivery is never handed out twice (there is no other consumer to take it over), so Touch
// does nothing and dead letters never happen.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>

#include "services/queue/job_queue.h"

namespace btr {

class LocalJobQueue final : public JobQueue {
 public:
  LocalJobQueue() = default;

  Status Enqueue(const QueuedJob& job) override;
  Result<std::optional<Delivery>> Dequeue(std::chrono::milliseconds wait) override;
  Status Ack(const Delivery& delivery) override;
  Status Touch(const Delivery&) override { return Status::Ok(); }
  Result<std::vector<std::string>> Missing(const std::vector<std::string>& job_ids) override;
  Result<size_t> Depth() override;
  void Close() override;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<QueuedJob> waiting_[3];  // by priority; guarded by mu_
  std::multiset<std::string> held_;   // ids waiting or delivered; guarded by mu_
  uint64_t next_token_ = 1;           // guarded by mu_
  bool closed_ = false;               // guarded by mu_
};

}  // namespace btr
