// Parameter sweep throughput: sma_cross stop-and-reverse, cash 10 000, commission 0, over a
// grid of fast x slow, on GOOG daily bars (../shared/data/GOOG.csv) and on synthetic 1-minute
// GBM bars. For each: trials per second on all cores and on one thread, and the per-trial cost
// beyond the backtest itself: the sweep's time per trial (one thread) minus the time of
// RunCatalogueBacktest (backtest + canonical metrics) for the same parameters, one by one.
//
//   optimize_bench [--goog PATH] [--daily-grid 100x100] [--minute-bars 1000000]
//                  [--minute-grid 10x20] [--threads 0] [--singles 500] [--repeats 3]
//
// Grid AxB: fast = 1..A, slow = A+1..A+B (every point admissible). --singles: how many points
// (evenly spread) are run one by one for the baseline. --repeats: each sweep timing is the best
// of that many runs. Prints figures only.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "bench/bench_util.h"
#include "engines/data/csv_loader.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/native_run.h"
#include "engines/optimize/optimization.h"

namespace btr::bench {
namespace {

ParamSpace Grid(size_t a, size_t b) {
  std::vector<double> fast, slow;
  for (size_t v = 1; v <= a; ++v) fast.push_back(static_cast<double>(v));
  for (size_t v = a + 1; v <= a + b; ++v) slow.push_back(static_cast<double>(v));
  Result<ParamSpace> space = ParamSpace::Create("sma_cross", {{"fast", fast}, {"slow", slow}}, {}, {});
  if (!space.ok()) {
    std::fprintf(stderr, "%s\n", space.status().message().c_str());
    std::exit(2);
  }
  return std::move(space).value();
}

double SweepSeconds(const BarSeries& bars, const ParamSpace& space,
                    const std::vector<size_t>& points, size_t threads) {
  SweepOptions options;
  options.threads = threads;
  const double t0 = NowSeconds();
  Result<std::vector<TrialResult>> trials = RunSweep(bars, space, points, options);
  const double t1 = NowSeconds();
  if (!trials.ok()) {
    std::fprintf(stderr, "sweep failed: %s\n", trials.status().message().c_str());
    std::exit(1);
  }
  return t1 - t0;
}

// Mean seconds of RunCatalogueBacktest over `count` points spread evenly over `points`.
double SingleSeconds(const BarSeries& bars, const ParamSpace& space,
                     const std::vector<size_t>& points, size_t count) {
  count = std::min(count, points.size());
  const double t0 = NowSeconds();
  for (size_t k = 0; k < count; ++k) {
    const size_t p = points[k * points.size() / count];
    Result<NativeRun> run = RunCatalogueBacktest(bars, "sma_cross", space.ParamsAt(p), BacktestConfig{});
    if (!run.ok()) std::exit(1);
  }
  return (NowSeconds() - t0) / static_cast<double>(count);
}

// The shortest of `repeats` timings (the first run also pays for page faults and warm caches).
template <typename Timed>
double BestOf(size_t repeats, Timed timed) {
  double best = timed();
  for (size_t r = 1; r < repeats; ++r) best = std::min(best, timed());
  return best;
}

void RunCase(const char* name, const BarSeries& bars, const std::string& grid, size_t threads,
             size_t singles, size_t repeats) {
  size_t a = 0, b = 0;
  if (std::sscanf(grid.c_str(), "%zux%zu", &a, &b) != 2 || a == 0 || b == 0) {
    std::fprintf(stderr, "bad grid '%s' (expected AxB)\n", grid.c_str());
    std::exit(2);
  }
  const ParamSpace space = Grid(a, b);
  std::vector<size_t> points(space.grid_size());
  for (size_t i = 0; i < points.size(); ++i) points[i] = i;
  const size_t cores = threads != 0 ? threads : std::thread::hardware_concurrency();
  const double all = BestOf(repeats, [&] { return SweepSeconds(bars, space, points, cores); });
  const double one = BestOf(repeats, [&] { return SweepSeconds(bars, space, points, 1); });
  const double single = SingleSeconds(bars, space, points, singles);
  const double per_trial = one / static_cast<double>(points.size());
  std::printf("%s: %zu bars, grid %zu points (fast 1..%zu x slow %zu..%zu)\n", name, bars.size(),
              points.size(), a, a + 1, a + b);
  std::printf("  sweep_trials_per_s threads=%zu: %.0f (%.3f s)\n", cores, points.size() / all, all);
  std::printf("  sweep_trials_per_s threads=1: %.0f (%.3f s); per trial %.2f us\n",
              points.size() / one, one, per_trial * 1e6);
  std::printf("  single_backtest_with_metrics_us: %.2f (RunCatalogueBacktest, %zu points)\n",
              single * 1e6, std::min(singles, points.size()));
  std::printf("  per_trial_overhead_us: %.2f (sweep per trial - single; negative = the sweep's "
              "shared indicators save more than it adds)\n",
              (per_trial - single) * 1e6);
}

}  // namespace
}  // namespace btr::bench

int main(int argc, char** argv) {
  using namespace btr;
  using namespace btr::bench;
  const char* shared = std::getenv("BTR_SHARED_DIR");
  const std::string goog = Flag(argc, argv, "goog",
                                std::string(shared != nullptr ? shared : "../shared") + "/data/GOOG.csv");
  const size_t threads = std::stoul(Flag(argc, argv, "threads", "0"));
  const size_t singles = std::stoul(Flag(argc, argv, "singles", "500"));
  Result<BarSeries> daily = LoadCsvFile(goog);
  if (!daily.ok()) {
    std::fprintf(stderr, "optimize_bench: %s (set BTR_SHARED_DIR or --goog)\n",
                 daily.status().message().c_str());
    return 2;
  }
  const size_t repeats = std::max<size_t>(1, std::stoul(Flag(argc, argv, "repeats", "3")));
  RunCase("GOOG daily", *daily, Flag(argc, argv, "daily-grid", "100x100"), threads, singles,
          repeats);
  const size_t minute_bars = std::stoul(Flag(argc, argv, "minute-bars", "1000000"));
  const BarSeries minute = GenerateGbmBars(minute_bars);
  RunCase("GBM 1-minute", minute, Flag(argc, argv, "minute-grid", "10x20"), threads,
          std::min<size_t>(singles, 20), repeats);
  return 0;
}
