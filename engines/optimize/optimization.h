// Optimization: a parameter sweep of one catalogue strategy on one bar series, from request to
// report: the space and the points to run (ParamSpace, SelectPoints), the trials (RunSweep),
// the best and the robust best, the heatmap and the overfitting statistics (deflated Sharpe,
// PBO by CSCV, plateau analysis; engines/optimize/overfitting.h, plateau.h).
//
// The same request drives `btrouter optimize` and `POST /v1/optimizations`. Plain values;
// RunOptimization is thread-safe (it uses threads of its own, see RunSweep).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/optimize/overfitting.h"
#include "engines/optimize/param_space.h"
#include "engines/optimize/pbo.h"
#include "engines/optimize/plateau.h"
#include "engines/optimize/sweep.h"
#include "engines/optimize/trial_runner.h"
#include "engines/optimize/walk_forward.h"

namespace btr {

// A part of a sweep run as a job of its own (services/jobs/sweep_job.h): the points
// [begin, end) of the request's SelectPoints list. Internal: users never send it.
struct SweepChunk {
  std::string parent;  // the optimization's job id
  size_t begin = 0, end = 0;
};

struct OptimizationRequest {
  std::string strategy;
  std::vector<ParamAxis> space;             // the swept parameters
  std::map<std::string, double> params;     // fixed values of parameters not swept
  std::vector<std::string> constraints;     // ConstraintExpr texts, all must hold
  SearchMethod method = SearchMethod::kGrid;
  double max_tries = 0;                     // random: a count, or a fraction in (0, 1]
  uint64_t seed = 1;                        // random: the draw's seed
  SweepOptions sweep;                       // settings, objective, min_trades, blocks, threads
  WalkForwardOptions walk_forward;          // folds 0 = none
  size_t concurrency = 4;                   // engines other than native: runs in flight, 1..64
  std::optional<SweepChunk> chunk;          // set on a chunk job only
};

// The request's JSON form (POST /v1/optimizations without engine and dataset, which the caller
// resolves): {"strategy": "sma_cross", "space": {"fast": [5, 10] | {"min", "max", "step"}},
// "params": {...}, "constraints": ["fast < slow"], "objective": {"metric", "direction":
// "max"|"min"}, "method": "grid"|"random", "max_tries", "seed", "min_trades", "blocks",
// "settings": {"cash", "commission", "commission_fixed", "spread", "margin", "trade_on_close",
// "exclusive_orders", "hedging", "finalize_trades"}, "walk_forward": {"folds", "test_fraction",
// "anchored"}, "concurrency"}. InvalidArgument names the field.
Result<OptimizationRequest> OptimizationRequestFromJson(const nlohmann::json& body);

struct OptimizationAnalysis {
  Result<DeflatedSharpe> deflated_sharpe = Status::FailedPrecondition("not computed");
  Result<PboResult> pbo = Status::FailedPrecondition("not computed");
  Result<PlateauReport> plateau = Status::FailedPrecondition("not computed");
};

struct OptimizationResult {
  OptimizationRequest request;
  ParamSpace space;
  std::vector<TrialResult> trials;  // one per point run, in grid order
  size_t excluded = 0;              // grid points the constraints or the strategy's rules excluded
  size_t failed = 0;                // trials whose run failed
  size_t no_objective = 0;          // trials without an objective value (min_trades, NaN)
  size_t best = static_cast<size_t>(-1);  // index into trials; npos when no trial qualifies
  OptimizationAnalysis analysis;
  std::optional<WalkForwardResult> walk_forward;  // when the request asked for folds
  double seconds = 0;  // wall time of the trials (and of the walk-forward)
};

// The space of `request` and the points it runs (grid or random draw), in grid order, after
// checking that a walk-forward over `bars` bars can be cut. The first step of RunOptimization.
struct OptimizationPlan {
  ParamSpace space;
  std::vector<size_t> points;
};
Result<OptimizationPlan> PlanOptimization(const OptimizationRequest& request, size_t bars);

// The steps after the trials: counts, best, the overfitting analysis, and the walk-forward (by
// `runner`, null: native) when the request has folds; `control.progress` counts the
// walk-forward's trials only. `trials` are one per plan point, in order. `seconds`: the time the
// trials took. Errors as RunOptimization's.
Result<OptimizationResult> FinishOptimization(const BarSeries& bars, OptimizationRequest request,
                                              OptimizationPlan plan,
                                              std::vector<TrialResult> trials, double seconds,
                                              const SweepControl& control = {},
                                              TrialRunner* runner = nullptr);

// Runs `request` on `bars` with `runner` (null: NativeTrialRunner()): the sweep over all of
// them, then the walk-forward when the request has folds (progress counts both).
// InvalidArgument for a bad request; FailedPrecondition when no point is admissible; the first
// trial's error (prefixed) when every trial failed; Cancelled.
Result<OptimizationResult> RunOptimization(const BarSeries& bars, OptimizationRequest request,
                                           const SweepControl& control = {},
                                           TrialRunner* runner = nullptr);

// The walk-forward of `request` on `bars` (engines/optimize/walk_forward.h): on each fold the
// sweep of the request's points on the train window (no CSCV blocks), the best trial's set
// (BestTrial) run on the test window, both by `runner` (null: native). `control.progress`
// counts trials over all folds.
Result<WalkForwardResult> RunWalkForward(const BarSeries& bars, const OptimizationRequest& request,
                                         const SweepControl& control = {},
                                         TrialRunner* runner = nullptr);

// The overfitting statistics of a finished sweep (engines/optimize/optimization_analysis.cc):
// the deflated Sharpe of the best trial (N = trials with an objective, N_eff from the trials'
// block returns), PBO by CSCV over the trials' blocks, and the plateau analysis of a full grid
// (grid method, no excluded point; otherwise FailedPrecondition says why it is missing).
OptimizationAnalysis AnalyzeOptimization(const OptimizationResult& result);
// The analysis for people, a few lines (the CLI's table output).
std::string FormatAnalysisText(const OptimizationResult& result);

// The report: request echo, counts, best (parameters and metrics), the top `top` trials in full,
// every trial's parameters and objective, the heatmap and the analysis. NaN is null.
nlohmann::json OptimizationToJson(const OptimizationResult& result, size_t top = 20);
// The walk-forward section of the report (per fold: windows, chosen set, train and test
// objective and annual return, efficiency, test metrics; the stitched curve thinned to at most
// `max_points` points, its metrics and the efficiency). NaN is null.
nlohmann::json WalkForwardToJson(const OptimizationResult& result, size_t max_points = 2000);
// Every trial as CSV: the swept parameters, then every canonical metric, then objective.
std::string OptimizationTrialsCsv(const OptimizationResult& result);

}  // namespace btr
