// Monte Carlo robustness of a finished run, computed post hoc from its equity curve and closed
// trades (no re-run of the engine): how much of the result is the order or the luck of the draw.
//
// Methods (docs/optimization.md "Monte Carlo" has the full semantics):
//   permute          reorders the per-trade fractional account returns;
//   bootstrap        draws as many trade returns, independently and with replacement;
//   block_bootstrap  resamples blocks of consecutive daily returns of the equity curve:
//                    stationary (Politis–Romano, geometric block lengths of mean L) or circular
//                    (blocks of exactly L, wrapping around the end).
// Every simulated path compounds fractional returns from the start equity:
//   E_0 = initial cash,  E_{k+1} = max(0, E_k · (1 + r_k)),  0 absorbing,
// so no path ever shows negative equity (absolute P&L is never replayed).
//
// The trade return of a closed trade is f = pnl / E[entry_bar − 1], the run's equity at the close
// of the bar before the entry (the initial cash for a trade entered on the first bar); the trades
// are taken in the order they closed (exit bar, then entry bar). The daily returns are those of
// the last equity of each calendar day, the first one measured from the initial cash.
//
// All functions are pure and thread-safe; a report is a value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/time.h"
#include "engines/core/trade.h"
#include "engines/optimize/monte_carlo_random.h"

