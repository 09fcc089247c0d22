#include "services/jobs/result_builder.h"

#include <cstring>

#include "engines/metrics/metrics.h"
#include "engines/metrics/metrics_json.h"

namespace btr {
namespace {

// {"raw": the engine's numbers verbatim, "metrics": mapped to canonical keys}.
nlohmann::json NativeJson(const NativeStats& native, const nlohmann::json& canonical) {
  nlohmann::json raw = nlohmann::json::parse(native.raw_json, nullptr, false);
  if (raw.is_discarded()) raw = nlohmann::json::object();
  nlohmann::json mapped = nlohmann::json::object();
  if (native.same_as_canonical) {
    for (const auto& [key, value] : canonical.items()) {
      if (key != "conventions" && key != "start" && key != "end") mapped[key] = value;
    }
  } else {
    for (const auto& [key, value] : native.metrics) mapped[key] = MetricNumber(value);
  }
  return {{"raw", std::move(raw)}, {"metrics", std::move(mapped)}};
}

}  // namespace

JobResult BuildResult(const BarSeries& bars, const EngineRun& run, const ResultContext& context) {
  MetricsInput in;
  in.time = bars.time;
  in.equity = run.equity;
  in.close = bars.close;
  in.first_trading_bar = run.warmup_bars;
  in.trades = run.trades;
  const Metrics metrics = ComputeMetrics(in);

  nlohmann::json metrics_json = MetricsToJson(metrics);
  nlohmann::json doc = {
      {"metrics", metrics_json},
      {"native", NativeJson(run.native, metrics_json)},
      {"conventions",
       {{"canonical", metrics_json["conventions"]}, {"engine", run.native.conventions}}},
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
