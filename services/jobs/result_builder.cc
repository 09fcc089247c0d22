#include "services/jobs/result_builder.h"

#include <cstring>

#include "engines/metrics/metrics.h"
#include "engines/metrics/metrics_json.h"

namespace btr {

JobResult BuildResult(const BarSeries& bars, const EngineRun& run, const ResultContext& context) {
  MetricsInput in;
  in.time = bars.time;
  in.equity = run.equity;
  in.close = bars.close;
  in.first_trading_bar = run.warmup_bars;
  in.trades = run.trades;
  const Metrics metrics = ComputeMetrics(in);

  nlohmann::json native = nlohmann::json::parse(run.native_stats_json, nullptr, false);
  if (native.is_discarded()) native = nlohmann::json::object();
  nlohmann::json doc = {
      {"metrics", MetricsToJson(metrics)},
      {"native", native},
      {"trades", TradesToJson(run.trades)},
      {"open_trades", TradesToJson(run.open_trades)},
      {"engine", context.engine},
      {"engine_version", run.engine_version},
      {"dataset",
       {{"id", context.dataset_id}, {"sha256", context.dataset_sha256}, {"bars", bars.size()}}},
      {"warmup_bars", run.warmup_bars},
      {"run_seconds", run.run_seconds},
  };
  JobResult result;
  result.result_json = doc.dump();
  result.equity.resize(run.equity.size() * sizeof(double));
  if (!run.equity.empty())
    std::memcpy(result.equity.data(), run.equity.data(), result.equity.size());
  return result;
}

std::vector<double> DecodeEquity(const std::string& blob) {
  if (blob.size() % sizeof(double) != 0) return {};
  std::vector<double> out(blob.size() / sizeof(double));
  if (!out.empty()) std::memcpy(out.data(), blob.data(), blob.size());
  return out;
}

}  // namespace btr
