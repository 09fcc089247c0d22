// Native engine throughput: sma_cross(10, 20) stop-and-reverse, cash 10 000, commission 0, on
// synthetic 1-minute GBM bars held in memory (the workload of backtestingpy-semantics.md §4).
//
//   backtest_bench [--bars 1000000,10000000] [--repeats 5] [--strategy sma_cross]
//
// Prints, per size (best of the repeats): the bar loop alone (broker + strategy Next, indicators
// already computed), the backtest (indicators + loop), the backtest with canonical metrics, their
// bars/s, the trades, and the peak RSS growth of one run per bar.
#include <algorithm>
#include <cstdio>

#include "bench/bench_util.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/native_run.h"
#include "engines/catalogue/catalogue.h"
#include "engines/native/strategies/native_strategies.h"

namespace btr::bench {
namespace {

void RunSize(size_t n, int repeats, const std::string& strategy) {
  const BarSeries bars = GenerateGbmBars(n);
  const StrategyInfo* info = FindStrategy(strategy);
  if (info == nullptr) {
    std::fprintf(stderr, "unknown strategy %s\n", strategy.c_str());
    std::exit(2);
  }
  const ParamValues params = ParamValues::Defaults(info->params);
  BacktestConfig config;
  double best_loop = 1e300, best_total = 1e300, best_bar_loop = 1e300;
  size_t trades = 0;
  long rss_growth_kib = 0;
  for (int r = 0; r < repeats; ++r) {
    // The loop alone: strategy init (indicators) happens inside RunBacktest, so time it apart.
    auto created = CreateStrategy(strategy, params);
    const double t0 = NowSeconds();
    auto output = RunBacktest(bars, **created, config);
    const double t1 = NowSeconds();
    if (!output.ok()) std::exit(1);
    trades = output->trades.size();
    best_bar_loop = std::min(best_bar_loop, output->loop_seconds);

    ResetPeakRss();
    const long before = ProcStatusKiB("VmRSS");
    const double t2 = NowSeconds();
    auto run = RunCatalogueBacktest(bars, strategy, params, config);
    const double t3 = NowSeconds();
    if (!run.ok()) std::exit(1);
    rss_growth_kib = std::max(rss_growth_kib, ProcStatusKiB("VmHWM") - before);
    best_loop = std::min(best_loop, t1 - t0);
    best_total = std::min(best_total, t3 - t2);
  }
  const double nd = static_cast<double>(n);
  std::printf(
      "backtest strategy=%s bars=%zu trades=%zu loop_s=%.4f loop_bars_per_s=%.3gM "
      "backtest_s=%.4f backtest_bars_per_s=%.3gM "
      "with_metrics_s=%.4f with_metrics_bars_per_s=%.3gM data_bytes_per_bar=%.1f "
      "run_peak_growth_bytes_per_bar=%.1f\n",
      strategy.c_str(), n, trades, best_bar_loop, nd / best_bar_loop / 1e6, best_loop,
      nd / best_loop / 1e6, best_total, nd / best_total / 1e6,
      static_cast<double>(bars.MemoryBytes()) / nd,
      static_cast<double>(rss_growth_kib) * 1024 / nd);
  std::fflush(stdout);
}

}  // namespace
}  // namespace btr::bench

int main(int argc, char** argv) {
  using namespace btr::bench;
  const std::vector<size_t> sizes = SizeList(Flag(argc, argv, "bars", "1000000,10000000"));
  const int repeats = std::stoi(Flag(argc, argv, "repeats", "5"));
  const std::string strategy = Flag(argc, argv, "strategy", "sma_cross");
  for (size_t n : sizes) RunSize(n, repeats, strategy);
  return 0;
}
