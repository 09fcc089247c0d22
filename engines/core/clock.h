// Clock: injected time, so job timestamps, timeouts, health checks and leases can be tested on
// simulated time. SystemClock reads the wall clock; ManualClock only moves when told.
// Both are thread-safe.
#pragma once

#include <atomic>
#include <chrono>

#include "engines/core/time.h"

namespace btr {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (for timestamps shown to users).
  virtual TimeNs Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeNs Now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeNs start = 0) : now_(start) {}
  TimeNs Now() const override { return now_.load(); }
  void Advance(TimeNs delta) { now_.fetch_add(delta); }
  void Set(TimeNs t) { now_.store(t); }

 private:
  std::atomic<TimeNs> now_;
};

}  // namespace btr
