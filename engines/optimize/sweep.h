// RunSweep: many native backtests of one strategy over one bar series, one per grid point of a
// ParamSpace, with the canonical metrics of each and the per-block statistics of its daily
// returns that the overfitting analysis needs (engines/optimize/overfitting.h).
//
// Every trial is exactly the backtest RunCatalogueBacktest runs for the same parameters and
// settings (same trades, same equity, same metrics bit for bit); what a sweep saves is the
// rest: the bars are shared, the indicators are computed once per distinct argument for all
// trials (IndicatorCache), and no trade list or equity curve is kept.
//
// Threads: RunSweep uses `options.threads` threads of its own (0 = one per core) and returns
// when every trial ended or the sweep was cancelled. `control.progress` is called from those
// threads, one call at a time. Trials are handed out in chunks of consecutive grid points, so
// neighbouring points (sharing the values of the earlier axes) run close together in time.
#pragma once

#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/metrics/metrics.h"
#include "engines/native/backtest.h"
#include "engines/optimize/moments.h"
#include "engines/optimize/param_space.h"

namespace btr {

struct SweepObjective {
  std::string metric = "sharpe_ratio";  // a canonical metric key (docs/metrics.md)
  bool maximize = true;
};

struct SweepOptions {
  BacktestConfig config;  // the settings every trial shares
  SweepObjective objective;
  // Trials with fewer closed trades get no objective value (NaN): they are kept, with their
  // metrics, but never chosen as the best. 0 = every trial counts.
  double min_trades = 1;
  // The trial's daily returns (last equity of each UTC day) are summarized in `blocks`
  // contiguous blocks of equal length, for CSCV; 0 = none. Even, at most 24.
  size_t blocks = 16;
  size_t threads = 0;                              // 0 = std::thread::hardware_concurrency()
  size_t indicator_cache_bytes = size_t{1} << 30;  // shared indicators kept, at most
};

struct SweepControl {
  // (trials done, trials in all); may be empty.
  std::function<void(size_t done, size_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;  // when it becomes true: Cancelled, soon
};

struct TrialResult {
  size_t point = 0;             // grid index in the ParamSpace
  Status status;                // the run's error, if it failed (its metrics are then empty)
  std::vector<double> metrics;  // in MetricKeys() order
  double objective = std::numeric_limits<double>::quiet_NaN();
  Moments daily;                // all the daily returns
  std::vector<Moments> blocks;  // SweepOptions::blocks blocks of them (may be empty)
};

// The canonical metric keys, in the order of TrialResult::metrics (MetricsFields order).
const std::vector<std::string>& MetricKeys();
// The index of `key` in MetricKeys(); InvalidArgument naming `field` and the known keys.
Result<size_t> MetricIndex(const std::string& field, const std::string& key);

// Runs the trials of `points` (grid indices of `space`, e.g. from SelectPoints) on `bars`.
// The answer holds one TrialResult per point, in the order of `points`; a trial that fails
// (e.g. an invalid order) fails alone. InvalidArgument for bad options (objective, blocks,
// settings); Cancelled.
Result<std::vector<TrialResult>> RunSweep(const BarSeries& bars, const ParamSpace& space,
                                          std::span<const size_t> points,
                                          const SweepOptions& options,
                                          const SweepControl& control = {});

// InvalidArgument naming the field for bad settings, blocks or min_trades.
Status CheckSweepOptions(const SweepOptions& options);

// The last bar of each UTC day of `bars`, in order (the daily-return sampling of a trial).
std::vector<size_t> DayEnds(const BarSeries& bars);

// What a sweep keeps of one finished run, whatever engine ran it: `metrics` (canonical, in
// MetricKeys() order), the objective (MetricKeys()[objective_index]; NaN below min_trades or
// when not finite) and the moments of the daily returns of `equity` sampled at `day_ends`, in
// options.blocks blocks. `returns` is scratch space.
void RecordTrial(const Metrics& metrics, std::span<const double> equity,
                 std::span<const size_t> day_ends, const SweepOptions& options,
                 size_t objective_index, std::vector<double>* returns, TrialResult* trial);

// The index (into `trials`) of the best objective (ties: the lowest grid point); npos when no
// trial has one.
size_t BestTrial(const std::vector<TrialResult>& trials, bool maximize);

}  // namespace btr
