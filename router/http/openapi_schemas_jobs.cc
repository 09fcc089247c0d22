// The schemas of backtest jobs and their results, written from JobToJson
// (backtest_routes.cc), SpecFromJson/SpecToJson (engines/spec_json.cc), BuildResult
// (services/jobs/result_builder.cc) and MetricsToJson/TradeToJson
// (engines/metrics/metrics_json.cc); enumerations, metric keys and defaults are read from the code
// that defines them.
#include <string>
#include <vector>

#include "engines/metrics/metrics.h"
#include "engines/spec_json.h"
#include "router/http/openapi_schema_util.h"
#include "services/store/store.h"

namespace btr::openapi_schema {
namespace {

json JobStatusSchema() {
  using S = JobStatus;
  return EnumOf({S::kQueued, S::kRunning, S::kSucceeded, S::kFailed, S::kCancelled}, JobStatusName,
                "queued -> running -> succeeded | failed | cancelled");
}

json ErrorSchema() {
  return Object(
      "Why a job or run did not succeed",
      {{"code", Str("A status code name, e.g. invalid_argument, unavailable")}, {"message", Str()}},
      {"code", "message"});
}

// POST /v1/backtests; also the stored spec of a job (every field present).
json PriorityEnum(const std::string& description) {
  return {{"type", "string"}, {"enum", {"high", "normal", "low"}}, {"description", description}};
}

json BacktestSpecSchema() {
  const json d = SpecToJson(BacktestSpec{});
  auto with_default = [&d](json s, const char* field) {
    s["default"] = d[field];
    return s;
  };
  json strategy = Object(
      "A catalogue strategy (GET /v1/strategies) and its parameters",
      {{"name", Str("e.g. sma_cross")},
       {"params", MapOf({{"type", {"number", "boolean"}}},
                        "Parameter values by name; unnamed parameters take their defaults")}},
      {"name"});
  strategy["additionalProperties"] = false;
  json algorithm = Object(
      "An algorithm's own source instead of a catalogue strategy (engines whose capabilities "
      "list its language: lean_local and qc_cloud run python). Its settings "
      "other than cash stay at their defaults: the code sets its own fees and fills",
      {{"language", {{"type", "string"}, {"enum", {"python", "csharp"}}}},
       {"files", MapOf(Str(),
                       "File name (a relative path) -> source text; python needs "
                       "main.py, csharp a .cs file. At most 64 files, 256 KiB each, 1 MiB in all")},
       {"parameters", MapOf({{"type", {"string", "number", "boolean"}}},
                            "LEAN parameters the code reads with GetParameter; \"ticker\" "
                            "names the symbol the dataset is written as (default BTRDATA)")}},
      {"language", "files"});
  algorithm["additionalProperties"] = false;
  json cash = with_default(Num("Starting cash, in quote currency"), "cash");
  cash["exclusiveMinimum"] = 0;
  json commission =
      with_default(Num("Commission as a fraction of traded value (0.001 = 0.1 %)"), "commission");
  commission["minimum"] = -0.1;
  commission["exclusiveMaximum"] = 0.1;
  json commission_fixed = with_default(Num("Commission in cash per order"), "commission_fixed");
  commission_fixed["minimum"] = 0;
  json spread = with_default(Num("Bid-ask spread as a fraction of price"), "spread");
  spread["minimum"] = 0;
  spread["exclusiveMaximum"] = 1;
  json margin = with_default(Num("Margin ratio: 1 = no leverage, 0.02 = 50:1"), "margin");
  margin["exclusiveMinimum"] = 0;
  margin["maximum"] = 1;
  auto window_bound = [](const std::string& what) -> json {
    json date = Str("A date: YYYY-MM-DD");
    date["format"] = "date";
    json date_time = Str("A date-time: YYYY-MM-DDTHH:MM:SS[.fff]Z (Z or +00:00, or none)");
    date_time["format"] = "date-time";
    return {{"description",
             what + ", inclusive, in the dataset's own clock (bars carry no zone, so no other "
                    "offset is accepted). Stored normalized (a date as YYYY-MM-DD, a date-time as "
                    "YYYY-MM-DDTHH:MM:SS[.fffffffff]Z) and present only when set; absent, null or "
                    "\"\": from the dataset's first bar / to its last. The run uses the bars with "
                    "start <= time <= end (backtesting.py's df.loc[start:end]; indicators warm up "
                    "inside the window); fewer than 2 such bars fail the job with the dataset's "
                    "first and last bar times"},
            {"anyOf", {date, date_time, {{"type", "null"}}}}};
  };
  json spec = Object(
      "A backtest: strategy, data, cash, costs and fill rules. Unknown fields are refused.",
      {{"engine",
        Str("An engine name (GET /v1/engines) or auto; default: the server's engines.default")},
       {"fallback", Array(Str(),
                          "Engines to try, in order, when the chosen one cannot take the "
                          "job (default: engines.fallback)")},
       {"strategy", {{"anyOf", {Str("A strategy name, with default parameters"), strategy}}}},
       {"algorithm", algorithm},
       {"dataset", Str("A dataset id from POST /v1/datasets")},
       {"start", window_bound("The first bar time to run on (a date: its midnight)")},
       {"end", window_bound("The last bar time to run on (a date: that whole day)")},
       {"cash", cash},
       {"commission", commission},
       {"commission_fixed", commission_fixed},
       {"spread", spread},
       {"margin", margin},
       {"trade_on_close",
        with_default(Bool("Fill market orders at the signal bar's close, not the next open"),
                     "trade_on_close")},
       {"exclusive_orders",
        with_default(Bool("Each new order closes the open position first"), "exclusive_orders")},
       {"hedging", with_default(Bool("Allow long and short trades at once"), "hedging")},
       {"finalize_trades",
        with_default(Bool("Close open trades on the last bar so they count in the statistics"),
                     "finalize_trades")},
       {"sweep", AnyObject("Set on the jobs of POST /v1/optimizations: the optimization's "
                           "request (OptimizationRequest); POST /v1/backtests refuses it")},
       {"priority", PriorityEnum("Dispatch order of the job (POST only; a job attribute, not part "
                                 "of the spec): every waiting high job before any normal one, "
                                 "normal before low. Default normal")}},
      {"dataset"});
  spec["additionalProperties"] = false;
  // Exactly one of strategy and algorithm.
  spec["oneOf"] = json::array({{{"required", {"strategy"}}}, {{"required", {"algorithm"}}}});
  return spec;
}

json JobSchema() {
  json fallback =
      Object("A step of the fallback chain", {{"from", Str()}, {"to", Str()}, {"reason", Str()}},
             {"from", "to", "reason"});
  return Object(
      "A backtest job",
      {{"id", Str("bt_...")},
       {"status", SchemaRef("JobStatus")},
       {"progress", Num("0..1")},
       {"phase", Str("What the job is doing, e.g. queued, loading data, running")},
       {"engine_requested", Str("The engine the spec named (or auto)")},
       {"engine_used", OrNull(Str("The engine that ran it; null before it started"))},
       {"fallbacks", Array(fallback)},
       {"cancel_requested", Bool()},
       {"attempt", Int("Runs started so far (more than 1: an interrupted run was taken over)")},
       {"priority", PriorityEnum("Dispatch order")},
       {"created_at", OrNull(Time())},
       {"updated_at", OrNull(Time())},
       {"started_at", OrNull(Time())},
       {"finished_at", OrNull(Time())},
       {"spec", OrNull(SchemaRef("BacktestSpec"))},
       {"error", SchemaRef("Error")}},
      {"id", "status", "progress", "phase", "engine_requested", "engine_used", "fallbacks",
       "cancel_requested", "attempt", "priority", "created_at", "updated_at", "started_at",
       "finished_at", "spec"});
}

json MetricValueSchema() {
  return {{"description",
           "A metric: a number; null when undefined (e.g. a ratio over no trades); \"inf\" or "
           "\"-inf\" when infinite"},
          {"anyOf", {{{"type", "number"}}, {{"type", "null"}}, {{"enum", {"inf", "-inf"}}}}}};
}

json ConventionsSchema() {
  return Object("How the canonical metrics were computed",
                {{"annualization_periods", Num("Periods per year: 252, 365, 52, 12 or 1")},
                 {"risk_free_rate", Num()},
                 {"return_sampling", Str("Equity sampling period: D, W, ME or YE")},
                 {"bar_period_s", Num("Median bar spacing, seconds")},
                 {"duration_resolution_s", Num("Durations are rounded up to this, seconds")},
                 {"definition_version", Str()}},
                {"annualization_periods", "risk_free_rate", "return_sampling", "bar_period_s",
                 "duration_resolution_s", "definition_version"});
}

json MetricsSchema() {
  json properties = {{"start", Time()}, {"end", Time()}, {"conventions", SchemaRef("Conventions")}};
  std::vector<std::string> required = {"start", "end", "conventions"};
  for (const auto& [key, value] : MetricsFields(Metrics{})) {
    properties[std::string(key)] = SchemaRef("MetricValue");
    required.emplace_back(key);
  }
  return Object(
      "btrouter's canonical metrics (docs/metrics.md): fractions, durations in seconds (*_s)",
      properties, required);
}

json TradeSchema() {
  return Object(
      "A trade; exit fields only once closed, sl/tp/tag only when set",
      {{"size", Num("Units; negative for a short")},
       {"entry_bar", Int()},
       {"entry_price", Num()},
       {"entry_time", Time()},
       {"exit_bar", Int()},
       {"exit_price", Num()},
       {"exit_time", Time()},
       {"pnl", SchemaRef("MetricValue")},
       {"return_pct", SchemaRef("MetricValue")},
       {"commission", Num()},
       {"sl", Num()},
       {"tp", Num()},
       {"tag", Str()}},
      {"size", "entry_bar", "entry_price", "entry_time", "pnl", "return_pct", "commission"});
}

json ResultSchema() {
  return Object(
      "A succeeded backtest's result",
      {{"metrics", SchemaRef("Metrics")},
       {"native",
        Object("The engine's own numbers",
               {{"raw", AnyObject("Verbatim from the engine")},
                {"metrics", MapOf(SchemaRef("MetricValue"),
                                  "The engine's numbers under canonical keys, where the meaning "
                                  "matches")}},
               {"raw", "metrics"})},
       {"conventions", Object("The conventions of both sets of numbers",
                              {{"canonical", SchemaRef("Conventions")},
                               {"engine", MapOf(Str(), "The engine's own conventions")}},
                              {"canonical", "engine"})},
       {"trades", Array(SchemaRef("Trade"), "Closed trades")},
       {"open_trades", Array(SchemaRef("Trade"), "Trades still open at the end")},
       {"engine", Str()},
       {"engine_version", Str()},
       {"dataset",
        Object("The data the run used",
               {{"id", Str()},
                {"sha256", Str()},
                {"bars", Int("Bars the run used: those inside the spec's start and end")}},
               {"id", "sha256", "bars"})},
       {"warmup_bars", Int("Bars before the strategy's first decision")},
       {"run_seconds", Num("The engine's run time, seconds")}},
      {"metrics", "native", "conventions", "trades", "open_trades", "engine", "engine_version",
       "dataset", "warmup_bars", "run_seconds"});
}

// {"items": [item], "total", "next_cursor"}: a page of an array.
json OffsetPage(const char* item, const std::string& d) {
  return Object(d,
                {{"items", Array(SchemaRef(item))},
                 {"total", Int("Items in the whole array")},
                 {"next_cursor", NextCursor()}},
                {"items", "total", "next_cursor"});
}

json LogLineSchema() {
  return Object("A line of a job's log",
                {{"seq", Int()},
                 {"time", Time()},
                 {"level", Str("info, warn or error")},
                 {"source", Str("btrouter, or the engine's name")},
                 {"message", Str()}},
                {"seq", "time", "level", "source", "message"});
}

}  // namespace

json JobSchemas() {
  return {
      {"JobStatus", JobStatusSchema()},
      {"Error", ErrorSchema()},
      {"BacktestSpec", BacktestSpecSchema()},
      {"Job", JobSchema()},
      {"JobPage", Object("A page of jobs, newest first",
                         {{"items", Array(SchemaRef("Job"))}, {"next_cursor", NextCursor()}},
                         {"items", "next_cursor"})},
      {"MetricValue", MetricValueSchema()},
      {"Conventions", ConventionsSchema()},
      {"Metrics", MetricsSchema()},
      {"Trade", TradeSchema()},
      {"TradePage", OffsetPage("Trade", "A page of closed trades")},
      {"EquityPoint", Object("A point of the equity curve",
                             {{"time", Time()},
                              {"equity", Num()},
                              {"drawdown", Num("Fraction below the running peak, <= 0")}},
                             {"time", "equity", "drawdown"})},
      {"EquityPage", OffsetPage("EquityPoint", "A page of the equity curve")},
      {"Result", ResultSchema()},
      {"LogLine", LogLineSchema()},
      {"LogPage", Object("Log lines, oldest first",
                         {{"items", Array(SchemaRef("LogLine"))},
                          {"next_after", Int("Pass as ?after= to read the lines after these")}},
                         {"items", "next_after"})},
  };
}

}  // namespace btr::openapi_schema
