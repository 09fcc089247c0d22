// The named schemas of the OpenAPI document (components/schemas), written from what the
// handlers build: the dataset, strategy, engine, key and service routes, ComparisonService and
// compare::BuildReport, and ApiReply::Problem; the job and result schemas are in
// openapi_schemas_jobs.cc. Enumerations are read from the code that defines them. Response
// objects list every field the server sends:
// tests/router/integration/openapi_conformance_test.cc checks real answers against them, unknown
// fields included.
#include <string>
#include <vector>

#include "engines/catalogue/params.h"
#include "router/http/openapi_schema_util.h"
#include "routing/health/health_types.h"
#include "services/compare/metric_verdicts.h"
#include "services/store/store.h"

namespace btr {
namespace openapi_schema {
namespace {

json DatasetSchema() {
  return Object(
      "An uploaded dataset",
      {{"id", Str("ds_...")},
       {"name", Str()},
       {"sha256", Str("Of the uploaded bytes")},
       {"bars", Int()},
       {"bytes", Int()},
       {"start", Time("The first bar's time")},
       {"end", Time("The last bar's time")},
       {"created_at", Time()},
       {"existing",
        Bool("Present on an upload that matched a dataset already stored under that name with "
             "the same bytes: the answer is that dataset")}},
      {"id", "name", "sha256", "bars", "bytes", "start", "end", "created_at"});
}

json DatasetBarsSchema() {
  json bar = Object("One OHLC bucket of `step` bars",
                    {{"time", Time("The first bar's time")},
                     {"open", Num()},
                     {"high", Num()},
                     {"low", Num()},
                     {"close", Num()},
                     {"volume", Num()}},
                    {"time", "open", "high", "low", "close", "volume"});
  return Object("A dataset's bars, merged into buckets for charts",
                {{"dataset", Str()},
                 {"bars", Int("Bars in the range, before merging")},
                 {"step", Int("Bars per bucket")},
                 {"points", Array(bar)}},
                {"dataset", "bars", "step", "points"});
}

json StrategySchema() {
  using T = ParamType;
  json param =
      Object("A typed strategy parameter",
             {{"name", Str()},
              {"type", EnumOf({T::kInt, T::kFloat, T::kBool}, ParamTypeName, "The value's type")},
              {"default", {{"type", {"number", "boolean"}}}},
              {"min", Num("Inclusive")},
              {"max", Num("Inclusive")},
              {"description", Str()}},
             {"name", "type", "default", "min", "max", "description"});
  return Object("A catalogue strategy",
                {{"name", Str()},
                 {"description", Str()},
                 {"params", Array(param)},
                 {"engines", Array(Str(), "The engines that can run it")}},
                {"name", "description", "params", "engines"});
}

json EngineSchema() {
  using S = EngineState;
  using C = CircuitState;
  const json nullable_ms = OrNull(Num("Milliseconds; null without runs"));
  json probe =
      Object("The last health probe",
             {{"at", OrNull(Time())}, {"latency_ms", Num()}, {"ok", Bool()}, {"detail", Str()}},
             {"at", "latency_ms", "ok", "detail"});
  json minute = Object("Runs in one bucket of time",
                       {{"start", Time()},
                        {"runs", Int()},
                        {"failures", Int()},
                        {"p50_ms", nullable_ms},
                        {"p99_ms", nullable_ms}},
                       {"start", "runs", "failures", "p50_ms", "p99_ms"});
  json capabilities = Object("What the engine can run",
                             {{"strategies", Array(Str(), "The catalogue strategies it runs")},
                              {"languages", Array(Str(), "Languages of algorithm source it runs "
                                                         "(BacktestSpec.algorithm); empty: none")},
                              {"progress", Bool("It reports progress while it runs")},
                              {"cancel", Bool("A running job can be cancelled")},
                              {"max_bars", Int("The most bars one run may have")}},
                             {"strategies", "languages", "progress", "cancel", "max_bars"});
  return Object(
      "An engine with its health (docs/routing.md). A disabled engine may carry only name, "
      "state and hint.",
      {{"name", Str()},
       {"configured", Bool("false: a known engine this server's configuration does not enable "
                           "(state disabled; `hint` says how to enable it)")},
       {"state", EnumOf({S::kHealthy, S::kDegraded, S::kEjected, S::kDraining, S::kDisabled},
                        EngineStateName, "Routing state")},
       {"hint", Str("What to do about the state, e.g. how to enable a disabled engine")},
       {"reason", OrNull(Str("Why it is in this state"))},
       {"circuit", EnumOf({C::kClosed, C::kOpen, C::kHalfOpen}, CircuitStateName,
                          "Outlier detection's circuit")},
       {"up", Bool("It passes its health checks and its circuit is not open")},
       {"capabilities", capabilities},
       {"queue_depth", Int("Jobs waiting for this engine")},
       {"last_probe", OrNull(probe)},
       {"next_probe_at", OrNull(Time())},
       {"probe_interval_s", Num("Seconds")},
       {"probe_failures_in_row", Int()},
       {"run_failures_in_row", Int()},
       {"ejections", Int()},
       {"ejected_until", OrNull(Time())},
       {"window_runs", Int("Runs in the statistics window")},
       {"success_rate", OrNull(Num("0..1 over the window; null without runs"))},
       {"p50_ms", nullable_ms},
       {"p99_ms", nullable_ms},
       {"history", Object("Runs per bucket over the last hour, oldest first; buckets without "
                          "runs are absent",
                          {{"bucket_s", Num("Seconds per bucket")}, {"points", Array(minute)}},
                          {"bucket_s", "points"})},
       {"running", Int("Runs in progress")},
       {"workers", Int("Worker processes seen alive that serve this engine")}},
      {"name", "state"});
}

json KeyProperties() {
  return {
      {"id", Str()},
      {"tenant", Str()},
      {"role", EnumOf({Role::kUser, Role::kAdmin}, RoleName, "admin keys may use admin routes")},
      {"created_at", Time()},
      {"revoked", Bool()}};
}

json KeySchemas() {
  const std::vector<std::string> required = {"id", "tenant", "role", "created_at", "revoked"};
  json new_key = KeyProperties();
  new_key["key"] = Str("The secret, shown only in this answer");
  std::vector<std::string> new_required = required;
  new_required.emplace_back("key");
  json request = Object("A key to create",
                        {{"tenant", Str("The tenant the key acts for")},
                         {"role", EnumOf({Role::kUser, Role::kAdmin}, RoleName, "")}},
                        {"tenant"});
  request["properties"]["role"]["default"] = "user";
  return {
      {"Key", Object("An API key (without its secret)", KeyProperties(), required)},
      {"NewKey", Object("A created API key with its secret", new_key, new_required)},
      {"KeyRequest", request},
      {"KeyList", Object("Every API key", {{"items", Array(SchemaRef("Key"))}}, {"items"})},
      {"WhoAmI", Object("The calling key",
                        {{"tenant", Str()}, {"role", KeyProperties()["role"]}, {"key_id", Str()}},
                        {"tenant", "role", "key_id"})},
  };
}

// The spec fields an entry of a comparison may override: any but engine and fallback; a
// strategy object may name only params (merged into the base's).
json SpecOverridesSchema(json spec_properties) {
  spec_properties.erase("engine");
  spec_properties.erase("fallback");
  spec_properties.erase("sweep");
  json strategy = Object(
      "Replaces the base's name, or merges into its params",
      {{"name", Str()}, {"params", MapOf({{"type", {"number", "boolean"}}}, "By name")}}, {});
  strategy["additionalProperties"] = false;
  spec_properties["strategy"] = {{"anyOf", {Str("A strategy name"), strategy}}};
  json overrides = Object("Spec fields that replace the base's for one run", spec_properties, {});
  overrides["additionalProperties"] = false;
  return overrides;
}

json ComparisonRequestSchema() {
  json properties = JobSchemas()["BacktestSpec"]["properties"];
  properties.erase("engine");
  properties.erase("fallback");
  properties.erase("sweep");
  json entry = Object("An engine with overrides of the base spec and a label",
                      {{"engine", Str()},
                       {"overrides", SchemaRef("SpecOverrides")},
                       {"label", Str("The run's name in the report (1-100 characters)")}},
                      {"engine"});
  entry["additionalProperties"] = false;
  json engines = Array({{"anyOf", {Str("An engine name"), entry}}},
                       "The runs: 2 to compare.max_runs (default 8) entries; never auto");
  engines["minItems"] = 2;
  properties["engines"] = engines;
  json request = Object(
      "The body of POST /v1/backtests with \"engines\" in place of \"engine\" and \"fallback\"",
      properties, {"engines", "strategy", "dataset"});
  request["additionalProperties"] = false;
  return request;
}

json ComparisonRunSchema() {
  return Object("A run of a comparison",
                {{"label", Str()},
                 {"engine", Str()},
                 {"overrides", SchemaRef("SpecOverrides")},
                 {"backtest_id", OrNull(Str("null when the run could not be submitted"))},
                 {"status", SchemaRef("JobStatus")},
                 {"progress", Num("0..1")},
                 {"phase", Str()},
                 {"engine_used", OrNull(Str())},
                 {"error", OrNull(SchemaRef("Error"))}},
                {"label", "engine", "overrides", "backtest_id", "status", "progress", "phase",
                 "engine_used", "error"});
}

json ComparisonReportSchema() {
  using V = compare::Verdict;
  const json verdict = EnumOf({V::kAgree, V::kDiffer, V::kNotComparable}, compare::VerdictName, "");
  json metric = Object(
      "One canonical metric across the runs",
      {{"key", Str()}, {"verdict", verdict}, {"values", Array(AnyObject(), "Each run's numbers")}},
      {"key", "verdict", "values"});
  const json objects = Array(AnyObject());
  return Object(
      "The comparison report (docs/comparisons.md); only id and error when it could not be "
      "built",
      {{"version", Str("btr-compare/1")},
       {"id", Str()},
       {"created_at", Time()},
       {"baseline", OrNull(Str("The label of the run the others are compared with"))},
       {"tolerances", AnyObject("The tolerances of the verdicts")},
       {"inputs", AnyObject("The request and the datasets")},
       {"runs", objects},
       {"metrics", Array(metric)},
       {"pairs", objects},
       {"explanations", objects},
       {"curves", AnyObject("Equity and drawdown of each run")},
       {"error", SchemaRef("Error")}},
      {"id"});
}

json ComparisonSchemas() {
  const json status = Str("running, then succeeded (two runs or more succeeded) or failed");
  json summary_run = Object("A run of a comparison",
                            {{"label", Str()},
                             {"engine", Str()},
                             {"overrides", SchemaRef("SpecOverrides")},
                             {"backtest_id", OrNull(Str())}},
                            {"label", "engine", "overrides", "backtest_id"});
  json summary = Object("A comparison in a list",
                        {{"id", Str("cmp_...")},
                         {"status", status},
                         {"created_at", OrNull(Time())},
                         {"finished_at", OrNull(Time())},
                         {"runs", Array(summary_run)}},
                        {"id", "status", "created_at", "finished_at", "runs"});
  return {
      {"SpecOverrides", SpecOverridesSchema(JobSchemas()["BacktestSpec"]["properties"])},
      {"ComparisonRequest", ComparisonRequestSchema()},
      {"ComparisonRun", ComparisonRunSchema()},
      {"ComparisonReport", ComparisonReportSchema()},
      {"Comparison", Object("A comparison with its runs, and its report once done",
                            {{"id", Str("cmp_...")},
                             {"status", status},
                             {"created_at", OrNull(Time())},
                             {"finished_at", OrNull(Time())},
                             {"runs", Array(SchemaRef("ComparisonRun"))},
                             {"report", OrNull(SchemaRef("ComparisonReport"))}},
                            {"id", "status", "created_at", "finished_at", "runs", "report"})},
      {"ComparisonPage", Object("A page of comparisons, newest first",
                                {{"items", Array(summary)}, {"next_cursor", NextCursor()}},
                                {"items", "next_cursor"})},
  };
}

}  // namespace

json AllSchemas() {
  json schemas = JobSchemas();
  schemas.update(KeySchemas());
  schemas.update(ComparisonSchemas());
  schemas.update(OptimizationSchemas());
  schemas.update(MonteCarloSchemas());
  schemas.update({
      {"Dataset", DatasetSchema()},
      {"DatasetList",
       Object("The tenant's datasets", {{"items", Array(SchemaRef("Dataset"))}}, {"items"})},
      {"DatasetBars", DatasetBarsSchema()},
      {"Strategy", StrategySchema()},
      {"StrategyList",
       Object("The strategy catalogue", {{"items", Array(SchemaRef("Strategy"))}}, {"items"})},
      {"Engine", EngineSchema()},
      {"Worker",
       Object("A worker process: the embedded server's own workers, or a `btrouter worker`",
              {{"id", Str("<host>:<pid>")},
               {"host", Str()},
               {"pid", Int()},
               {"version", Str()},
               {"engines", Array(Str(), "The engines it serves")},
               {"threads", Int("Jobs it runs at once")},
               {"running", Int("Jobs running on it now")},
               {"finished", Int("Jobs it finished since it started")},
               {"started_at", Time()},
               {"seen_at", Time("Its last heartbeat")}},
              {"id", "host", "pid", "version", "engines", "threads", "running", "finished",
               "started_at", "seen_at"})},
      {"WorkerList", Object("The worker processes seen alive",
                            {{"items", Array(SchemaRef("Worker"))}}, {"items"})},
      {"Liveness", Object("The process is up", {{"status", Str("ok")}}, {"status"})},
      {"Readiness", Object("The store is reachable",
                           {{"status", Str("ready")}, {"queue_depth", Int("Jobs waiting")}},
                           {"status", "queue_depth"})},
      {"Problem", Object("RFC 9457 problem details",
                         {{"type", Str()},
                          {"title", Str()},
                          {"status", Int("The HTTP status")},
                          {"detail", Str()},
                          {"field", Str("The request field at fault, e.g. strategy.params.fast")},
                          {"instance", Str("The request path")}},
                         {"type", "title", "status"})},
  });
  return schemas;
}

}  // namespace openapi_schema

nlohmann::json OpenApiSchemas() { return openapi_schema::AllSchemas(); }

}  // namespace btr
