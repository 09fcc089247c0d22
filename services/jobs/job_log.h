// JobLog: the log of one job as its users read it (GET /v1/backtests/{id}/logs): what btrouter
// did with the job (submitted, started, each fallback and reconcile step, how it ended) and the
// engine's own lines (RunContext::log). Lines go to the Store as they come, one write each, so
// a running job's log can be followed.
//
// At most `max_lines` lines are kept per job and execution: the line that would pass the limit
// becomes one warning saying how to see more, and later lines are dropped (counted). A failed
// store write is dropped too: a log line never fails a job.
//
// Threads: Add may be called from any thread (engines may log from their own threads).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "engines/core/clock.h"
#include "services/store/job_store.h"

namespace btr {

class JobLog {
 public:
  // `store` and `clock` are not owned and outlive the log.
  JobLog(JobStore* store, const Clock* clock, std::string job_id, size_t max_lines);

  // level: "info", "warn" or "error"; source: "btrouter" or the engine's name.
  void Add(std::string_view level, std::string_view source, std::string_view message);
  void Info(std::string_view message) { Add("info", "btrouter", message); }
  void Warn(std::string_view message) { Add("warn", "btrouter", message); }

  size_t dropped() const;

 private:
  JobStore* const store_;
  const Clock* const clock_;
  const std::string job_id_;
  const size_t max_lines_;
  mutable std::mutex mu_;
  size_t written_ = 0;  // guarded by mu_
  size_t dropped_ = 0;  // guarded by mu_
};

}  // namespace btr
