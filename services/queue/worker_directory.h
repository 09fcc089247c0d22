// WorkerDirectory: which worker processes are alive, as each reports itself (a heartbeat every
// few seconds), for GET /v1/workers, /v1/engines and the dashboard. A worker that stops
// reporting for `stale_after` is no longer listed (and is forgotten). Local: the embedded
// server's own workers, in memory; Redis: a hash <prefix>:workers shared by every process.
// Thread-safe. Errors: Unavailable when Redis cannot be reached.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/time.h"
#include "services/redis/redis_client.h"

namespace btr {

struct WorkerInfo {
  std::string id;  // "<host>:<pid>"
  std::string host;
  int64_t pid = 0;
  std::string version;
  std::vector<std::string> engines;  // the engines it serves
  int64_t threads = 0;
  int64_t running = 0;   // jobs running now
  int64_t finished = 0;  // jobs finished since it started
  TimeNs started_at = 0;
  TimeNs seen_at = 0;  // its last heartbeat
};

class WorkerDirectory {
 public:
  virtual ~WorkerDirectory() = default;
  virtual Status Report(const WorkerInfo& worker) = 0;
  virtual Status Forget(const std::string& id) = 0;
  // The workers seen within `stale_after` of `now`, by id; older entries are dropped.
  virtual Result<std::vector<WorkerInfo>> List(TimeNs now, TimeNs stale_after) = 0;
};

class LocalWorkerDirectory final : public WorkerDirectory {
 public:
  Status Report(const WorkerInfo& worker) override;
  Status Forget(const std::string& id) override;
  Result<std::vector<WorkerInfo>> List(TimeNs now, TimeNs stale_after) override;

 private:
  std::mutex mu_;
  std::map<std::string, WorkerInfo> workers_;  // guarded by mu_
};

class RedisWorkerDirectory final : public WorkerDirectory {
 public:
  // `pool` is not owned and must outlive the directory.
  RedisWorkerDirectory(RedisPool* pool, std::string key_prefix);
  Status Report(const WorkerInfo& worker) override;
  Status Forget(const std::string& id) override;
  Result<std::vector<WorkerInfo>> List(TimeNs now, TimeNs stale_after) override;

 private:
  RedisPool* const pool_;
  const std::string key_;  // <prefix>:workers
};

// The JSON form of a worker (the API's and the Redis hash's).
std::string WorkerToJson(const WorkerInfo& worker);
Result<WorkerInfo> WorkerFromJson(std::string_view text);

}  // namespace btr
