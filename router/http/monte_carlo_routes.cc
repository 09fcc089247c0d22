// POST /v1/backtests/{id}/monte-carlo: Monte Carlo robustness of a succeeded backtest of the
// caller's tenant (engines/optimize/monte_carlo.h), computed on request from the stored result:
// its closed trades and equity curve, and for block_bootstrap the dataset's bar times.
#include <string>
#include <vector>

#include "engines/core/json_text.h"
#include "engines/data/bar_cache.h"
#include "engines/optimize/monte_carlo_json.h"
#include "engines/spec_json.h"
#include "router/http/route_util.h"
#include "services/jobs/result_builder.h"

namespace btr {
namespace {

using route_util::Problem;

// What the study reads of a stored run; owns what MonteCarloRun views.
struct StoredRun {
  double initial_cash = 0;
  std::vector<double> equity;
  std::vector<TimeNs> bar_times;
  std::vector<TradeRecord> trades;

  MonteCarloRun View() const {
    return {
        .initial_cash = initial_cash, .equity = equity, .bar_times = bar_times, .trades = trades};
  }
};

// The bar times of the job's dataset, one per equity point.
Result<std::vector<TimeNs>> BarTimes(const ApiDeps& deps, const JobRecord& job,
                                     const BacktestSpec& spec, size_t points) {
  Result<DatasetRecord> dataset = deps.store->GetDataset(job.tenant, spec.dataset);
  if (!dataset.ok()) return dataset.status().WithPrefix("dataset");
  LoadOptions load;
  load.cache_dir = deps.cache_dir;
  Result<LoadedBars> bars = LoadBars(dataset->path, load);
  if (!bars.ok()) return bars.status().WithPrefix("dataset");
  if (bars->bars.size() != points) return Status::Internal("equity and dataset lengths differ");
  return std::vector<TimeNs>(bars->bars.time.begin(), bars->bars.time.end());
}

// The succeeded job's run (404 for no such job of the tenant, 409 unless it succeeded).
Result<StoredRun> LoadRun(const ApiDeps& deps, const ApiRequest& req, bool with_times) {
  Result<JobRecord> job = deps.store->GetJob(req.caller.tenant, req.params.at("id"));
  if (!job.ok()) return job.status();
  if (job->status != JobStatus::kSucceeded) {
    return Status::FailedPrecondition("status: the job is " +
                                      std::string(JobStatusName(job->status)) +
                                      "; Monte Carlo needs a succeeded backtest's result");
  }
  Result<JobResult> result = deps.store->GetResult(req.caller.tenant, job->id);
  if (!result.ok()) return result.status();
  Result<BacktestSpec> spec = SpecFromJson(nlohmann::json::parse(job->spec_json, nullptr, false));
  if (!spec.ok()) return spec.status();
  const nlohmann::json doc = nlohmann::json::parse(result->result_json, nullptr, false);
  if (doc.is_discarded()) return Status::Internal("stored result: not JSON");
  Result<std::vector<TradeRecord>> trades =
      ClosedTradesFromJson(doc.value("trades", nlohmann::json::array()));
  if (!trades.ok()) return Status::Internal("stored result: " + trades.status().message());
  StoredRun run;
  run.initial_cash = spec->cash;
  run.equity = DecodeEquity(result->equity);
  run.trades = std::move(trades).value();
  if (with_times) {
    Result<std::vector<TimeNs>> times = BarTimes(deps, *job, *spec, run.equity.size());
    if (!times.ok()) return times.status();
    run.bar_times = std::move(times).value();
  }
  return run;
}

ApiReply MonteCarlo(const ApiDeps& deps, const ApiRequest& req) {
  nlohmann::json body;  // an empty body: all defaults
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    body = ParseJson(req.body);
    if (body.is_discarded()) {
      return Problem(Status::InvalidArgument("body: malformed JSON (send a JSON object with any "
                                             "of method, simulations, seed, block_length, "
                                             "block_scheme, ruin_pct)"),
                     req);
    }
  }
  Result<MonteCarloOptions> options = MonteCarloOptionsFromJson(body);
  if (!options.ok()) return Problem(options.status(), req);
  Result<StoredRun> run = LoadRun(deps, req, options->method == MonteCarloMethod::kBlockBootstrap);
  if (!run.ok()) return Problem(run.status(), req);
  // Up to about a second of arithmetic (kMaxSimulatedSteps): off the I/O threads.
  ApiReply reply;
  reply.deferred = [run = std::move(run).value(), options = *options, path = req.path] {
    Result<MonteCarloReport> report = RunMonteCarlo(run.View(), options);
    if (!report.ok()) return ApiReply::Problem(report.status(), path);
    return ApiReply::Json(200, MonteCarloReportToJson(*report));
  };
  return reply;
}

}  // namespace

std::vector<ApiRoute> MonteCarloRoutes(const ApiDeps& deps) {
  ApiBody body = JsonBody("MonteCarloRequest");
  body.required = false;
  body.description = "The study's settings, all optional; no body: every default";
  return {{.method = "POST",
           .path = "/v1/backtests/{id}/monte-carlo",
           .summary = "Monte Carlo robustness of a succeeded backtest: trade-order permutation, "
                      "bootstrap of trade returns or block bootstrap of daily returns; "
                      "percentiles, P(ruin) and a fan chart (409 unless succeeded or with fewer "
                      "than 2 trades or days)",
           .handler = [deps](const ApiRequest& req) { return MonteCarlo(deps, req); },
           .success_schema = SchemaRef("MonteCarloReport"),
           .body = body,
           .problems = {409}}};
}

}  // namespace btr
