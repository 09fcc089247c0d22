// The schemas of POST /v1/optimizations and its report, written from OptimizationRequestFromJson
// and OptimizationToJson (engines/optimize/optimization*.cc); the settings are the backtest
// spec's own.
#include "engines/optimize/sweep.h"
#include "router/http/openapi_schema_util.h"

namespace btr::openapi_schema {
namespace {

json AxisSchema() {
  json range = Object("min, min + step, ... up to max inclusive",
                      {{"min", Num()}, {"max", Num()}, {"step", Num("Default 1; > 0")}},
                      {"min", "max"});
  range["additionalProperties"] = false;
  return {{"anyOf",
           {Array({{"type", {"number", "boolean"}}}, "The values, in order"), range}}};
}

json WalkForwardRequestSchema() {
  json folds = Int("Train/test folds, 1..100");
  folds["default"] = 5;
  json fraction = Num("The out-of-sample share of each fold's window, in (0, 1)");
  fraction["default"] = 0.25;
  json anchored = {{"type", "boolean"},
                   {"default", false},
                   {"description", "Train windows all start at the first bar (else they roll)"}};
  json out = Object("Walk-forward: sweep each train window, run its best set on the test window "
                    "that follows (docs/optimization.md)",
                    {{"folds", folds}, {"test_fraction", fraction}, {"anchored", anchored}}, {});
  out["additionalProperties"] = false;
  return out;
}

json OptimizationRequestSchema() {
  json settings = JobSchemas()["BacktestSpec"]["properties"];
  for (const char* k : {"engine", "fallback", "strategy", "dataset", "sweep", "priority"}) {
    settings.erase(k);
  }
  json settings_object = Object("The backtest settings every trial shares (as in BacktestSpec)",
                                settings, {});
  settings_object["additionalProperties"] = false;
  json metric = Str("A canonical metric key (docs/metrics.md)");
  metric["enum"] = MetricKeys();
  json objective = Object("What ranks the trials", {{"metric", metric},
                                                    {"direction", {{"type", "string"},
                                                                   {"enum", {"max", "min"}},
                                                                   {"default", "max"}}}},
                          {});
  objective["additionalProperties"] = false;
  json blocks = Int("Time blocks of daily returns for PBO (CSCV): even, 2..24; 0 = no PBO");
  blocks["default"] = 16;
  json request = Object(
      "A parameter sweep of a catalogue strategy on a dataset, on one engine",
      {{"engine", Str("The engine that runs every trial (default native: in process, shared "
                      "indicators); another engine runs one backtest per set, `concurrency` at a "
                      "time; never auto")},
       {"dataset", Str("A dataset id from POST /v1/datasets")},
       {"strategy", Str("A catalogue strategy name (GET /v1/strategies)")},
       {"space", MapOf(AxisSchema(), "The swept parameters: a list of values or a range each; at "
                                     "most 8 parameters and 10,000,000 grid points")},
       {"params", MapOf({{"type", {"number", "boolean"}}}, "Fixed values of parameters not swept")},
       {"constraints", Array(Str("e.g. \"fast < slow\", \"slow >= 2 * fast\""),
                             "Conditions every point must meet (+ - * / and comparisons over "
                             "parameter names and numbers)")},
       {"objective", {{"anyOf", {metric, objective}}}},
       {"method", {{"type", "string"}, {"enum", {"grid", "random"}}, {"default", "grid"}}},
       {"max_tries", Num("random: points to run, a count >= 1 or a fraction in (0, 1]")},
       {"seed", Int("random: the draw's seed (default 1)")},
       {"min_trades", Num("Trials with fewer closed trades are not ranked (default 1)")},
       {"blocks", blocks},
       {"settings", settings_object},
       {"walk_forward", WalkForwardRequestSchema()},
       {"concurrency", Int("Engines other than native: runs in flight, 1..64 (default 4)")},
       {"priority", {{"type", "string"}, {"enum", {"high", "normal", "low"}}}}},
      {"dataset", "strategy", "space"});
  request["additionalProperties"] = false;
  return request;
}

json TrialSchema() {
  return Object("A trial: the parameters of a grid point and its canonical metrics",
                {{"point", Int("The grid index (row-major, last parameter fastest)")},
                 {"rank", Int("1 = best")},
                 {"params", MapOf({{"type", {"number", "boolean"}}}, "Every parameter")},
                 {"objective", SchemaRef("MetricValue")},
                 {"metrics", MapOf(SchemaRef("MetricValue"), "Canonical metrics by key")},
                 {"error", Str("Why the run failed")}},
                {"point", "params", "objective"});
}

json WalkForwardReportSchema() {
  json window = Object("A window of bars", {{"start", Str()}, {"end", Str()}, {"bars", Int()}},
                       {"start", "end", "bars"});
  json params = OrNull(MapOf({{"type", {"number", "boolean"}}}, "The chosen set (null: none)"));
  json metrics = MapOf(SchemaRef("MetricValue"), "Canonical metrics by key");
  json fold = Object(
      "One fold",
      {{"fold", Int("1-based")},
       {"train", window},
       {"test", window},
       {"trials", Int("Trials run on the train window")},
       {"params", params},
       {"train_objective", SchemaRef("MetricValue")},
       {"test_objective", SchemaRef("MetricValue")},
       {"train_annual_return", SchemaRef("MetricValue")},
       {"test_annual_return", SchemaRef("MetricValue")},
       {"efficiency", SchemaRef("MetricValue")},
       {"test_metrics", OrNull(metrics)}},
      {"fold", "train", "test", "trials", "params", "train_objective", "test_objective",
       "efficiency", "test_metrics"});
  json curve = Object("The stitched out-of-sample equity, at most 2000 points",
                      {{"bars", Int()},
                       {"points", Int()},
                       {"time", Array(Str())},
                       {"equity", Array(SchemaRef("MetricValue"))}},
                      {"bars", "points", "time", "equity"});
  return Object("The walk-forward: folds, the stitched out-of-sample curve and its metrics",
                {{"folds", Int()},
                 {"test_fraction", Num()},
                 {"anchored", {{"type", "boolean"}}},
                 {"windows", Array(fold)},
                 {"equity", curve},
                 {"metrics", metrics},
                 {"efficiency", SchemaRef("MetricValue")}},
                {"folds", "test_fraction", "anchored", "windows", "equity", "metrics",
                 "efficiency"});
}

json OptimizationReportSchema() {
  json counts = Object("How many points and trials",
                       {{"grid_points", Int()},
                        {"excluded", Int("Points the constraints or the strategy's rules excluded")},
                        {"trials", Int("Points run")},
                        {"failed", Int()},
                        {"no_objective", Int("Trials not ranked (min_trades, undefined metric)")}},
                       {"grid_points", "excluded", "trials", "failed", "no_objective"});
  json trials = Object("Every trial: one row of the swept parameters' values and the objective",
                       {{"columns", Array(Str())}, {"rows", Array(Array({{"type", {"number", "null"}}}))}},
                       {"columns", "rows"});
  json analysis =
      Object("The overfitting statistics (docs/optimization.md); {\"error\"} where one could not "
             "be computed",
             {{"deflated_sharpe", AnyObject()}, {"pbo", AnyObject()}, {"plateau", AnyObject()}},
             {"deflated_sharpe", "pbo", "plateau"});
  return Object(
      "A finished optimization",
      {{"request", AnyObject("The request, with ranges expanded to their values")},
       {"counts", counts},
       {"seconds", Num("Wall time of the trials")},
       {"trials_per_second", OrNull(Num())},
       {"best", {{"anyOf", {SchemaRef("OptimizationTrial"), {{"type", "null"}}}}}},
       {"robust_best", AnyObject("The point with the best neighbourhood mean (full grids)")},
       {"top", Array(SchemaRef("OptimizationTrial"), "The best trials, best first")},
       {"trials", trials},
       {"heatmap", AnyObject("The objective over the first two swept parameters (best over the "
                             "others)")},
       {"analysis", analysis},
       {"walk_forward", WalkForwardReportSchema()}},
      {"request", "counts", "seconds", "trials_per_second", "best", "top", "trials", "heatmap",
       "analysis"});
}

}  // namespace

json OptimizationSchemas() {
  return {{"OptimizationRequest", OptimizationRequestSchema()},
          {"OptimizationTrial", TrialSchema()},
          {"OptimizationReport", OptimizationReportSchema()}};
}

}  // namespace btr::openapi_schema
