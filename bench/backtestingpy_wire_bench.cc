// The Backtesting.py adapter's own cost: encoding N bars into the POST /backtest/run body and
// decoding a result of N equity points and T trades (docs/engines/backtestingpy.md). The
// service's time (pandas, the library) is not in these figures. Prints, one line each:
//   bpy_encode bars=N bytes=B best_s=... mb_per_s=... bars_per_s=...
//   bpy_decode bars=N trades=T bytes=B best_s=... bars_per_s=...
// Usage: backtestingpy_wire_bench [--bars N] [--trades T] [--repeats R]
//        (defaults 1000000, 10000, 5)
#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>

#include "adapters/backtestingpy/backtestingpy_wire.h"
#include "bench/bench_util.h"
#include "engines/data/gbm_generator.h"

namespace btr {
namespace {

// A result object shaped like the service's, built without the service.
nlohmann::json SyntheticResult(const BarSeries& bars, size_t trades) {
  nlohmann::json equity = nlohmann::json::array();
  for (size_t i = 0; i < bars.size(); ++i) equity.push_back(10000.0 + bars.close[i]);
  nlohmann::json list = nlohmann::json::array();
  const size_t step = std::max<size_t>(2, bars.size() / (trades + 1));
  for (size_t k = 0; k < trades && (k + 1) * step < bars.size(); ++k) {
    const size_t entry = k * step, exit = entry + step - 1;
    list.push_back({{"size", k % 2 == 0 ? 10 : -10},
                    {"entry_bar", entry},
                    {"exit_bar", exit},
                    {"entry_price", bars.open[entry]},
                    {"exit_price", bars.open[exit]},
                    {"sl", nullptr},
                    {"tp", nullptr},
                    {"pnl", 1.5},
                    {"return_pct", 0.001},
                    {"commission", 0.0},
                    {"entry_time", "2020-01-01T00:00:00"},
                    {"exit_time", "2020-01-02T00:00:00"},
                    {"tag", nullptr}});
  }
  return {{"equity", equity},
          {"trades", list},
          {"open_trades", nlohmann::json::array()},
          {"warmup_bars", 19},
          {"stats", {{"Return [%]", 1.0}, {"Sharpe Ratio", 0.5}}}};
}

int Main(int argc, char** argv) {
  const size_t n = std::stoul(bench::Flag(argc, argv, "bars", "1000000"));
  const size_t trades = std::stoul(bench::Flag(argc, argv, "trades", "10000"));
  const int repeats = std::stoi(bench::Flag(argc, argv, "repeats", "5"));
  const BarSeries bars = GenerateGbmBars(n);
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";

  double best = std::numeric_limits<double>::infinity();
  size_t bytes = 0;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = bench::NowSeconds();
    Result<std::string> body = backtestingpy::BuildRunRequest(spec, bars);
    best = std::min(best, bench::NowSeconds() - t0);
    if (!body.ok()) return std::fprintf(stderr, "%s\n", body.status().ToString().c_str()), 1;
    bytes = body->size();
  }
  std::printf("bpy_encode bars=%zu bytes=%zu best_s=%.4f mb_per_s=%.0f bars_per_s=%.2fM\n", n,
              bytes, best, static_cast<double>(bytes) / best / 1e6,
              static_cast<double>(n) / best / 1e6);

  const std::string text = SyntheticResult(bars, trades).dump();
  best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats; ++r) {
    const double t0 = bench::NowSeconds();
    const nlohmann::json doc = nlohmann::json::parse(text);
    Result<EngineRun> run = backtestingpy::ParseRunResult(doc, bars);
    best = std::min(best, bench::NowSeconds() - t0);
    if (!run.ok()) return std::fprintf(stderr, "%s\n", run.status().ToString().c_str()), 1;
  }
  std::printf("bpy_decode bars=%zu trades=%zu bytes=%zu best_s=%.4f bars_per_s=%.2fM\n", n, trades,
              text.size(), best, static_cast<double>(n) / best / 1e6);
  return 0;
}

}  // namespace
}  // namespace btr

int main(int argc, char** argv) { return btr::Main(argc, argv); }
