// WorkerApp: `btrouter worker` assembled from configuration — the store, the Redis queue and
// events, the engines with their health monitor and dispatcher (CoreParts), JobWorkers running
// worker.threads jobs at once, and a small HTTP endpoint on worker.listen: /livez, /readyz
// (the store and Redis answer) and /metrics (the jobs it claimed, finished and lost, its
// engines' health). It reports itself to the worker directory with every heartbeat, so
// GET /v1/workers and the dashboard list it.
//
// A worker takes its jobs from Redis: it needs queue.kind = redis (and, across machines,
// store.kind = postgres, so that jobs and datasets are shared).
#pragma once

#include <memory>
#include <string>

#include "engines/core/status.h"
#include "services/config/config.h"

namespace btr {

class WorkerApp {
 public:
  ~WorkerApp();
  // InvalidArgument naming queue.kind without a Redis queue; otherwise errors as ServerApp.
  static Result<std::unique_ptr<WorkerApp>> Start(const Config& config);
  // Stops taking jobs; running ones are interrupted and their claims released (another worker
  // claims them and asks the engine about the interrupted run). Idempotent.
  void Stop();

  uint16_t port() const;  // worker.listen's bound port; 0 without one
  const std::string& id() const;

 private:
  struct Parts;
  explicit WorkerApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace btr
