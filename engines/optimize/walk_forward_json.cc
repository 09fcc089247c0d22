// WalkForwardToJson (engines/optimize/optimization.h).
#include <algorithm>
#include <cmath>

#include "engines/catalogue/catalogue.h"
#include "engines/catalogue/catalogue_json.h"
#include "engines/optimize/optimization.h"

namespace btr {
namespace {

using json = nlohmann::json;

json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json MetricsJson(const std::vector<double>& values) {
  json out = json::object();
  const auto& keys = MetricKeys();
  for (size_t i = 0; i < values.size() && i < keys.size(); ++i) out[keys[i]] = Number(values[i]);
  return out;
}

json WindowJson(TimeNs start, TimeNs end, size_t bars) {
  return {{"start", FormatIsoTime(start, true)}, {"end", FormatIsoTime(end, true)}, {"bars", bars}};
}

json FoldJson(const StrategyInfo& info, const WalkForwardFold& f, size_t index) {
  const FoldWindow& w = f.window;
  json params = nullptr;
  if (f.has_best) {
    params = json::object();
    for (const ParamSpec& p : info.params) {
      auto it = f.params.find(p.name);
      if (it != f.params.end()) params[p.name] = ParamValueToJson(p.type, it->second);
    }
  }
  return {{"fold", index + 1},
          {"train", WindowJson(f.train_start, f.train_end, w.train_end - w.train_begin)},
          {"test", WindowJson(f.test_start, f.test_end, w.test_end - w.test_begin)},
          {"trials", f.trials},
          {"params", params},
          {"train_objective", Number(f.train_objective)},
          {"test_objective", Number(f.test_objective)},
          {"train_annual_return", Number(f.train_annual_return)},
          {"test_annual_return", Number(f.test_annual_return)},
          {"efficiency", Number(f.efficiency)},
          {"test_metrics", f.has_best ? MetricsJson(f.test_metrics) : json(nullptr)}};
}

// The stitched curve, thinned to at most `max_points` points: evenly spaced bars, always the
// last one.
json CurveJson(const WalkForwardResult& wf, size_t max_points) {
  const size_t n = wf.equity.size();
  const size_t stride = std::max<size_t>(1, (n + max_points - 1) / std::max<size_t>(1, max_points));
  json time = json::array(), equity = json::array();
  for (size_t i = 0; i < n; i += stride) {
    if (i + stride >= n) break;  // the last point is added below
    time.push_back(FormatIsoTime(wf.time[i], true));
    equity.push_back(Number(wf.equity[i]));
  }
  if (n > 0) {
    time.push_back(FormatIsoTime(wf.time[n - 1], true));
    equity.push_back(Number(wf.equity[n - 1]));
  }
  return {{"bars", n}, {"points", time.size()}, {"time", time}, {"equity", equity}};
}

}  // namespace

json WalkForwardToJson(const OptimizationResult& r, size_t max_points) {
  if (!r.walk_forward) return nullptr;
  const WalkForwardResult& wf = *r.walk_forward;
  const StrategyInfo* info = FindStrategy(r.space.strategy());
  json folds = json::array();
  for (size_t i = 0; i < wf.folds.size(); ++i) folds.push_back(FoldJson(*info, wf.folds[i], i));
  std::vector<double> metrics;
  for (const auto& field : MetricsFields(wf.metrics)) metrics.push_back(field.second);
  return {{"folds", wf.options.folds},
          {"test_fraction", wf.options.test_fraction},
          {"anchored", wf.options.anchored},
          {"windows", folds},
          {"equity", CurveJson(wf, max_points)},
          {"metrics", MetricsJson(metrics)},
          {"efficiency", Number(wf.efficiency)}};
}

}  // namespace btr
