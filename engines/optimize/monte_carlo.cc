#include "engines/optimize/monte_carlo.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDaysPerYear = 365.25;

// The returns one method resamples, with what a step is.
struct ReturnSeries {
  MonteCarloUnit unit = MonteCarloUnit::kTrade;
  std::vector<double> returns;
  std::vector<TimeNs> step_times;  // unit day: per step 0..n; empty for trades
  double annualization = 1;
};

// What one path yields.
struct PathStats {
  double final_equity = 0;
  double max_drawdown = 0;  // positive fraction of the running peak
  double sharpe = kNaN;
  bool ruined = false;
};

Status CheckOptions(const MonteCarloOptions& o) {
  if (o.simulations < 1 || o.simulations > kMaxSimulations) {
    return Status::InvalidArgument("simulations: expected a whole number in [1, " +
                                   std::to_string(kMaxSimulations) + "], got " +
                                   std::to_string(o.simulations));
  }
  if (o.seed > kMaxMonteCarloSeed) {
    return Status::InvalidArgument("seed: expected a whole number in [0, " +
                                   std::to_string(kMaxMonteCarloSeed) + "]");
  }
  if (!(o.ruin_pct > 0 && o.ruin_pct <= 1)) {
    return Status::InvalidArgument(
        "ruin_pct: expected a fraction in (0, 1] (0.5: ruin at half the start equity)");
  }
  if (o.block_length != 0 && o.method != MonteCarloMethod::kBlockBootstrap) {
    return Status::InvalidArgument("block_length: only method block_bootstrap uses blocks");
  }
  return Status::Ok();
}

Result<ReturnSeries> TradeSeries(const MonteCarloRun& run) {
  Result<std::vector<double>> returns = TradeReturns(run);
  if (!returns.ok()) return returns.status();
  ReturnSeries series;
  series.returns = std::move(returns).value();
  return series;
}

Result<ReturnSeries> DaySeries(const MonteCarloRun& run) {
  Result<DailyReturns> daily = DailyEquityReturns(run);
  if (!daily.ok()) return daily.status();
  ReturnSeries series;
  series.unit = MonteCarloUnit::kDay;
  if (daily->returns.empty()) return series;
  series.returns = std::move(daily->returns);
  series.step_times.push_back(run.bar_times.front());
  series.step_times.insert(series.step_times.end(), daily->day_end.begin(), daily->day_end.end());
  // Observed days per year: the returns over the calendar days they span.
  const double days = static_cast<double>(DayNumber(series.step_times.back()) -
                                          DayNumber(series.step_times.front()) + 1);
  series.annualization = static_cast<double>(series.returns.size()) / (days / kDaysPerYear);
  return series;
}

// Steps 0..n thinned to at most kMaxFanPoints, evenly, keeping both ends.
std::vector<size_t> FanSteps(size_t n) {
  const size_t points = std::min(n + 1, kMaxFanPoints);
  std::vector<size_t> steps(points);
  for (size_t k = 0; k < points; ++k) steps[k] = (k * n + (points - 1) / 2) / (points - 1);
  return steps;
}

// Walks `returns` in `order` from `start` (see CompoundPath); writes the equity at each of
// `fan_steps` to `fan` when it is not null.
PathStats WalkPath(std::span<const double> returns, std::span<const size_t> order, double start,
                   double ruin_equity, double annualization, std::span<const size_t> fan_steps,
                   double* fan) {
  PathStats stats;
  double equity = start, peak = start;
  // Welford's running mean and sum of squared deviations of the step returns until a ruin.
  double mean = 0, m2 = 0;
  size_t counted = 0, next_fan = 0;
  if (fan != nullptr && fan_steps[0] == 0) fan[next_fan++] = start;
  for (size_t step = 1; step <= order.size(); ++step) {
    if (equity > 0) {
      const double next = std::max(0.0, equity * (1.0 + returns[order[step - 1]]));
      const double step_return = next / equity - 1.0;
      ++counted;
      const double delta = step_return - mean;
      mean += delta / static_cast<double>(counted);
      m2 += delta * (step_return - mean);
      equity = next;
      peak = std::max(peak, equity);
      stats.max_drawdown = std::max(stats.max_drawdown, 1.0 - equity / peak);
      stats.ruined = stats.ruined || equity <= ruin_equity;
    }
    if (fan != nullptr && next_fan < fan_steps.size() && fan_steps[next_fan] == step) {
      fan[next_fan++] = equity;
    }
  }
  stats.final_equity = equity;
  if (counted >= 2 && m2 > 0) {
    const double deviation = std::sqrt(m2 / static_cast<double>(counted - 1));
    stats.sharpe = mean / deviation * std::sqrt(annualization);
  }
  return stats;
}

