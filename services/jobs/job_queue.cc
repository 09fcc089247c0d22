#include "services/jobs/job_queue.h"

namespace btr {

bool JobQueue::TryReserve() {
  std::lock_guard<std::mutex> lock(mu_);
  if (items_.size() + reserved_ >= capacity_) return false;
  ++reserved_;
  return true;
}

void JobQueue::PushReserved(QueuedJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --reserved_;
    items_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void JobQueue::Unreserve() {
  std::lock_guard<std::mutex> lock(mu_);
  --reserved_;
}

void JobQueue::PushUnbounded(QueuedJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(std::move(job));
  }
  cv_.notify_one();
}

std::optional<QueuedJob> JobQueue::Pop() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return closed_ || !items_.empty(); });
  if (closed_) return std::nullopt;
  QueuedJob job = std::move(items_.front());
  items_.pop_front();
  return job;
}

void JobQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t JobQueue::depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return items_.size();
}

}  // namespace btr
