// ComparisonService: one spec on several engines, side by side (docs/comparisons.md).
//
// Create() parses the request (comparison_request.h) and validates every run's spec as
// POST /v1/backtests does (JobService::Validate): one invalid entry refuses the whole request,
// naming the entry ("engines[0].overrides.cash"), before anything is submitted. Then it submits
// every run through JobService::Submit — so health admission, queue and tenant limits apply as
// to any backtest — each to exactly the engine it names, with no fallback, and stores the
// comparison (Store::CreateComparison). A run refused for the server's state (the engine is
// ejected or disabled, the queue is full) is recorded as failed with that reason and the others
// go on; when no run could be submitted nothing is stored and the first refusal is returned.
//
// A worker thread watches the running comparisons (woken by the job service's listener and by a
// periodic check): once every run has ended it loads each succeeded run's result, equity and
// bars, builds the report (services/compare/report.h) and finishes the comparison in the store:
// "succeeded" when at least two runs succeeded (something was compared), else "failed" — the
// report is stored either way and says what happened to every run. A run whose job ran on
// another engine than it named (which the routing contract rules out) is reported as failed,
// never compared. Running comparisons survive a restart: Start() resumes them.
//
// Threads: every public method is thread-safe. The listener only wakes the worker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "engines/core/clock.h"
#include "routing/engine_registry.h"
#include "services/compare/compare_types.h"
#include "services/comparisons/comparison_request.h"
#include "services/jobs/job_service.h"
#include "services/store/store.h"

namespace btr {

struct ComparisonServiceOptions {
  compare::CompareOptions report;  // compare.* tolerances, window, chart points, rows
  size_t max_runs = 8;             // compare.max_runs
  std::string cache_dir;           // binary bar cache used to load datasets
  std::chrono::milliseconds check_interval{250};  // the worker's periodic check
};

class ComparisonService {
 public:
  // `store`, `jobs`, `engines` and `clock` must outlive the service.
  ComparisonService(Store* store, JobService* jobs, const EngineRegistry* engines,
                    const Clock* clock, ComparisonServiceOptions options);
  ~ComparisonService();  // Stop()

  // Resumes the running comparisons of the store and starts the worker.
  Status Start();
  // Stops the worker; running comparisons stay running in the store.
  void Stop();

  // The comparison as the API shows it (View). InvalidArgument naming the field for a bad
  // request or entry; the first run's refusal when no run could be submitted.
  Result<nlohmann::json> Create(std::string_view tenant, const nlohmann::json& body);
  // {"id", "status", "created_at", "finished_at", "runs": [{"label", "engine", "overrides",
  //  "backtest_id", "status", "progress", "phase", "engine_used", "error"}], "report"}.
  // NotFound for unknown ids and other tenants' comparisons.
  Result<nlohmann::json> View(std::string_view tenant, std::string_view id);
  // Long-poll: the view once it differs from the current one, the comparison ended, or
  // `timeout` passed.
  Result<nlohmann::json> WaitForChange(std::string_view tenant, std::string_view id,
                                       std::chrono::milliseconds timeout);
  // The stored record (report_json set once finished).
  Result<ComparisonRecord> Record(std::string_view tenant, std::string_view id);
  // {"items": [{"id", "status", "created_at", "finished_at", "runs": [{"label", "engine",
  //  "overrides", "backtest_id"}]}], "next_cursor"}: the tenant's comparisons, newest first.
  // InvalidArgument for a bad cursor.
  Result<nlohmann::json> List(std::string_view tenant, std::string_view cursor, size_t limit);

 private:
  // OK when every run's spec is valid; else the first invalid entry's error, attributed to it
  // (or the base's own error when every entry fails alike).
  Status ValidateRuns(std::string_view tenant, const std::vector<PlannedRun>& plan) const;
  void WorkerLoop();
  // Finishes `record` when all of its runs have ended; true when it is no longer running.
  bool TryFinish(const ComparisonRecord& record);
  nlohmann::json BuildReportFor(const ComparisonRecord& record);
  nlohmann::json RunsView(const ComparisonRecord& record, bool live);

  Store* const store_;
  JobService* const jobs_;
  const EngineRegistry* const engines_;
  const Clock* const clock_;
  const ComparisonServiceOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;                     // the worker: a job changed, or Stop
  std::condition_variable changed_;                  // long-polls: a job or comparison changed
  std::map<std::string, ComparisonRecord> running_;  // by id; guarded by mu_
  uint64_t generation_ = 0;                          // bumped on every change; guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  uint64_t listener_ = 0;
  std::thread worker_;
};

}  // namespace btr
