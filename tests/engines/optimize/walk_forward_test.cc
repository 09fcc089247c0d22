#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "engines/data/bar_window.h"
#include "engines/data/csv_loader.h"
#include "engines/native/native_run.h"
#include "engines/optimize/optimization.h"
#include "engines/optimize/walk_forward.h"
#include "tests/engines/optimize/optimize_test_util.h"

namespace btr {
namespace {

using testing::Goog;
using testing::SameBits;

OptimizationRequest SmaRequest(size_t folds, bool anchored) {
  OptimizationRequest r;
  r.strategy = "sma_cross";
  r.space = {{"fast", {5, 10, 15, 20}}, {"slow", {20, 30, 50, 80}}};
  r.constraints = {"fast < slow"};
  r.sweep.config.broker.commission_relative = 0.002;
  r.sweep.threads = 2;
  r.walk_forward.folds = folds;
  r.walk_forward.anchored = anchored;
  return r;
}

TEST_CASE("Walk-forward windows tile the tail of the series, rolling or anchored") {
  WalkForwardOptions options;
  options.folds = 5;
  options.test_fraction = 0.25;
  Result<std::vector<FoldWindow>> rolling = SplitWalkForward(1000, options);
  REQUIRE(rolling.ok());
  REQUIRE(rolling->size() == 5);
  // T = floor(1000 / (3 + 5)) = 125, L = 1000 - 5 * 125 = 375.
  CHECK((*rolling)[0].train_begin == 0);
  CHECK((*rolling)[0].train_end == 375);
  CHECK((*rolling)[0].test_begin == 375);
  CHECK((*rolling)[0].test_end == 500);
  CHECK((*rolling)[4].train_begin == 500);
  CHECK((*rolling)[4].test_begin == 875);
  CHECK((*rolling)[4].test_end == 1000);
  for (size_t i = 1; i < 5; ++i) CHECK((*rolling)[i].test_begin == (*rolling)[i - 1].test_end);

  options.anchored = true;
  Result<std::vector<FoldWindow>> anchored = SplitWalkForward(1000, options);
  REQUIRE(anchored.ok());
  CHECK((*anchored)[4].train_begin == 0);
  CHECK((*anchored)[4].train_end == 875);

  options.folds = 3;
  options.test_fraction = 0.5;  // T = floor(1003 / 4) = 250, L = 253
  Result<std::vector<FoldWindow>> halves = SplitWalkForward(1003, options);
  REQUIRE(halves.ok());
  CHECK((*halves)[0].test_begin == 253);
  CHECK((*halves)[2].test_end == 1003);
}

TEST_CASE("Walk-forward options out of range name the field") {
  WalkForwardOptions options;
  options.folds = 0;
  CHECK(SplitWalkForward(1000, options).status().message().find("walk_forward.folds") == 0);
  options.folds = 4;
  options.test_fraction = 1;
  CHECK(SplitWalkForward(1000, options).status().message().find("walk_forward.test_fraction") ==
        0);
  options.test_fraction = 0.25;
  Result<std::vector<FoldWindow>> tiny = SplitWalkForward(40, options);  // T = 5 < 10
  REQUIRE_FALSE(tiny.ok());
  CHECK(tiny.status().message().find("fewer folds") != std::string::npos);

  using json = nlohmann::json;
  json body = {{"strategy", "sma_cross"}, {"space", {{"fast", {5, 10}}}}};
  body["walk_forward"] = {{"folds", 2.5}};
  CHECK(OptimizationRequestFromJson(body).status().message().find("walk_forward.folds") == 0);
  body["walk_forward"] = {{"test_fraction", 0}};
  CHECK(OptimizationRequestFromJson(body).status().message().find(
            "walk_forward.test_fraction") == 0);
  body["walk_forward"] = {{"window", 3}};
  CHECK(OptimizationRequestFromJson(body).status().message().find("walk_forward.window") == 0);
  body["walk_forward"] = {{"anchored", true}};
  Result<OptimizationRequest> defaults = OptimizationRequestFromJson(body);
  REQUIRE(defaults.ok());
  CHECK(defaults->walk_forward.folds == 5);
  CHECK(defaults->walk_forward.anchored);
}

// Each fold's chosen set is the best of a sweep on its train window alone, and its test figures
// are those of a lone backtest on its test window, bit for bit.
void CheckFolds(const OptimizationRequest& request, const WalkForwardResult& wf) {
  Result<ParamSpace> space =
      ParamSpace::Create(request.strategy, request.space, request.params, request.constraints);
  REQUIRE(space.ok());
  for (const WalkForwardFold& fold : wf.folds) {
    const FoldWindow& w = fold.window;
    OptimizationRequest train_request = request;
    train_request.walk_forward.folds = 0;
    const BarWindow train(Goog(), BarRange{w.train_begin, w.train_end});
    Result<OptimizationResult> train_run = RunOptimization(train.bars(), train_request);
    REQUIRE(train_run.ok());
    REQUIRE(fold.has_best);
    const TrialResult& best = train_run->trials[train_run->best];
    CHECK(SameBits(fold.train_objective, best.objective));
    std::vector<double> values;
    space->ValuesAt(best.point, &values);
    for (size_t i = 0; i < values.size(); ++i) {
      CHECK(fold.params.at(space->param_names()[i]) == values[i]);
    }
    const BarWindow test(Goog(), BarRange{w.test_begin, w.test_end});
    Result<NativeRun> single = RunCatalogueBacktest(test.bars(), "sma_cross",
                                                    space->ParamsAt(best.point),
                                                    request.sweep.config);
    REQUIRE(single.ok());
    const auto fields = MetricsFields(single->metrics);
    REQUIRE(fold.test_metrics.size() == fields.size());
    for (size_t k = 0; k < fields.size(); ++k) {
      INFO("fold test " << w.test_begin << " metric " << fields[k].first);
      CHECK(SameBits(fold.test_metrics[k], fields[k].second));
    }
    if (fold.train_annual_return > 0) {
      CHECK(fold.efficiency == fold.test_annual_return / fold.train_annual_return);
    } else {
      CHECK(std::isnan(fold.efficiency));
    }
  }
}

TEST_CASE("Walk-forward: train sweeps choose, lone test backtests score, the curve compounds") {
  for (bool anchored : {false, true}) {
    INFO("anchored " << anchored);
    const OptimizationRequest request = SmaRequest(4, anchored);
    Result<WalkForwardResult> wf = RunWalkForward(Goog(), request);
    REQUIRE(wf.ok());
    REQUIRE(wf->folds.size() == 4);
    CheckFolds(request, *wf);

    // The stitched curve covers the test bars exactly, and compounds the folds' returns.
    const FoldWindow& first = wf->folds.front().window;
    REQUIRE(wf->equity.size() == Goog().size() - first.test_begin);
    CHECK(wf->time.front() == Goog().time[first.test_begin]);
    CHECK(wf->time.back() == Goog().time.back());
    const double cash = request.sweep.config.broker.cash;
    double compounded = cash;
    for (const WalkForwardFold& f : wf->folds) {
      const double fold_return = f.test_metrics[*MetricIndex("", "total_return")];
      compounded *= 1 + fold_return;
    }
    CHECK(wf->equity.back() == Approx(compounded).epsilon(1e-12));
    CHECK(wf->metrics.total_return == Approx(compounded / cash - 1).epsilon(1e-12));
    double trades = 0;
    for (const WalkForwardFold& f : wf->folds) trades += f.test_metrics[*MetricIndex("", "num_trades")];
    CHECK(wf->metrics.num_trades == trades);

    double mean_train = 0;
    for (const WalkForwardFold& f : wf->folds) mean_train += f.train_annual_return / 4;
    if (mean_train > 0) {
      CHECK(wf->efficiency == Approx(wf->metrics.annual_return / mean_train));
    } else {
      CHECK(std::isnan(wf->efficiency));
    }
  }
}

TEST_CASE("An optimization with walk_forward reports it, and fails early on too little data") {
  OptimizationRequest request = SmaRequest(3, false);
  size_t last_done = 0, last_total = 0;
  bool monotonic = true;
  SweepControl control;
  control.progress = [&](size_t done, size_t total) {
    monotonic = monotonic && done >= last_done && (last_total == 0 || total == last_total);
    last_done = done;
    last_total = total;
  };
  Result<OptimizationResult> result = RunOptimization(Goog(), request, control);
  REQUIRE(result.ok());
  CHECK(monotonic);
  CHECK(last_done == last_total);
  CHECK(last_total == result->trials.size() * 4);  // the sweep and 3 folds of the same points
  REQUIRE(result->walk_forward.has_value());
  const nlohmann::json report = OptimizationToJson(*result);
  const nlohmann::json& wf = report["walk_forward"];
  REQUIRE(wf["windows"].size() == 3);
  CHECK(wf["windows"][0]["fold"] == 1);
  CHECK(wf["windows"][0]["test"]["bars"] ==
        result->walk_forward->folds[0].window.test_end -
            result->walk_forward->folds[0].window.test_begin);
  CHECK(wf["windows"][1]["params"].contains("fast"));
  CHECK(wf["equity"]["bars"] == result->walk_forward->equity.size());
  CHECK(wf["equity"]["points"] == wf["equity"]["time"].size());
  CHECK(wf["equity"]["equity"].back().get<double>() == result->walk_forward->equity.back());
  CHECK(report["request"]["walk_forward"]["folds"] == 3);

  const nlohmann::json thin = WalkForwardToJson(*result, 50);
  CHECK(thin["equity"]["points"].get<size_t>() <= 50);
  CHECK(thin["equity"]["time"].back() == wf["equity"]["time"].back());

  const BarWindow small(Goog(), BarRange{0, 60});
  request.walk_forward.folds = 10;
  SweepControl counting;
  size_t calls = 0;
  counting.progress = [&](size_t, size_t) { ++calls; };
  Result<OptimizationResult> refused = RunOptimization(small.bars(), request, counting);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("walk_forward.folds") == 0);
  CHECK(calls == 0);  // refused before any trial ran
}

}  // namespace
}  // namespace btr
