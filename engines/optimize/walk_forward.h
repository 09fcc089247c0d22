// Walk-forward analysis: the series is cut into folds, each an in-sample (train) window followed
// by an out-of-sample (test) window; the sweep runs on each train window, the best parameter set
// runs on the test window that follows, and the test runs, stitched end to end, make one
// out-of-sample equity curve whose canonical metrics say what the optimization would have earned
// on data it had not seen (docs/optimization.md "## Walk-forward").
//
// The windows, in bars (n bars, k folds, test fraction p):
//   test length  T = floor(n / ((1 - p) / p + k))      (each fold's train : test = (1-p) : p)
//   train length L = n - k * T                         (the tests tile the last k * T bars)
//   fold i (0-based): test [L + i*T, L + (i+1)*T); train [i*T, L + i*T) when rolling,
//                     [0, L + i*T) when anchored (the train window grows).
// Each test run is exactly the native backtest of its window alone (what POST /v1/backtests with
// that start and end runs): it starts flat with the configured cash and needs its own warm-up.
// Plain values; the run itself is RunWalkForward in engines/optimize/optimization.h.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/time.h"
#include "engines/metrics/metrics.h"

namespace btr {

struct WalkForwardOptions {
  size_t folds = 0;            // k; 0 = no walk-forward (the request's default)
  double test_fraction = 0.25;  // p, in (0, 1): the out-of-sample share of each fold's window
  bool anchored = false;        // train windows all start at bar 0
};

// Bar index ranges [begin, end) of one fold.
struct FoldWindow {
  size_t train_begin = 0, train_end = 0;
  size_t test_begin = 0, test_end = 0;
};

// InvalidArgument naming the field unless 1 <= folds <= 100 and 0 < test_fraction < 1.
Status CheckWalkForward(const WalkForwardOptions& options);

// The folds over `bars` bars. InvalidArgument naming `walk_forward.<field>` when the options are
// out of range or a window would hold fewer than `min_bars` bars.
Result<std::vector<FoldWindow>> SplitWalkForward(size_t bars, const WalkForwardOptions& options,
                                                 size_t min_bars = 10);

struct WalkForwardFold {
  FoldWindow window;
  TimeNs train_start = 0, train_end = 0, test_start = 0, test_end = 0;  // first and last bar
  size_t trials = 0;                   // trials run on the train window
  bool has_best = false;               // false: no train trial had an objective value
  std::map<std::string, double> params;  // every parameter of the chosen set
  double train_objective = 0, test_objective = 0;  // NaN when undefined
  double train_annual_return = 0, test_annual_return = 0;
  double efficiency = 0;               // test / train annual return; NaN unless train > 0
  std::vector<double> test_metrics;    // MetricKeys() order; empty without a best
};

struct WalkForwardResult {
  WalkForwardOptions options;
  std::vector<WalkForwardFold> folds;
  // The stitched out-of-sample curve: the test bars' times and the test runs' equity, fold i
  // scaled to start at fold i-1's final equity (each fold's returns compound).
  std::vector<TimeNs> time;
  std::vector<double> equity;
  Metrics metrics;  // canonical metrics of the stitched curve and the folds' trades
  // Walk-forward efficiency: the stitched annual return over the mean train annual return of
  // the folds that have one (NaN unless that mean is > 0).
  double efficiency = 0;
};

}  // namespace btr
