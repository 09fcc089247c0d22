// RedisJobEvents: the distributed mode's JobEvents, on Redis pub/sub, so that a WebSocket on any
// API process follows a job run by any worker, and a cancel reaches the worker running the job.
//
// Channels (prefix "btr" by default):
//   <prefix>:events:changes   a job's whole record after a change (JobRecordToWire)
//   <prefix>:events:cancels   the id of a job whose cancel was requested
//
// Publish* send a PUBLISH through a small connection pool. Start() subscribes one connection to
// both channels and launches the subscriber thread, which calls the listeners (on that thread)
// for every message, this process's own included. Delivery is at most once: messages published
// while the subscriber is disconnected are lost (pub/sub keeps nothing); listeners that need
// certainty re-read the store. After Redis restarts, the subscriber reconnects with a growing
// backoff and subscribes again, logging one warning when the subscription is lost and one line
// when it is back, whatever the number of attempts in between. A connection that carries
// nothing for `keepalive` is checked with a PING, so a silent half-open one is noticed too.
// A message that is not a job record, or an empty cancel, is logged and skipped.
//
// Threads: thread-safe. Stop() (and the destructor) join the subscriber thread; after they
// return no listener call is running.
// Errors: Start() answers Unavailable when Redis cannot be reached, FailedPrecondition when it
// refuses the subscription (nothing is started then; the caller may retry). A failed Publish*
// is logged (once per outage) and dropped; it blocks up to the connect or command timeout when
// Redis hangs. An exception thrown by a listener is logged; the subscriber goes on.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "services/events/job_events.h"
#include "services/log/logger.h"
#include "services/redis/redis_client.h"

namespace btr {

struct RedisJobEventsOptions {
  RedisUrl url;
  RedisOptions redis;              // connect and command timeouts
  size_t max_connections = 4;      // pooled, for publishing
  std::string key_prefix = "btr";  // channels are "<key_prefix>:events:..."
  // Longest wait for one message: Stop() is noticed within about this long.
  std::chrono::milliseconds read_wait{100};
  // Reconnection backoff after a lost subscription: doubles from min to max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  // A PING after this long without any traffic on the subscribed connection.
  std::chrono::milliseconds keepalive{5000};
  Logger* logger = nullptr;  // not owned; DefaultLogger() when null
};

class RedisJobEvents final : public JobEvents {
 public:
  explicit RedisJobEvents(RedisJobEventsOptions options);
  ~RedisJobEvents() override;
  RedisJobEvents(const RedisJobEvents&) = delete;
  RedisJobEvents& operator=(const RedisJobEvents&) = delete;

  Status Start() override;
  void Stop() override;

  void PublishChange(const JobRecord& job) override;
  void PublishCancel(const std::string& job_id) override;

  uint64_t OnChange(ChangeListener listener) override {
    return listeners_.AddChange(std::move(listener));
  }
  uint64_t OnCancel(CancelListener listener) override {
    return listeners_.AddCancel(std::move(listener));
  }
  void Remove(uint64_t id) override { listeners_.Remove(id); }

  const std::string& ChangesChannel() const { return changes_channel_; }
  const std::string& CancelsChannel() const { return cancels_channel_; }

 private:
  void Publish(const std::string& channel, const std::string& message);
  // A new connection subscribed to both channels.
  Result<RedisConnectionPtr> Subscribe();
  // The subscriber thread: reads, dispatches and reconnects until Stop().
  void Run(RedisConnectionPtr connection);
  bool Stopping();
  // Waits up to `wait` or until Stop(); false when stopping.
  bool Pause(std::chrono::milliseconds wait);
  void Dispatch(const RedisReply& push);

  const RedisJobEventsOptions options_;
  const std::string changes_channel_;
  const std::string cancels_channel_;
  Logger& logger_;
  RedisPool pool_;
  JobListeners listeners_;
  std::atomic<bool> publish_failing_{false};  // a failed publish was logged; no other until ok

  std::mutex start_mu_;     // serializes Start and Stop
  std::thread subscriber_;  // guarded by start_mu_

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace btr
