// Clock: injected time, so job timestamps, timeouts, health checks, leases and retry backoffs can
// be tested on simulated time. SystemClock reads the wall clock and really sleeps; ManualClock
// only moves when told, and its SleepFor moves it (so a backoff loop runs at once in a test).
// Both are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "engines/core/time.h"

namespace btr {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (for timestamps shown to users).
  virtual TimeNs Now() const = 0;
  // Waits `duration` of this clock's time.
  virtual void SleepFor(std::chrono::nanoseconds duration) const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeNs Now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void SleepFor(std::chrono::nanoseconds duration) const override {
    std::this_thread::sleep_for(duration);
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeNs start = 0) : now_(start) {}
  TimeNs Now() const override { return now_.load(); }
  void SleepFor(std::chrono::nanoseconds duration) const override {
    now_.fetch_add(duration.count());
    std::this_thread::yield();
  }
  void Advance(TimeNs delta) { now_.fetch_add(delta); }
  void Set(TimeNs t) { now_.store(t); }

 private:
  mutable std::atomic<TimeNs> now_;
};

}  // namespace btr
