// The schemas of POST /v1/backtests/{id}/monte-carlo, written from MonteCarloOptionsFromJson and
// MonteCarloReportToJson (engines/optimize/monte_carlo_json.cc); enumerations, defaults and
// limits are read from engines/optimize/monte_carlo.h.
#include <string>

#include "engines/optimize/monte_carlo.h"
#include "router/http/openapi_schema_util.h"

namespace btr::openapi_schema {
namespace {

json MethodEnum(const std::string& description) {
  using M = MonteCarloMethod;
  return EnumOf({M::kPermute, M::kBootstrap, M::kBlockBootstrap}, MonteCarloMethodName,
                description);
}

json SchemeEnum(const std::string& description) {
  return EnumOf({BlockScheme::kStationary, BlockScheme::kCircular}, BlockSchemeName, description);
}

json MonteCarloRequestSchema() {
  const MonteCarloOptions defaults;
  json method = MethodEnum(
      "permute: reorder the per-trade returns (path risk; the final equity is invariant); "
      "bootstrap: draw trade returns with replacement; block_bootstrap: resample blocks of "
      "daily returns");
  method["default"] = std::string(MonteCarloMethodName(defaults.method));
  json simulations = Int("Simulated paths; simulations × path length (trades or days) is at most " +
                         std::to_string(kMaxSimulatedSteps));
  simulations["minimum"] = 1;
  simulations["maximum"] = kMaxSimulations;
  simulations["default"] = defaults.simulations;
  json seed = Int("The generator's seed (xoshiro256**); the same seed gives the same answer");
  seed["minimum"] = 0;
  seed["maximum"] = kMaxMonteCarloSeed;
  seed["default"] = defaults.seed;
  json block_length =
      Int("block_bootstrap only: the (mean) block length in days, at most the number of daily "
          "returns; default ⌈n^(1/3)⌉");
  block_length["minimum"] = 1;
  json scheme = SchemeEnum(
      "block_bootstrap only: stationary (geometric lengths of mean block_length) or circular "
      "(blocks of exactly block_length)");
  scheme["default"] = std::string(BlockSchemeName(defaults.block_scheme));
  json ruin_pct = Num("A path is ruined when its equity touches (1 − ruin_pct) × the start");
  ruin_pct["exclusiveMinimum"] = 0;
  ruin_pct["maximum"] = 1;
  ruin_pct["default"] = defaults.ruin_pct;
  json request =
      Object("The settings of a Monte Carlo study, all optional. Unknown fields are refused.",
             {{"method", method},
              {"simulations", simulations},
              {"seed", seed},
              {"block_length", block_length},
              {"block_scheme", scheme},
              {"ruin_pct", ruin_pct}},
             {});
  request["additionalProperties"] = false;
  return request;
}

json DistributionSchema() {
  const json number = OrNull(Num());
  return Object(
      "One metric over the simulated paths; null where undefined (a Sharpe ratio without spread)",
      {{"original", OrNull(Num("On the original order, with the same path model"))},
       {"mean", number},
       {"p5", number},
       {"p25", number},
       {"p50", number},
       {"p75", number},
       {"p95", number},
       {"original_rank",
        OrNull(Num("Percent of paths below the original, ties counted half (0..100)"))},
       {"paths", Int("Paths where the metric is defined")}},
      {"original", "mean", "p5", "p25", "p50", "p75", "p95", "original_rank", "paths"});
}

json FanChartSchema() {
  const json band = Array(OrNull(Num()), "Equity per step");
  return Object(
      "Equity percentiles per step (at most " + std::to_string(kMaxFanPoints) +
          " steps, both ends kept), with the original path",
      {{"paths", Int("The bands are over the first this many simulations (at most " +
                     std::to_string(kMaxFanPaths) + ")")},
       {"step", Array(Int(), "Path steps drawn: 0 is the start, n the end")},
       {"time", Array(Time(), "unit day only: the original day's last bar time per step")},
       {"p5", band},
       {"p25", band},
       {"p50", band},
       {"p75", band},
       {"p95", band},
       {"original", band}},
      {"paths", "step", "p5", "p25", "p50", "p75", "p95", "original"});
}

json MonteCarloReportSchema() {
  json unit = Str("A path step: a closed trade (permute, bootstrap) or a calendar day");
  unit["enum"] = {std::string(MonteCarloUnitName(MonteCarloUnit::kTrade)),
                  std::string(MonteCarloUnitName(MonteCarloUnit::kDay))};
  const json distribution = SchemaRef("MonteCarloDistribution");
  const json probability = Num("(paths + 1) / (simulations + 1)");
  return Object(
      "Monte Carlo robustness of a backtest: each metric's distribution over simulated paths, "
      "ruin and loss probabilities, a fan chart, and what the method leaves unchanged",
      {{"method", MethodEnum("The method used")},
       {"unit", unit},
       {"simulations", Int()},
       {"seed", Int("The seed used: send it again to get the same answer")},
       {"ruin_pct", Num()},
       {"block_length", OrNull(Int("block_bootstrap: the block length used; null otherwise"))},
       {"block_scheme",
        {{"anyOf", {SchemeEnum("block_bootstrap: the scheme used"), {{"type", "null"}}}}}},
       {"steps", Int("Closed trades or daily returns used: the path length")},
       {"start_equity", Num("The backtest's initial cash")},
       {"run_final_equity",
        OrNull(Num("The backtest's last equity (the trade model's may differ: overlapping or "
                   "still open trades)"))},
       {"sharpe_annualization",
        OrNull(Num("The Sharpe ratios are per step times √ of this: 1 for trades, the observed "
                   "days per year for days"))},
       {"metrics", Object("Distributions of the path metrics",
                          {{"final_equity", distribution},
                           {"total_return", distribution},
                           {"max_drawdown", distribution},
                           {"sharpe", distribution}},
                          {"final_equity", "total_return", "max_drawdown", "sharpe"})},
       {"ruin", Object("Paths whose equity touched the ruin line",
                       {{"threshold_equity", Num("(1 − ruin_pct) × start_equity")},
                        {"paths", Int()},
                        {"probability", probability},
                        {"original", Bool("Whether the original path touched it")}},
                       {"threshold_equity", "paths", "probability", "original"})},
       {"final_below_start",
        Object("Paths that ended below the start equity",
               {{"paths", Int()}, {"probability", probability}}, {"paths", "probability"})},
       {"fan_chart", FanChartSchema()},
       {"invariant",
        Object("What the method leaves unchanged",
               {{"final_equity_spread",
                 OrNull(Num("(max − min) / max(|mean|, start) of the final equities: rounding "
                            "for permute"))},
                {"note", Str()}},
               {"final_equity_spread", "note"})}},
      {"method", "unit", "simulations", "seed", "ruin_pct", "block_length", "block_scheme", "steps",
       "start_equity", "run_final_equity", "sharpe_annualization", "metrics", "ruin",
       "final_below_start", "fan_chart", "invariant"});
}

}  // namespace

json MonteCarloSchemas() {
  return {{"MonteCarloRequest", MonteCarloRequestSchema()},
          {"MonteCarloDistribution", DistributionSchema()},
          {"MonteCarloReport", MonteCarloReportSchema()}};
}

}  // namespace btr::openapi_schema
