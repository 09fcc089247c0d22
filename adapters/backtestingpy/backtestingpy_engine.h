// BacktestingPyEngine: the Engine for the Backtesting.py service (adapters/backtestingpy/service,
// contract in docs/engines/backtestingpy.md). Submits the spec with the bars inline, polls the
// job for progress, cancels it remotely, and turns its answer into an EngineRun.
//
// Errors (engine.h classes):
//   - InvalidArgument: the catalogue or the service rejects the spec (4xx, or a job failed with
//     invalid_argument); the message carries the service's field.
//   - Unavailable: the service could not be reached or answered 5xx *before* it accepted the job
//     (safe to run elsewhere).
//   - UnknownOutcome: contact was lost after the job was, or may have been, accepted.
//     Every submit carries RunContext::run_key; Reconcile looks it up in the service's history
//     (GET /backtest/history?run_key=K) and follows the job it finds, or answers NotFound.
//   - DeadlineExceeded: the job outran `run_timeout` (it is cancelled remotely).
//   - Cancelled: RunContext::cancel was set (the job is cancelled remotely, best effort).
//   - Internal: a malformed answer (with an excerpt) or a job the service failed.
//
// Threads: Run() and Probe() may be called concurrently; the engine holds no mutable state.
#pragma once

#include <chrono>
#include <string>

#include "adapters/common/http_client.h"
#include "engines/engine.h"

namespace btr {

struct BacktestingPyOptions {
  std::string url = "http://127.0.0.1:8765";
  std::chrono::milliseconds request_timeout{10000};  // one HTTP call (uploads get more, by size)
  std::chrono::milliseconds run_timeout{600000};     // submit to final answer
  std::chrono::milliseconds poll_interval{200};
  // Consecutive failed polls tolerated before giving up on an accepted job.
  int max_poll_failures = 3;
  size_t max_bars = 0;  // 0 = no limit
};

class BacktestingPyEngine final : public Engine {
 public:
  explicit BacktestingPyEngine(BacktestingPyOptions options);

  std::string_view name() const override { return "backtestingpy"; }
  EngineCapabilities capabilities() const override;
  Status Validate(const BacktestSpec& spec) const override;
  Health Probe(std::chrono::steady_clock::time_point deadline) override;
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override;
  Result<EngineRun> Reconcile(const BacktestSpec& spec, const BarSeries& bars,
                              const RunContext& context) override;

 private:
  Result<std::string> Submit(const std::string& body) const;
  // Polls job `id` until it ends, the deadline passes or `context` cancels.
  Result<EngineRun> Await(const std::string& id, const BarSeries& bars, const RunContext& context,
                          std::chrono::steady_clock::time_point deadline) const;
  void CancelRemote(const std::string& id) const;

  BacktestingPyOptions options_;
  HttpClient http_;
};

}  // namespace btr
