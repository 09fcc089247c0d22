#include <catch2/catch.hpp>

#include <cstring>

#include "engines/data/csv_loader.h"
#include "engines/metrics/metrics.h"
#include "engines/native/native_run.h"
#include "engines/optimize/optimization.h"
#include "engines/optimize/sweep.h"
#include "tests/engines/optimize/optimize_test_util.h"

namespace btr {
namespace {

using testing::Goog;
using testing::SameBits;

ParamSpace SmaSpace(std::vector<std::string> constraints = {}) {
  Result<ParamSpace> space = ParamSpace::Create(
      "sma_cross", {{"fast", {5, 10, 15, 20}}, {"slow", {10, 20, 30, 50, 80}}}, {}, constraints);
  REQUIRE(space.ok());
  return std::move(space).value();
}

std::vector<size_t> Admissible(const ParamSpace& space) {
  Result<std::vector<size_t>> points = SelectPoints(space, SearchMethod::kGrid, 0, 0);
  REQUIRE(points.ok());
  return std::move(points).value();
}

TEST_CASE("Every sweep trial equals a single backtest with its parameters, bit for bit") {
  const ParamSpace space = SmaSpace();
  const std::vector<size_t> points = Admissible(space);
  SweepOptions options;
  options.config.broker.commission_relative = 0.002;
  options.threads = 2;
  Result<std::vector<TrialResult>> trials = RunSweep(Goog(), space, points, options);
  REQUIRE(trials.ok());
  REQUIRE(trials->size() == points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const TrialResult& t = (*trials)[i];
    CHECK(t.point == points[i]);
    REQUIRE(t.status.ok());
    Result<NativeRun> single =
        RunCatalogueBacktest(Goog(), "sma_cross", space.ParamsAt(points[i]), options.config);
    REQUIRE(single.ok());
    const auto fields = MetricsFields(single->metrics);
    REQUIRE(t.metrics.size() == fields.size());
    for (size_t k = 0; k < fields.size(); ++k) {
      INFO("point " << points[i] << " metric " << fields[k].first);
      CHECK(SameBits(t.metrics[k], fields[k].second));
    }
  }
}

TEST_CASE("A sweep gives the same trials on one thread and on several") {
  const ParamSpace space = SmaSpace();
  const std::vector<size_t> points = Admissible(space);
  SweepOptions one, four;
  one.threads = 1;
  four.threads = 4;
  Result<std::vector<TrialResult>> a = RunSweep(Goog(), space, points, one);
  Result<std::vector<TrialResult>> b = RunSweep(Goog(), space, points, four);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (size_t i = 0; i < points.size(); ++i) {
    CHECK((*a)[i].metrics == (*b)[i].metrics);
    CHECK(SameBits((*a)[i].daily.mean, (*b)[i].daily.mean));
  }
}

TEST_CASE("Each trial keeps the moments of its daily returns in equal time blocks") {
  const ParamSpace space = SmaSpace();
  const std::vector<size_t> points = {Admissible(space).front()};
  SweepOptions options;
  options.blocks = 8;
  Result<std::vector<TrialResult>> trials = RunSweep(Goog(), space, points, options);
  REQUIRE(trials.ok());
  const TrialResult& t = trials->front();
  // GOOG is daily: one return per bar after the first.
  CHECK(t.daily.n == static_cast<double>(Goog().size() - 1));
  REQUIRE(t.blocks.size() == 8);
  const double per_block = std::floor(t.daily.n / 8);
  for (const Moments& b : t.blocks) CHECK(b.n == per_block);
  // The trial's equity, recomputed: the first block starts after the dropped remainder.
  Result<NativeRun> single =
      RunCatalogueBacktest(Goog(), "sma_cross", space.ParamsAt(points[0]), options.config);
  REQUIRE(single.ok());
  const auto& eq = single->output.equity;
  const size_t skip = static_cast<size_t>(t.daily.n) % 8;
  double sum = 0;
  for (size_t k = 0; k < static_cast<size_t>(per_block); ++k) {
    const size_t bar = 1 + skip + k;
    sum += eq[bar] / eq[bar - 1] - 1;
  }
  CHECK(t.blocks[0].mean == Approx(sum / per_block).epsilon(1e-12));
}

TEST_CASE("min_trades leaves thin trials unranked, and the best is the top objective") {
  const ParamSpace space = SmaSpace();
  const std::vector<size_t> points = Admissible(space);
  SweepOptions options;
  options.min_trades = 60;
  Result<std::vector<TrialResult>> trials = RunSweep(Goog(), space, points, options);
  REQUIRE(trials.ok());
  const size_t trades_key = *MetricIndex("x", "num_trades");
  const size_t sharpe_key = *MetricIndex("x", "sharpe_ratio");
  size_t ranked = 0;
  double top = -1e300;
  for (const TrialResult& t : *trials) {
    const bool enough = t.metrics[trades_key] >= 60;
    CHECK(std::isnan(t.objective) == !enough);
    if (enough) {
      ++ranked;
      CHECK(t.objective == t.metrics[sharpe_key]);
      top = std::max(top, t.objective);
    }
  }
  REQUIRE(ranked > 0);
  REQUIRE(ranked < trials->size());
  const size_t best = BestTrial(*trials, true);
  CHECK((*trials)[best].objective == top);
  const size_t worst = BestTrial(*trials, false);
  CHECK((*trials)[worst].objective <= top);
}

TEST_CASE("A sweep reports progress up to the total and stops when cancelled") {
  const ParamSpace space = SmaSpace();
  const std::vector<size_t> points = Admissible(space);
  size_t last = 0, calls = 0;
  SweepControl control;
  control.progress = [&](size_t done, size_t total) {
    CHECK(total == points.size());
    CHECK(done > last);
    last = done;
    ++calls;
  };
  REQUIRE(RunSweep(Goog(), space, points, SweepOptions{}, control).ok());
  CHECK(last == points.size());
  CHECK(calls >= 1);

  std::atomic<bool> cancel{true};
  SweepControl cancelled;
  cancelled.cancel = &cancel;
  Result<std::vector<TrialResult>> r = RunSweep(Goog(), space, points, SweepOptions{}, cancelled);
  CHECK(r.status().code() == StatusCode::kCancelled);
}

TEST_CASE("Sweep options are checked with the field named") {
  const ParamSpace space = SmaSpace();
  const std::vector<size_t> points = Admissible(space);
  SweepOptions bad_metric;
  bad_metric.objective.metric = "sharpe";
  CHECK_THAT(RunSweep(Goog(), space, points, bad_metric).status().message(),
             Catch::Contains("objective.metric") && Catch::Contains("sharpe_ratio"));
  SweepOptions odd_blocks;
  odd_blocks.blocks = 5;
  CHECK_THAT(RunSweep(Goog(), space, points, odd_blocks).status().message(),
             Catch::Contains("blocks"));
  SweepOptions no_cash;
  no_cash.config.broker.cash = -1;
  CHECK_THAT(RunSweep(Goog(), space, points, no_cash).status().message(), Catch::Contains("cash"));
}

}  // namespace
}  // namespace btr
