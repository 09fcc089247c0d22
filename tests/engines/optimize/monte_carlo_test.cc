// RunMonteCarlo on constructed runs whose answers are known: the permutation invariant, the
// zero floor, reproducibility from the seed, a ruin probability known in closed form, the
// original path's statistics by hand, the fan chart and the refusals.
#include "engines/optimize/monte_carlo.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "engines/optimize/monte_carlo_json.h"

namespace btr {
namespace {

// A run whose closed trades have exactly the fractional returns `f` in order: trade k enters on
// bar 2k + 1 and exits on bar 2k + 2, and the curve steps to the compounded equity at each exit.
struct ConstructedRun {
  std::vector<double> equity;
  std::vector<TradeRecord> trades;
  MonteCarloRun View() const { return {.initial_cash = 100, .equity = equity, .trades = trades}; }
};

ConstructedRun FromReturns(const std::vector<double>& f) {
  ConstructedRun run;
  double equity = 100;
  run.equity.push_back(equity);
  for (size_t k = 0; k < f.size(); ++k) {
    TradeRecord t;
    t.entry_bar = static_cast<long>(2 * k + 1);
    t.exit_bar = static_cast<long>(2 * k + 2);
    t.exit_price = 1;
    t.pnl = f[k] * equity;
    run.equity.push_back(equity);  // bar 2k + 1: entered
    equity = std::max(0.0, equity * (1 + f[k]));
    run.equity.push_back(equity);  // bar 2k + 2: closed
    run.trades.push_back(t);
  }
  return run;
}

// 300 returns in [−0.08, 0.1) from a simple linear congruential sequence (not the tested one).
std::vector<double> SomeReturns(size_t n) {
  std::vector<double> f;
  uint32_t state = 12345;
  for (size_t k = 0; k < n; ++k) {
    state = state * 1103515245u + 12345u;
    f.push_back(-0.08 + 0.18 * static_cast<double>((state >> 8) & 0xffff) / 65536.0);
  }
  return f;
}

MonteCarloOptions Options(MonteCarloMethod method, size_t simulations = 500, uint64_t seed = 1) {
  MonteCarloOptions o;
  o.method = method;
  o.simulations = simulations;
  o.seed = seed;
  return o;
}

TEST_CASE("monte carlo permute: every path ends at the same equity (1e-9 relative)") {
  const ConstructedRun run = FromReturns(SomeReturns(300));
  Result<MonteCarloReport> r = RunMonteCarlo(run.View(), Options(MonteCarloMethod::kPermute));
  REQUIRE(r.ok());
  const std::vector<double> f = SomeReturns(300);
  double expected = 100;
  for (double x : f) expected *= 1 + x;
  CHECK(r->final_equity.original == Approx(expected).epsilon(1e-12));
  CHECK(r->final_equity_spread <= 1e-9);
  for (double p : r->final_equity.percentiles) CHECK(p == Approx(expected).epsilon(1e-9));
  CHECK(r->final_equity.original_rank == Approx(50));  // all ties
  // The path does vary: drawdowns differ between orders.
  CHECK(r->max_drawdown.percentiles[4] > r->max_drawdown.percentiles[0]);
  CHECK(r->invariant_note.find("leaves the final equity unchanged") != std::string::npos);
  CHECK(r->unit == MonteCarloUnit::kTrade);
  CHECK(r->steps == 300);
}

TEST_CASE("monte carlo: no simulated equity is ever below zero") {
  // A leveraged loss beyond the whole account (f < −1; last in the run, which it ended) and
  // near-total losses among gains.
  const ConstructedRun run = FromReturns({0.3, -0.95, 0.5, 0.2, -0.9, 0.4, 0.1, -1.4});
  for (MonteCarloMethod method : {MonteCarloMethod::kPermute, MonteCarloMethod::kBootstrap}) {
    Result<MonteCarloReport> r = RunMonteCarlo(run.View(), Options(method, 400));
    REQUIRE(r.ok());
    for (const std::vector<double>& band : r->fan_chart.bands) {
      for (double e : band) CHECK(e >= 0);
    }
    CHECK(r->final_equity.percentiles[0] >= 0);
    CHECK(r->max_drawdown.percentiles[4] <= 1.0);
    CHECK(r->total_return.percentiles[0] >= -1.0);
  }
  // Every permutation meets the −140 % trade: all paths are ruined and end at 0.
  Result<MonteCarloReport> permuted =
      RunMonteCarlo(run.View(), Options(MonteCarloMethod::kPermute, 400));
  REQUIRE(permuted.ok());
  CHECK(permuted->ruin.paths == 400);
  CHECK(permuted->final_equity.percentiles[4] == 0.0);
  CHECK(permuted->original_ruined);
}

TEST_CASE("monte carlo: the same seed gives the same report; another seed another one") {
  const ConstructedRun run = FromReturns(SomeReturns(60));
  for (MonteCarloMethod method : {MonteCarloMethod::kPermute, MonteCarloMethod::kBootstrap}) {
    const auto report = [&](uint64_t seed) {
      Result<MonteCarloReport> r = RunMonteCarlo(run.View(), Options(method, 200, seed));
      REQUIRE(r.ok());
      return MonteCarloReportToJson(*r);
    };
    const nlohmann::json first = report(99);
    CHECK(report(99) == first);
    const nlohmann::json other = report(100);
    CHECK(other["seed"] == 100);
    CHECK(other["metrics"]["max_drawdown"] != first["metrics"]["max_drawdown"]);
    CHECK(other["fan_chart"]["p50"] != first["fan_chart"]["p50"]);
  }
}

TEST_CASE("monte carlo: the ruin probability of a constructed case is the known one") {
  // One −60 % trade and two +100 % trades from 100, ruin at 50 % (equity ≤ 50): only the orders
  // starting with the loss touch 40; the others stay ≥ 80. P(ruin) = 1/3; every path ends at 160.
  const ConstructedRun run = FromReturns({-0.6, 1.0, 1.0});
  constexpr size_t kB = 20000;
  Result<MonteCarloReport> r = RunMonteCarlo(run.View(), Options(MonteCarloMethod::kPermute, kB));
  REQUIRE(r.ok());
  CHECK(r->ruin_equity == Approx(50));
  CHECK(r->original_ruined);
  const double share = static_cast<double>(r->ruin.paths) / kB;
  CHECK(std::abs(share - 1.0 / 3) < 0.02);  // sd ≈ 0.0033
  CHECK(r->ruin.probability == Approx((r->ruin.paths + 1.0) / (kB + 1.0)));
  // Never below the start at the end: the smoothed estimate is 1/(B+1), not 0.
  CHECK(r->final_below_start.paths == 0);
  CHECK(r->final_below_start.probability == Approx(1.0 / (kB + 1)));
  // Drawdown: 60 % on the ruined third (100 → 40), 60 % too from 200 → 80 or 400 → 160: all 0.6.
  CHECK(r->max_drawdown.percentiles[0] == Approx(0.6));
  CHECK(r->max_drawdown.percentiles[4] == Approx(0.6));

  // A higher ruin line (ruin_pct 0.1: equity ≤ 90) is touched by the orders (−0.6, …) and
  // (+1, −0.6, +1) (200 → 80), not by (+1, +1, −0.6) (400 → 160): P = 2/3.
  MonteCarloOptions strict = Options(MonteCarloMethod::kPermute, kB);
  strict.ruin_pct = 0.1;
  Result<MonteCarloReport> s = RunMonteCarlo(run.View(), strict);
  REQUIRE(s.ok());
  CHECK(std::abs(static_cast<double>(s->ruin.paths) / kB - 2.0 / 3) < 0.02);
}

TEST_CASE("monte carlo: the original's statistics are those of the original order, by hand") {
  const ConstructedRun run = FromReturns({0.1, -0.2, 0.05});
  Result<MonteCarloReport> r = RunMonteCarlo(run.View(), Options(MonteCarloMethod::kBootstrap));
  REQUIRE(r.ok());
  // 100 → 110 → 88 → 92.4: max drawdown 1 − 88/110 = 0.2.
  CHECK(r->final_equity.original == Approx(92.4));
  CHECK(r->total_return.original == Approx(-0.076));
  CHECK(r->max_drawdown.original == Approx(0.2));
  // Per-trade Sharpe (no annualization): mean −1/60, sample sd √(0.0516667 / 2).
  const double mean = (0.1 - 0.2 + 0.05) / 3;
  const double var =
      (std::pow(0.1 - mean, 2) + std::pow(-0.2 - mean, 2) + std::pow(0.05 - mean, 2)) / 2;
  CHECK(r->sharpe.original == Approx(mean / std::sqrt(var)));
  CHECK(r->sharpe_annualization == 1);
  CHECK(r->run_final_equity == Approx(92.4));
  // Bootstrap spreads the final equity: 3 draws of 3 returns give 10 distinct products.
  CHECK(r->final_equity_spread > 0.1);
}

TEST_CASE("monte carlo: the fan chart has at most 200 steps from 0 to n and the original path") {
  const ConstructedRun run = FromReturns(SomeReturns(1000));
  Result<MonteCarloReport> r = RunMonteCarlo(run.View(), Options(MonteCarloMethod::kBootstrap, 50));
  REQUIRE(r.ok());
  const MonteCarloFanChart& fan = r->fan_chart;
  REQUIRE(fan.steps.size() == kMaxFanPoints);
  CHECK(fan.steps.front() == 0);
  CHECK(fan.steps.back() == 1000);
  CHECK(std::is_sorted(fan.steps.begin(), fan.steps.end()));
  CHECK(fan.paths == 50);
  CHECK(fan.times.empty());
  std::vector<size_t> identity(1000);
  std::iota(identity.begin(), identity.end(), size_t{0});
  const std::vector<double> f = SomeReturns(1000);
  const std::vector<double> path = CompoundPath(f, identity, 100);
  for (size_t j = 0; j < fan.steps.size(); ++j) {
    CHECK(fan.original[j] == Approx(path[fan.steps[j]]));
    CHECK(fan.bands[0][j] <= fan.bands[2][j]);
    CHECK(fan.bands[2][j] <= fan.bands[4][j]);
  }
  CHECK(fan.bands[2][0] == 100);

  const ConstructedRun small = FromReturns({0.1, -0.1, 0.2});
  Result<MonteCarloReport> s = RunMonteCarlo(small.View(), Options(MonteCarloMethod::kPermute, 5));
  REQUIRE(s.ok());
  CHECK(s->fan_chart.steps == std::vector<size_t>{0, 1, 2, 3});
}

TEST_CASE("monte carlo block bootstrap: daily returns; circular whole-length blocks keep the end") {
  // 40 days of two bars each, equity wandering.
  std::vector<double> equity;
  std::vector<TimeNs> times;
  const std::vector<double> f = SomeReturns(80);
  double e = 100;
  const TimeNs d0 = DaysFromCivil(2024, 1, 1) * kNsPerDay;
  for (size_t k = 0; k < 80; ++k) {
    e *= 1 + f[k];
    equity.push_back(e);
    times.push_back(d0 + static_cast<TimeNs>(k / 2) * kNsPerDay +
                    static_cast<TimeNs>(10 + 4 * (k % 2)) * kNsPerHour);
  }
  const MonteCarloRun run{.initial_cash = 100, .equity = equity, .bar_times = times};
  MonteCarloOptions o = Options(MonteCarloMethod::kBlockBootstrap, 300);
  Result<MonteCarloReport> stationary = RunMonteCarlo(run, o);
  REQUIRE(stationary.ok());
  CHECK(stationary->unit == MonteCarloUnit::kDay);
  CHECK(stationary->steps == 40);
  CHECK(stationary->options.block_length == 4);  // ⌈40^(1/3)⌉
  CHECK(stationary->final_equity.original == Approx(equity.back()));
  CHECK(stationary->final_equity_spread > 0.01);
  CHECK(stationary->sharpe_annualization == Approx(40 / (40 / 365.25)));  // every day has data
  REQUIRE(stationary->fan_chart.times.size() == 41);
  CHECK(stationary->fan_chart.times[0] == times[0]);
  CHECK(stationary->fan_chart.times[40] == times[79]);

  o.block_scheme = BlockScheme::kCircular;
  o.block_length = 40;
  Result<MonteCarloReport> rotated = RunMonteCarlo(run, o);
  REQUIRE(rotated.ok());
  CHECK(rotated->final_equity_spread <= 1e-9);
  CHECK(rotated->final_equity.percentiles[2] == Approx(equity.back()).epsilon(1e-9));
  CHECK(rotated->invariant_note.find("rotation") != std::string::npos);

  o.block_length = 41;
  Result<MonteCarloReport> too_long = RunMonteCarlo(run, o);
  REQUIRE(!too_long.ok());
  CHECK(too_long.status().message().rfind("block_length: ", 0) == 0);
}

TEST_CASE("monte carlo: too few trades or days, bad options and too much work are refused") {
  const ConstructedRun one = FromReturns({0.1});
  Result<MonteCarloReport> r = RunMonteCarlo(one.View(), Options(MonteCarloMethod::kPermute));
  REQUIRE(!r.ok());
  CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r.status().message().find("has 1 closed trade;") != std::string::npos);
  CHECK(r.status().message().find("at least 2") != std::string::npos);

