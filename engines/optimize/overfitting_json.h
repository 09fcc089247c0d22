// JSON forms of the overfitting statistics (engines/optimize/overfitting.h, pbo.h, plateau.h).
// Keys are snake_case and carry the structs' units (docs/optimization.md, "Overfitting
// statistics"): Sharpe ratios are per period, probabilities are in [0, 1], plateau values are in
// the objective's unit. Every number that is NaN or infinite (undefined) is written as null.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "engines/optimize/overfitting.h"
#include "engines/optimize/pbo.h"
#include "engines/optimize/plateau.h"

namespace btr {

// {"n_trials", "n_effective", "sharpe", "sharpe_variance", "expected_max", "sr0", "z", "dsr",
//  "psr0", "n_obs", "skew", "kurtosis"}.
nlohmann::json ToJson(const DeflatedSharpe& dsr);

// {"trials", "blocks", "combinations", "pbo", "prob_oos_loss", "degradation": {"slope",
//  "intercept", "r2", "points"}, "logit_histogram": {"edges", "counts"}}, plus "logits",
// "winner_is_sharpe" and "winner_oos_sharpe" (one entry per combination: 12,870 for 16 blocks)
// when include_samples.
nlohmann::json ToJson(const PboResult& pbo, bool include_samples = false);

// {"points", "finite_points", "best": {"index", "params": {name: value}, "value",
//  "neighbourhood_points", "neighbourhood_mean", "neighbourhood_worst"}, "best_at_edge",
//  "edges": [{"param", "side": "min"|"max"}], "local_maxima", "robust_best": {"index", "params",
//  "value", "neighbourhood_mean", "neighbourhood_worst"}, "plateau": {"tolerance", "neighbours",
//  "share"}, "sensitivity": {name: objective units per step}}. "min"/"max" name the first/last
// value of the axis. REQUIRES: `axes` are the ones the report was computed on.
nlohmann::json ToJson(const PlateauReport& report, const std::vector<GridAxis>& axes);

}  // namespace btr
