// Time of the Probability of Backtest Overfitting (CSCV, engines/optimize/pbo.h) on noise
// trials: N trials × T daily returns, split into S blocks; C(S, S/2) combinations. Prints one
// line per (N, S) with the wall time of ComputePbo alone (block moments are built first and not
// timed), the time per trial and combination, and the PBO (≈ 0.5 on noise).
//
//   pbo_bench [--trials 1000,10000] [--blocks 8,16] [--periods 2520] [--seed 1]
#include <random>

#include "bench/bench_util.h"
#include "engines/optimize/pbo.h"

int main(int argc, char** argv) {
  using namespace btr;
  using namespace btr::bench;
  const std::vector<size_t> trial_counts = SizeList(Flag(argc, argv, "trials", "1000,10000"));
  const std::vector<size_t> block_counts = SizeList(Flag(argc, argv, "blocks", "8,16"));
  const size_t periods = std::stoul(Flag(argc, argv, "periods", "2520"));
  const uint64_t seed = std::stoull(Flag(argc, argv, "seed", "1"));
  for (size_t trials : trial_counts) {
    std::mt19937_64 generator(seed);
    std::normal_distribution<double> normal(0.0, 0.01);
    std::vector<std::vector<double>> returns(trials, std::vector<double>(periods));
    for (auto& series : returns) {
      for (double& r : series) r = normal(generator);
    }
    for (size_t blocks : block_counts) {
      std::vector<std::vector<Moments>> moments;
      moments.reserve(trials);
      for (const auto& series : returns) moments.push_back(BlockMoments(series, blocks));
      const double t0 = NowSeconds();
      const Result<PboResult> pbo = ComputePbo(moments);
      const double seconds = NowSeconds() - t0;
      if (!pbo.ok()) {
        std::printf("error: %s\n", pbo.status().ToString().c_str());
        return 1;
      }
      const double work = static_cast<double>(trials) * static_cast<double>(pbo->combinations);
      std::printf(
          "pbo trials=%zu blocks=%zu periods=%zu combinations=%zu seconds=%.3f "
          "ns_per_trial_combination=%.2f pbo=%.3f\n",
          trials, blocks, periods, pbo->combinations, seconds, seconds * 1e9 / work, pbo->pbo);
    }
  }
  return 0;
}