  const std::vector<double> equity = {100, 101, 102};
  const TimeNs t = DaysFromCivil(2024, 1, 1) * kNsPerDay;
  const std::vector<TimeNs> same_day = {t, t + kNsPerHour, t + 2 * kNsPerHour};
  const MonteCarloRun one_day{.initial_cash = 100, .equity = equity, .bar_times = same_day};
  CHECK(RunMonteCarlo(one_day, Options(MonteCarloMethod::kBlockBootstrap)).status().code() ==
        StatusCode::kFailedPrecondition);

  const ConstructedRun run = FromReturns(SomeReturns(1000));
  const auto field_of = [&run](const MonteCarloOptions& o) {
    Result<MonteCarloReport> bad = RunMonteCarlo(run.View(), o);
    REQUIRE(!bad.ok());
    CHECK(bad.status().code() == StatusCode::kInvalidArgument);
    const std::string m = bad.status().message();
    return m.substr(0, m.find(':'));
  };
  MonteCarloOptions o = Options(MonteCarloMethod::kBootstrap, 0);
  CHECK(field_of(o) == "simulations");
  o.simulations = kMaxSimulations + 1;
  CHECK(field_of(o) == "simulations");
  o.simulations = 60000;  // × 1000 trades > 50,000,000 steps
  CHECK(field_of(o) == "simulations");
  Result<MonteCarloReport> work = RunMonteCarlo(run.View(), o);
  CHECK(work.status().message().find("at most 50000 simulations") != std::string::npos);
  o = Options(MonteCarloMethod::kBootstrap);
  o.ruin_pct = 0;
  CHECK(field_of(o) == "ruin_pct");
  o.ruin_pct = 1.5;
  CHECK(field_of(o) == "ruin_pct");
  o = Options(MonteCarloMethod::kPermute);
  o.block_length = 3;
  CHECK(field_of(o) == "block_length");
  o = Options(MonteCarloMethod::kPermute);
  o.seed = kMaxMonteCarloSeed + 1;
  CHECK(field_of(o) == "seed");
  MonteCarloRun no_cash = run.View();
  no_cash.initial_cash = 0;
  CHECK(RunMonteCarlo(no_cash, Options(MonteCarloMethod::kPermute))
            .status()
            .message()
            .rfind("initial_cash: ", 0) == 0);
}

}  // namespace
}  // namespace btr