namespace btr {

enum class MonteCarloMethod { kPermute, kBootstrap, kBlockBootstrap };
enum class BlockScheme { kStationary, kCircular };
// What one step of a path is: a closed trade or a calendar day.
enum class MonteCarloUnit { kTrade, kDay };

std::string_view MonteCarloMethodName(MonteCarloMethod method);  // "permute", ...
std::optional<MonteCarloMethod> ParseMonteCarloMethod(std::string_view name);
std::string_view BlockSchemeName(BlockScheme scheme);  // "stationary", "circular"
std::optional<BlockScheme> ParseBlockScheme(std::string_view name);
std::string_view MonteCarloUnitName(MonteCarloUnit unit);  // "trade", "day"

inline constexpr uint64_t kDefaultMonteCarloSeed = 20240601;
inline constexpr size_t kDefaultSimulations = 1000;
inline constexpr size_t kMaxSimulations = 100'000;
// simulations × path length (trades or daily returns): bounds one request's work (about a second).
inline constexpr size_t kMaxSimulatedSteps = 50'000'000;
// Largest seed accepted: 2^53 − 1, exact in every JSON client's numbers.
inline constexpr uint64_t kMaxMonteCarloSeed = (uint64_t{1} << 53) - 1;
// The fan chart: at most this many steps, and bands from at most this many paths (the first).
inline constexpr size_t kMaxFanPoints = 200;
inline constexpr size_t kMaxFanPaths = 10'000;
// The percentiles reported for every metric and drawn in the fan chart.
inline constexpr std::array<double, 5> kMonteCarloPercentiles = {5, 25, 50, 75, 95};

struct MonteCarloOptions {
  MonteCarloMethod method = MonteCarloMethod::kPermute;
  size_t simulations = kDefaultSimulations;  // in [1, kMaxSimulations]
  uint64_t seed = kDefaultMonteCarloSeed;    // in [0, kMaxMonteCarloSeed]
  // block_bootstrap only: the (mean) block length in days, in [1, days]; 0: ⌈n^(1/3)⌉ of the n
  // daily returns.
  size_t block_length = 0;
  BlockScheme block_scheme = BlockScheme::kStationary;  // block_bootstrap only
  // A path is ruined when its equity touches (1 − ruin_pct) · start or less; in (0, 1].
  double ruin_pct = 0.5;
};

// The finished run. The spans must stay valid during the call.
struct MonteCarloRun {
  double initial_cash = 0;                   // > 0
  std::span<const double> equity = {};       // one point per bar (a Column<double> or vector)
  std::span<const TimeNs> bar_times = {};    // the bars' times; needed by block_bootstrap only
  std::span<const TradeRecord> trades = {};  // closed trades; open ones are skipped
};

// One metric over the simulated paths. NaN where undefined (a Sharpe ratio without spread).
struct MonteCarloDistribution {
  double original = 0;  // on the original order (the same path model as the simulations)
  double mean = 0;
  std::array<double, 5> percentiles{};  // at kMonteCarloPercentiles
  // Percent of paths below the original, ties (within 1e-9 relative) counted half: 0..100.
  double original_rank = 0;
  size_t paths = 0;  // paths where the metric is defined
};

// A share of paths with add-one smoothing: (count + 1) / (simulations + 1), never 0.
struct MonteCarloProbability {
  size_t paths = 0;
  double probability = 0;
};

struct MonteCarloFanChart {
  size_t paths = 0;           // the bands are over the first `paths` simulations
  std::vector<size_t> steps;  // path steps drawn: 0 (the start) .. n, at most kMaxFanPoints
  std::vector<TimeNs> times;  // unit day: the original day's last bar time (step 0: first
                              // bar); empty for trades
  std::array<std::vector<double>, 5> bands;  // equity percentiles per step
  std::vector<double> original;              // the original path's equity per step
};

struct MonteCarloReport {
  MonteCarloOptions options;  // as used: block_length resolved for block_bootstrap
  MonteCarloUnit unit = MonteCarloUnit::kTrade;
  size_t steps = 0;             // trades or daily returns used (the path length)
  double start_equity = 0;      // the initial cash
  double run_final_equity = 0;  // the run's last equity (the trade model can differ, see docs)
  // Periods per year the Sharpe ratio is scaled by (√A): 1 for trades (per-trade Sharpe); the
  // observed days per year for daily returns.
  double sharpe_annualization = 1;
  MonteCarloDistribution final_equity, total_return, max_drawdown, sharpe;
  double ruin_equity = 0;  // (1 − ruin_pct) · start
  bool original_ruined = false;
  MonteCarloProbability ruin, final_below_start;
  MonteCarloFanChart fan_chart;
  // (max − min) / max(|mean|, start) of the simulated final equities: 0 up to rounding for
  // permute (and for circular blocks of the whole length).
  double final_equity_spread = 0;
  std::string invariant_note;  // what the method leaves unchanged
};

// Runs the simulations. Errors: InvalidArgument naming the option ("simulations: ...",
// "block_length: ...", "ruin_pct: ...", "seed: ...") or the input ("initial_cash: ...");
// FailedPrecondition when the run has fewer than 2 closed trades (or 2 daily returns), or a
// trade entered when the equity was not positive.
Result<MonteCarloReport> RunMonteCarlo(const MonteCarloRun& run, const MonteCarloOptions& options);

// --- the building blocks, public for tests and other studies -----------------------------------

// The per-trade fractional returns (see the file comment), in closing order.
Result<std::vector<double>> TradeReturns(const MonteCarloRun& run);

struct DailyReturns {
  std::vector<double> returns;  // r_j = D_j / D_{j−1} − 1, D_0 = initial cash
  std::vector<TimeNs> day_end;  // the last bar time of day j (one per return)
};
// The daily returns of the equity curve. InvalidArgument when bar_times and equity differ in
// length; returns stop at the first day whose equity is ≤ 0 (that day's return is −1).
Result<DailyReturns> DailyEquityReturns(const MonteCarloRun& run);

// ⌈n^(1/3)⌉ (at least 1): the default block length for n returns.
size_t DefaultBlockLength(size_t n);

// Index sequences over [0, n) for one simulated path, into `out` (resized to n):
// a uniform random permutation of `out`'s current content (Fisher–Yates);
void ShuffleIndices(Xoshiro256& rng, std::vector<size_t>* out);
// n independent uniform draws;
void BootstrapIndices(Xoshiro256& rng, size_t n, std::vector<size_t>* out);
// blocks of consecutive indices wrapping around n − 1 → 0: circular blocks of exactly
// `block_length` starting uniformly (the last one cut at n), or stationary blocks that start
// uniformly and end after each index with probability 1 / block_length. REQUIRES n > 0,
// block_length in [1, n].
void BlockIndices(Xoshiro256& rng, size_t n, size_t block_length, BlockScheme scheme,
                  std::vector<size_t>* out);

// The path of `returns` taken in `order`: equity per step from `start` (start first, size
// order.size() + 1), compounding and floored at 0, 0 absorbing.
std::vector<double> CompoundPath(std::span<const double> returns, std::span<const size_t> order,
                                 double start);

// Percentile p (0..100) of sorted values, linearly interpolated between order statistics (the
// "linear" method of numpy and R's type 7). REQUIRES: !sorted.empty().
double Percentile(std::span<const double> sorted, double p);

// The distribution of `values` (NaN entries are skipped) and the original's rank among them.
MonteCarloDistribution Summarize(std::span<const double> values, double original);

}  // namespace btr
