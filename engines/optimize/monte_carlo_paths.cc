// The building blocks of engines/optimize/monte_carlo.h: the returns a run is reduced to, the
// index sequences of each method, compounding, percentiles.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engines/optimize/monte_carlo.h"

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Values this close (relative) count as ties in a percentile rank.
constexpr double kTieTolerance = 1e-9;

bool Tied(double a, double b) {
  return std::fabs(a - b) <= kTieTolerance * std::max(std::fabs(a), std::fabs(b));
}

// The run's equity at the close of the bar before `entry_bar` (the initial cash before bar 0).
Result<double> EquityBeforeEntry(const MonteCarloRun& run, const TradeRecord& trade, size_t k) {
  if (trade.entry_bar <= 0) return run.initial_cash;
  const size_t before = static_cast<size_t>(trade.entry_bar) - 1;
  if (before >= run.equity.size()) {
    return Status::InvalidArgument(
        "trades[" + std::to_string(k) + "].entry_bar: " + std::to_string(trade.entry_bar) +
        " is beyond the equity curve (" + std::to_string(run.equity.size()) + " bars)");
  }
  return run.equity[before];
}

}  // namespace

Result<std::vector<double>> TradeReturns(const MonteCarloRun& run) {
  std::vector<size_t> closed;
  for (size_t k = 0; k < run.trades.size(); ++k) {
    if (!run.trades[k].is_open()) closed.push_back(k);
  }
  std::stable_sort(closed.begin(), closed.end(), [&run](size_t a, size_t b) {
    const TradeRecord &x = run.trades[a], &y = run.trades[b];
    return x.exit_bar != y.exit_bar ? x.exit_bar < y.exit_bar : x.entry_bar < y.entry_bar;
  });
  std::vector<double> returns;
  returns.reserve(closed.size());
  for (size_t k : closed) {
    const TradeRecord& trade = run.trades[k];
    if (!std::isfinite(trade.pnl)) {
      return Status::InvalidArgument("trades[" + std::to_string(k) +
                                     "].pnl: not a finite number; every closed trade needs one");
    }
    Result<double> before = EquityBeforeEntry(run, trade, k);
    if (!before.ok()) return before.status();
    if (!(*before > 0)) {
      return Status::FailedPrecondition(
          "trades[" + std::to_string(k) +
          "]: the equity before its entry was not positive (the account was ruined), so its "
          "return as a fraction of the account is undefined");
    }
    returns.push_back(trade.pnl / *before);
  }
  return returns;
}

Result<DailyReturns> DailyEquityReturns(const MonteCarloRun& run) {
  if (run.bar_times.size() != run.equity.size()) {
    return Status::InvalidArgument("bar_times: " + std::to_string(run.bar_times.size()) +
                                   " times for " + std::to_string(run.equity.size()) +
                                   " equity points; one time per bar is needed");
  }
  DailyReturns out;
  double previous = run.initial_cash;
  for (size_t k = 0; k < run.equity.size(); ++k) {
    const bool last_of_day = k + 1 == run.equity.size() ||
                             DayNumber(run.bar_times[k + 1]) != DayNumber(run.bar_times[k]);
    if (!last_of_day) continue;
    const double day_equity = run.equity[k];
    if (!(day_equity > 0)) {
      out.returns.push_back(-1.0);  // ruined: the path ends here
      out.day_end.push_back(run.bar_times[k]);
      break;
    }
    out.returns.push_back(day_equity / previous - 1.0);
    out.day_end.push_back(run.bar_times[k]);
    previous = day_equity;
  }
  return out;
}

size_t DefaultBlockLength(size_t n) {
  size_t length = static_cast<size_t>(std::ceil(std::cbrt(static_cast<double>(n))));
  // cbrt may land a hair above an exact cube root: 64 must give 4, not 5.
  while (length > 1 && (length - 1) * (length - 1) * (length - 1) >= n) --length;
  return std::max<size_t>(1, length);
}

void ShuffleIndices(Xoshiro256& rng, std::vector<size_t>* out) {
  for (size_t k = out->size(); k > 1; --k) {
    const size_t pick = static_cast<size_t>(rng.NextBelow(k));
    std::swap((*out)[k - 1], (*out)[pick]);
  }
}

void BootstrapIndices(Xoshiro256& rng, size_t n, std::vector<size_t>* out) {
  out->resize(n);
  for (size_t& index : *out) index = static_cast<size_t>(rng.NextBelow(n));
}

void BlockIndices(Xoshiro256& rng, size_t n, size_t block_length, BlockScheme scheme,
                  std::vector<size_t>* out) {
  out->resize(n);
  size_t filled = 0;
  if (scheme == BlockScheme::kCircular) {
    while (filled < n) {
      const size_t start = static_cast<size_t>(rng.NextBelow(n));
      for (size_t j = 0; j < block_length && filled < n; ++j) (*out)[filled++] = (start + j) % n;
    }
    return;
  }
  const double new_block = 1.0 / static_cast<double>(block_length);
  size_t index = static_cast<size_t>(rng.NextBelow(n));
  (*out)[filled++] = index;
  while (filled < n) {
    index = rng.NextUnit() < new_block ? static_cast<size_t>(rng.NextBelow(n)) : (index + 1) % n;
    (*out)[filled++] = index;
  }
}

std::vector<double> CompoundPath(std::span<const double> returns, std::span<const size_t> order,
                                 double start) {
  std::vector<double> path;
  path.reserve(order.size() + 1);
  double equity = start;
  path.push_back(equity);
  for (size_t index : order) {
    equity = std::max(0.0, equity * (1.0 + returns[index]));
    path.push_back(equity);
  }
  return path;
}

double Percentile(std::span<const double> sorted, double p) {
  const double position = (static_cast<double>(sorted.size()) - 1) * p / 100.0;
  const size_t below = static_cast<size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double weight = position - static_cast<double>(below);
  return sorted[below] + weight * (sorted[below + 1] - sorted[below]);
}

MonteCarloDistribution Summarize(std::span<const double> values, double original) {
  std::vector<double> defined;
  defined.reserve(values.size());
  for (double v : values) {
    if (!std::isnan(v)) defined.push_back(v);
  }
  MonteCarloDistribution out;
  out.original = original;
  out.paths = defined.size();
  if (defined.empty()) {
    out.mean = out.original_rank = kNaN;
    out.percentiles.fill(kNaN);
    return out;
  }
  std::sort(defined.begin(), defined.end());
  for (size_t k = 0; k < kMonteCarloPercentiles.size(); ++k) {
    out.percentiles[k] = Percentile(defined, kMonteCarloPercentiles[k]);
  }
  out.mean =
      std::accumulate(defined.begin(), defined.end(), 0.0) / static_cast<double>(defined.size());
  if (std::isnan(original)) {
    out.original_rank = kNaN;
    return out;
  }
  double below = 0;
  for (double v : defined) {
    if (Tied(v, original)) {
      below += 0.5;
    } else if (v < original) {
      below += 1;
    }
  }
  out.original_rank = 100.0 * below / static_cast<double>(defined.size());
  return out;
}

}  // namespace btr
