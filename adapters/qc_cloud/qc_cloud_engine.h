// QcCloudEngine: the Engine for QuantConnect Cloud (REST API v2; docs/engines/qc_cloud.md).
// A run creates a throw-away Python project holding the catalogue algorithm
// (lean::AlgorithmSource()) and the bars (btrdata.py, qc_wire.h) -- or a spec's own Python
// algorithm files (BacktestSpec::algorithm, which trade QuantConnect's data; the dataset's bars
// are only what the results are aligned to and compared with) -- compiles it, starts a
// backtest with the spec as LEAN parameters, follows it, reads its statistics, its
// "Strategy Equity" chart and its orders, and deletes the backtest and the project again
// (on success, failure, cancel and timeout, best effort; kept only for Reconcile after an
// unknown outcome of a run with a run key).
//
// Progress: 0-0.1 project and compile, 0.1-0.95 the backtest's own progress, 0.95-1 reading
// the results. Cancellation is checked between calls and during every wait.
//
// Errors (engine.h classes):
//   - InvalidArgument: the spec (catalogue, parameters, bars LEAN cannot hold), a build error
//     (quoting the compiler's log) or a create the cloud refused (success:false);
//   - Unauthenticated: bad user id or token (no secret is ever quoted);
//   - Unavailable: the API could not be reached, or kept failing, before the backtest was
//     accepted;
//   - UnknownOutcome: backtests/create (or projects/create) may have been applied but got no
//     answer, or contact was lost while the backtest ran; never re-sent. The project is named
//     after RunContext::run_key and, with a run key, kept on an unknown outcome. Reconcile
//     finds it by that name: a backtest in it is followed to its result and adopted (then
//     cleaned up); a project without one is deleted and Reconcile answers NotFound;
//   - DeadlineExceeded: the run outran `run_timeout` (engines.qc_cloud.timeout_s);
//   - Cancelled; Internal: a runtime error of the algorithm (its first line) or a malformed
//     answer.
//
// Threads: Run() and Probe() may be called concurrently; the engine holds no per-run state.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "adapters/qc_cloud/qc_client.h"
#include "engines/core/clock.h"
#include "engines/engine.h"

namespace btr {

struct QcCloudOptions {
  // url, credentials, organization, request timeout, retry bounds, sleep hook.
  qc::QcClientOptions client;
  std::chrono::milliseconds run_timeout{3600000};  // project creation to deletion
  // Poll cadence of compile/read and backtests/read: starts at poll_initial and doubles every
  // 4 polls up to poll_max (close to lean-cli's 0.25 s ... 10 s ramp).
  std::chrono::milliseconds poll_initial{250};
  std::chrono::milliseconds poll_max{10000};
  // Chart still "loading": retried after chart_retry_initial, doubling up to 4x that, at most
  // chart_max_attempts reads in all (LEAN's own client: every 5 s for a minute).
  std::chrono::milliseconds chart_retry_initial{2000};
  int chart_max_attempts = 12;
  // Completed but totalPerformance missing: re-read this many times (lean-cli: 6 × 10 s).
  int final_read_attempts = 6;
  std::chrono::milliseconds final_read_interval{10000};
  int max_order_pages = 200;  // 99 orders a page
  // Time limit of each cleanup call (deletes), independent of the run's deadline.
  std::chrono::milliseconds cleanup_timeout{10000};
  size_t max_bars = 0;           // 0 = no limit
  const Clock* clock = nullptr;  // signing time; null = the system clock
};

class QcCloudEngine final : public Engine {
 public:
  explicit QcCloudEngine(QcCloudOptions options);

  std::string_view name() const override { return "qc_cloud"; }
  EngineCapabilities capabilities() const override;
  Status Validate(const BacktestSpec& spec) const override;
  // POST authenticate within the deadline (one attempt): healthy when the API says success.
  Health Probe(std::chrono::steady_clock::time_point deadline) override;
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override;
  Result<EngineRun> Reconcile(const BacktestSpec& spec, const BarSeries& bars,
                              const RunContext& context) override;

 private:
  struct RunState;
  Result<EngineRun> RunSteps(const BacktestSpec& spec, const BarSeries& bars,
                             const RunContext& context, RunState& state) const;
  // From a created backtest to the EngineRun: await it, read the chart and the orders.
  Result<EngineRun> FollowBacktest(const BacktestSpec& spec, const BarSeries& bars,
                                   const RunContext& context, RunState& state) const;
  // Reconcile's adoption: follows `backtest` of `project` to its result, then cleans up.
  Result<EngineRun> Adopt(const BacktestSpec& spec, const BarSeries& bars,
                          const RunContext& context, int64_t project,
                          const std::string& backtest) const;
  Status Compile(RunState& state, const RunContext& context) const;
  Result<nlohmann::json> AwaitBacktest(RunState& state, const RunContext& context) const;
  Result<nlohmann::json> FetchChart(RunState& state, const BarSeries& bars) const;
  Result<std::vector<nlohmann::json>> FetchOrders(RunState& state) const;
  void Cleanup(const RunState& state) const;
  std::chrono::milliseconds PollInterval(int poll) const;

  QcCloudOptions options_;
  SystemClock system_clock_;
  std::unique_ptr<qc::QcClient> client_;
};

}  // namespace btr
