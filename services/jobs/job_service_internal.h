// JobService internals shared by job_service.cc and job_runner.cc (not a public header).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "services/jobs/job_service.h"

namespace btr {

// A counting semaphore with a runtime count (per-engine concurrency).
class JobService::Semaphore {
 public:
  explicit Semaphore(size_t count) : count_(count) {}
  // Takes a slot, waiting at most `timeout`; false when none came free.
  bool TryAcquireFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return count_ > 0; })) return false;
    --count_;
    return true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++count_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_;
};

// Seconds between two timestamps (0 when `from` is unset or later).
inline double SecondsBetween(TimeNs from, TimeNs to) {
  return from == 0 || to < from ? 0.0 : static_cast<double>(to - from) / 1e9;
}

}  // namespace btr