void DrawOrder(const MonteCarloOptions& o, Xoshiro256& rng, size_t n, std::vector<size_t>* order) {
  switch (o.method) {
    case MonteCarloMethod::kPermute:
      ShuffleIndices(rng, order);
      return;
    case MonteCarloMethod::kBootstrap:
      BootstrapIndices(rng, n, order);
      return;
    case MonteCarloMethod::kBlockBootstrap:
      BlockIndices(rng, n, o.block_length, o.block_scheme, order);
      return;
  }
}

std::string InvariantNote(const MonteCarloOptions& o) {
  switch (o.method) {
    case MonteCarloMethod::kPermute:
      return "A permutation leaves the final equity unchanged: the product of (1 + f) over the "
             "trades does not depend on their order, so final equity and total return are the "
             "same on every path (final_equity_spread is rounding) and so is the per-trade "
             "Sharpe ratio, unless a path is ruined first. Only the path varies: drawdown and "
             "ruin. Ranking the original against permutations on return says nothing.";
    case MonteCarloMethod::kBootstrap:
      return "Draws the trade returns independently with replacement: final equity, drawdown "
             "and Sharpe all vary, the mean trade return is the original's in expectation, and "
             "streaks (serial dependence between trades) are not kept.";
    case MonteCarloMethod::kBlockBootstrap:
      return o.block_scheme == BlockScheme::kCircular
                 ? "Resamples circular blocks of block_length consecutive daily returns: streaks "
                   "and volatility clustering inside a block are kept. With one block of every "
                   "day a path is a rotation of the original days, which leaves the final "
                   "equity unchanged."
                 : "Resamples blocks of consecutive daily returns with geometric lengths of mean "
                   "block_length (stationary bootstrap): streaks and volatility clustering "
                   "inside a block are kept; final equity, drawdown and Sharpe all vary.";
  }
  return "";
}

// The percentile bands of the fan chart from the recorded paths (row-major, one row a path).
void FillBands(const std::vector<double>& recorded, size_t paths, MonteCarloFanChart* fan) {
  const size_t points = fan->steps.size();
  for (std::vector<double>& band : fan->bands) band.resize(points);
  std::vector<double> column(paths);
  for (size_t j = 0; j < points; ++j) {
    for (size_t b = 0; b < paths; ++b) column[b] = recorded[b * points + j];
    std::sort(column.begin(), column.end());
    for (size_t k = 0; k < kMonteCarloPercentiles.size(); ++k) {
      fan->bands[k][j] = Percentile(column, kMonteCarloPercentiles[k]);
    }
  }
}

std::string PathUnitText(const ReturnSeries& series) {
  const size_t n = series.returns.size();
  const std::string plural = n == 1 ? "" : "s";
  return std::to_string(n) + (series.unit == MonteCarloUnit::kTrade ? " closed trade" + plural
                                                                    : " daily return" + plural);
}

// The options made concrete for `series`: the block length resolved and checked, the work bound.
Status ResolveForSeries(const ReturnSeries& series, MonteCarloOptions* o) {
  const size_t n = series.returns.size();
  if (n < 2) {
    return Status::FailedPrecondition(
        "the run has " + PathUnitText(series) + "; method " +
        std::string(MonteCarloMethodName(o->method)) + " needs at least 2" +
        (series.unit == MonteCarloUnit::kTrade
             ? " (a longer period, or block_bootstrap on the daily returns)"
             : " (a run over more days)"));
  }
  if (o->method == MonteCarloMethod::kBlockBootstrap) {
    if (o->block_length == 0) o->block_length = DefaultBlockLength(n);
    if (o->block_length > n) {
      return Status::InvalidArgument("block_length: at most the number of daily returns (" +
                                     std::to_string(n) + "), got " +
                                     std::to_string(o->block_length));
    }
  }
  if (o->simulations > kMaxSimulatedSteps / n) {
    return Status::InvalidArgument("simulations: simulations × path length must be at most " +
                                   std::to_string(kMaxSimulatedSteps) + "; this run's path has " +
                                   PathUnitText(series) + ", so at most " +
                                   std::to_string(kMaxSimulatedSteps / n) + " simulations");
  }
  return Status::Ok();
}

}  // namespace

