#include "services/queue/local_job_queue.h"

namespace btr {

std::string_view JobPriorityName(JobPriority p) {
  switch (p) {
    case JobPriority::kHigh:
      return "high";
    case JobPriority::kNormal:
      return "normal";
    case JobPriority::kLow:
      return "low";
  }
  return "normal";
}

std::optional<JobPriority> ParseJobPriority(std::string_view name) {
  for (JobPriority p : {JobPriority::kHigh, JobPriority::kNormal, JobPriority::kLow}) {
    if (JobPriorityName(p) == name) return p;
  }
  return std::nullopt;
}

Status LocalJobQueue::Enqueue(const QueuedJob& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_[static_cast<int>(job.priority)].push_back(job);
    held_.insert(job.id);
  }
  cv_.notify_one();
  return Status::Ok();
}

Result<std::optional<Delivery>> LocalJobQueue::Dequeue(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [this] {
    return closed_ || !waiting_[0].empty() || !waiting_[1].empty() || !waiting_[2].empty();
  };
  if (!cv_.wait_for(lock, wait, ready) || closed_) return std::optional<Delivery>();
  for (std::deque<QueuedJob>& level : waiting_) {
    if (level.empty()) continue;
    Delivery delivery;
    delivery.job = std::move(level.front());
    level.pop_front();
    delivery.token = std::to_string(next_token_++);
    return std::optional<Delivery>(std::move(delivery));
  }
  return std::optional<Delivery>();
}

Status LocalJobQueue::Ack(const Delivery& delivery) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = held_.find(delivery.job.id); it != held_.end()) held_.erase(it);
  return Status::Ok();
}

Result<std::vector<std::string>> LocalJobQueue::Missing(const std::vector<std::string>& job_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> missing;
  for (const std::string& id : job_ids) {
    if (held_.count(id) == 0) missing.push_back(id);
  }
  return missing;
}

Result<size_t> LocalJobQueue::Depth() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_[0].size() + waiting_[1].size() + waiting_[2].size();
}

void LocalJobQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace btr
