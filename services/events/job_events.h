// JobEvents: job changes and cancel requests, fanned out to every interested process. The job
// service publishes a job's record after every change (submit, start, progress, finish) and a
// cancel request; the WebSocket, long-polls and comparisons listen to changes, and the workers
// running a job listen to its cancel. Delivery is at most once and best effort: listeners that
// need certainty re-read the store (long-polls re-read; workers also see cancel_requested when
// they renew their lease).
//
// Implementations: LocalJobEvents (in process) and RedisJobEvents (Redis pub/sub, so a
// WebSocket on any API process follows a job on any worker), chosen by `queue.kind`.
//
// Threads: every method is thread-safe. Listeners run on the publishing thread (local) or on
// the subscriber's thread (Redis); they must return quickly and must not call Remove.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "services/store/store.h"

namespace btr {

class JobEvents {
 public:
  using ChangeListener = std::function<void(const JobRecord& job)>;
  using CancelListener = std::function<void(const std::string& job_id)>;

  virtual ~JobEvents() = default;

  // Starts delivering (the Redis subscriber connects); idempotent.
  virtual Status Start() { return Status::Ok(); }
  // Stops delivering; after it returns no listener call is running. Idempotent.
  virtual void Stop() {}

  virtual void PublishChange(const JobRecord& job) = 0;
  virtual void PublishCancel(const std::string& job_id) = 0;

  // Returns an id for Remove.
  virtual uint64_t OnChange(ChangeListener listener) = 0;
  virtual uint64_t OnCancel(CancelListener listener) = 0;
  // After it returns, the listener is not called again (a call in progress has ended).
  virtual void Remove(uint64_t id) = 0;
};

using JobEventsPtr = std::unique_ptr<JobEvents>;

// A registry of listeners shared by the implementations: thread-safe; Fire* call the listeners
// outside of Add/Remove's lock but with a read lock that Remove waits for.
class JobListeners {
 public:
  uint64_t AddChange(JobEvents::ChangeListener listener);
  uint64_t AddCancel(JobEvents::CancelListener listener);
  void Remove(uint64_t id);
  void FireChange(const JobRecord& job) const;
  void FireCancel(const std::string& job_id) const;

 private:
  struct Entry {
    JobEvents::ChangeListener change;
    JobEvents::CancelListener cancel;
  };
  mutable std::shared_mutex mu_;
  std::map<uint64_t, Entry> entries_;  // guarded by mu_
  uint64_t next_ = 1;                  // guarded by mu_
};

// In process: Publish* call the listeners on the publishing thread.
class LocalJobEvents final : public JobEvents {
 public:
  void PublishChange(const JobRecord& job) override { listeners_.FireChange(job); }
  void PublishCancel(const std::string& job_id) override { listeners_.FireCancel(job_id); }
  uint64_t OnChange(ChangeListener listener) override {
    return listeners_.AddChange(std::move(listener));
  }
  uint64_t OnCancel(CancelListener listener) override {
    return listeners_.AddCancel(std::move(listener));
  }
  void Remove(uint64_t id) override { listeners_.Remove(id); }

 private:
  JobListeners listeners_;
};

// The whole record as JSON (every field, unlike the API's view), for carrying it between
// processes; and back. InvalidArgument for a document that is not one.
std::string JobRecordToWire(const JobRecord& job);
Result<JobRecord> JobRecordFromWire(std::string_view text);

}  // namespace btr