std::string_view MonteCarloMethodName(MonteCarloMethod method) {
  switch (method) {
    case MonteCarloMethod::kPermute:
      return "permute";
    case MonteCarloMethod::kBootstrap:
      return "bootstrap";
    case MonteCarloMethod::kBlockBootstrap:
      return "block_bootstrap";
  }
  return "";
}

std::optional<MonteCarloMethod> ParseMonteCarloMethod(std::string_view name) {
  for (MonteCarloMethod m : {MonteCarloMethod::kPermute, MonteCarloMethod::kBootstrap,
                             MonteCarloMethod::kBlockBootstrap}) {
    if (MonteCarloMethodName(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view BlockSchemeName(BlockScheme scheme) {
  return scheme == BlockScheme::kCircular ? "circular" : "stationary";
}

std::optional<BlockScheme> ParseBlockScheme(std::string_view name) {
  if (name == "stationary") return BlockScheme::kStationary;
  if (name == "circular") return BlockScheme::kCircular;
  return std::nullopt;
}

std::string_view MonteCarloUnitName(MonteCarloUnit unit) {
  return unit == MonteCarloUnit::kDay ? "day" : "trade";
}

Result<MonteCarloReport> RunMonteCarlo(const MonteCarloRun& run, const MonteCarloOptions& options) {
  BTR_RETURN_IF_ERROR(CheckOptions(options));
  if (!(run.initial_cash > 0) || !std::isfinite(run.initial_cash)) {
    return Status::InvalidArgument("initial_cash: expected a finite number > 0");
  }
  Result<ReturnSeries> series =
      options.method == MonteCarloMethod::kBlockBootstrap ? DaySeries(run) : TradeSeries(run);
  if (!series.ok()) return series.status();
  MonteCarloReport report;
  report.options = options;
  BTR_RETURN_IF_ERROR(ResolveForSeries(*series, &report.options));
  const MonteCarloOptions& o = report.options;
  const std::vector<double>& returns = series->returns;
  const size_t n = returns.size(), simulations = o.simulations;
  const double start = run.initial_cash;

  report.unit = series->unit;
  report.steps = n;
  report.start_equity = start;
  report.run_final_equity = run.equity.empty() ? start : run.equity.back();
  report.sharpe_annualization = series->annualization;
  report.ruin_equity = (1.0 - o.ruin_pct) * start;
  report.invariant_note = InvariantNote(o);

  MonteCarloFanChart& fan = report.fan_chart;
  fan.steps = FanSteps(n);
  fan.paths = std::min(simulations, kMaxFanPaths);
  fan.original.resize(fan.steps.size());
  if (series->unit == MonteCarloUnit::kDay) {
    for (size_t step : fan.steps) fan.times.push_back(series->step_times[step]);
  }

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  const PathStats original = WalkPath(returns, order, start, report.ruin_equity,
                                      series->annualization, fan.steps, fan.original.data());
  report.original_ruined = original.ruined;

  std::vector<double> finals(simulations), totals(simulations), drawdowns(simulations),
      sharpes(simulations), recorded(fan.paths * fan.steps.size());
  size_t ruined = 0, below_start = 0;
  Xoshiro256 rng(o.seed);
  for (size_t b = 0; b < simulations; ++b) {
    DrawOrder(o, rng, n, &order);
    double* fan_row = b < fan.paths ? recorded.data() + b * fan.steps.size() : nullptr;
    const PathStats path = WalkPath(returns, order, start, report.ruin_equity,
                                    series->annualization, fan.steps, fan_row);
    finals[b] = path.final_equity;
    totals[b] = path.final_equity / start - 1.0;
    drawdowns[b] = path.max_drawdown;
    sharpes[b] = path.sharpe;
    ruined += path.ruined ? 1 : 0;
    below_start += path.final_equity < start ? 1 : 0;
  }
  FillBands(recorded, fan.paths, &fan);

  report.final_equity = Summarize(finals, original.final_equity);
  report.total_return = Summarize(totals, original.final_equity / start - 1.0);
  report.max_drawdown = Summarize(drawdowns, original.max_drawdown);
  report.sharpe = Summarize(sharpes, original.sharpe);
  const auto smoothed = [simulations](size_t count) {
    return MonteCarloProbability{
        count, static_cast<double>(count + 1) / static_cast<double>(simulations + 1)};
  };
  report.ruin = smoothed(ruined);
  report.final_below_start = smoothed(below_start);
  const auto [low, high] = std::minmax_element(finals.begin(), finals.end());
  report.final_equity_spread =
      (*high - *low) / std::max(std::fabs(report.final_equity.mean), start);
  return report;
}

}  // namespace btr
