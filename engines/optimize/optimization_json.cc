// OptimizationToJson and OptimizationTrialsCsv (engines/optimize/optimization.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "engines/catalogue/catalogue.h"
#include "engines/catalogue/catalogue_json.h"
#include "engines/optimize/optimization.h"
#include "engines/optimize/overfitting_json.h"

namespace btr {
namespace {

using json = nlohmann::json;

json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Every parameter of the strategy at a grid point, typed as declared.
json ParamsJson(const OptimizationResult& r, size_t point) {
  const StrategyInfo* info = FindStrategy(r.space.strategy());
  std::vector<double> values;
  r.space.ValuesAt(point, &values);
  json out = json::object();
  for (size_t i = 0; i < info->params.size(); ++i) {
    out[info->params[i].name] = ParamValueToJson(info->params[i].type, values[i]);
  }
  return out;
}

json MetricsJson(const TrialResult& t) {
  json out = json::object();
  const auto& keys = MetricKeys();
  for (size_t i = 0; i < t.metrics.size() && i < keys.size(); ++i) out[keys[i]] = Number(t.metrics[i]);
  return out;
}

json TrialJson(const OptimizationResult& r, const TrialResult& t) {
  json out = {{"point", t.point}, {"params", ParamsJson(r, t.point)},
              {"objective", Number(t.objective)}};
  if (!t.status.ok()) {
    out["error"] = t.status.message();
  } else {
    out["metrics"] = MetricsJson(t);
  }
  return out;
}

// Trials with an objective, best first (ties: lower grid point first).
std::vector<size_t> Ranked(const OptimizationResult& r) {
  std::vector<size_t> order;
  for (size_t i = 0; i < r.trials.size(); ++i) {
    if (!std::isnan(r.trials[i].objective)) order.push_back(i);
  }
  const bool maximize = r.request.sweep.objective.maximize;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double x = r.trials[a].objective, y = r.trials[b].objective;
    return maximize ? x > y : x < y;
  });
  return order;
}

// The objective over the first one or two axes; with more axes each cell holds the best value
// over the others (max when maximizing, else min). Cells never run are null.
json HeatmapJson(const OptimizationResult& r) {
  const auto& axes = r.space.axes();
  const size_t nx = axes[0].values.size(), ny = axes.size() > 1 ? axes[1].values.size() : 1;
  std::vector<double> cells(nx * ny, std::nan(""));
  const bool maximize = r.request.sweep.objective.maximize;
  for (const TrialResult& t : r.trials) {
    if (std::isnan(t.objective)) continue;
    // Row-major with the last axis fastest: strip the axes after the second.
    size_t rest = 1;
    for (size_t a = 2; a < axes.size(); ++a) rest *= axes[a].values.size();
    const size_t pair = t.point / rest;
    const size_t x = axes.size() > 1 ? pair / ny : pair, y = axes.size() > 1 ? pair % ny : 0;
    double& cell = cells[y * nx + x];
    if (std::isnan(cell) || (maximize ? t.objective > cell : t.objective < cell)) cell = t.objective;
  }
  json out = {{"metric", r.request.sweep.objective.metric},
              {"x", {{"param", axes[0].name}, {"values", axes[0].values}}},
              {"aggregation", axes.size() > 2 ? (maximize ? "max" : "min") : "none"}};
  if (axes.size() == 1) {
    json line = json::array();
    for (double v : cells) line.push_back(Number(v));
    out["values"] = line;
    return out;
  }
  out["y"] = {{"param", axes[1].name}, {"values", axes[1].values}};
  json grid = json::array();  // grid[y][x]
  for (size_t y = 0; y < ny; ++y) {
    json row = json::array();
    for (size_t x = 0; x < nx; ++x) row.push_back(Number(cells[y * nx + x]));
    grid.push_back(row);
  }
  out["values"] = grid;
  return out;
}

json ErrorJson(const Status& s) { return {{"error", s.message()}}; }

json PlateauJson(const OptimizationResult& r) {
  const Result<PlateauReport>& p = r.analysis.plateau;
  if (!p.ok()) return ErrorJson(p.status());
  std::vector<GridAxis> axes;
  for (const ParamAxis& a : r.space.axes()) axes.push_back({a.name, a.values});
  return ToJson(*p, axes);
}

json RequestJson(const OptimizationResult& r) {
  const OptimizationRequest& q = r.request;
  json space = json::object();
  for (const ParamAxis& a : r.space.axes()) space[a.name] = a.values;
  json out = {{"strategy", q.strategy},
              {"space", space},
              {"params", q.params},
              {"constraints", q.constraints},
              {"objective",
               {{"metric", q.sweep.objective.metric},
                {"direction", q.sweep.objective.maximize ? "max" : "min"}}},
              {"method", q.method == SearchMethod::kGrid ? "grid" : "random"},
              {"min_trades", q.sweep.min_trades},
              {"blocks", q.sweep.blocks}};
  if (q.method == SearchMethod::kRandom) {
    out["max_tries"] = q.max_tries;
    out["seed"] = q.seed;
  }
  if (q.walk_forward.folds > 0) {
    out["walk_forward"] = {{"folds", q.walk_forward.folds},
                           {"test_fraction", q.walk_forward.test_fraction},
                           {"anchored", q.walk_forward.anchored}};
  }
  return out;
}

}  // namespace

json OptimizationToJson(const OptimizationResult& r, size_t top) {
  const std::vector<size_t> ranked = Ranked(r);
  json top_trials = json::array();
  for (size_t i = 0; i < ranked.size() && i < top; ++i) {
    json t = TrialJson(r, r.trials[ranked[i]]);
    t["rank"] = i + 1;
    top_trials.push_back(t);
  }
  json rows = json::array();
  for (const TrialResult& t : r.trials) {
    json row = r.space.AxisValuesAt(t.point);
    row.push_back(Number(t.objective));
    rows.push_back(row);
  }
  json columns = json::array();
  for (const ParamAxis& a : r.space.axes()) columns.push_back(a.name);
  columns.push_back("objective");
  json out = {
      {"request", RequestJson(r)},
      {"counts",
       {{"grid_points", r.space.grid_size()},
        {"excluded", r.excluded},
        {"trials", r.trials.size()},
        {"failed", r.failed},
        {"no_objective", r.no_objective}}},
      {"seconds", r.seconds},
      {"trials_per_second", r.seconds > 0 ? Number(r.trials.size() / r.seconds) : json(nullptr)},
      {"best", r.best < r.trials.size() ? TrialJson(r, r.trials[r.best]) : json(nullptr)},
      {"top", top_trials},
      {"trials", {{"columns", columns}, {"rows", rows}}},
      {"heatmap", HeatmapJson(r)},
      {"analysis",
       {{"deflated_sharpe", r.analysis.deflated_sharpe.ok()
                                 ? ToJson(*r.analysis.deflated_sharpe)
                                 : ErrorJson(r.analysis.deflated_sharpe.status())},
        {"pbo", r.analysis.pbo.ok() ? ToJson(*r.analysis.pbo) : ErrorJson(r.analysis.pbo.status())},
        {"plateau", PlateauJson(r)}}},
  };
  if (r.analysis.plateau.ok() && r.analysis.plateau->robust_best < r.space.grid_size()) {
    out["robust_best"] = {{"point", r.analysis.plateau->robust_best},
                          {"params", ParamsJson(r, r.analysis.plateau->robust_best)}};
  }
  if (r.walk_forward) out["walk_forward"] = WalkForwardToJson(r);
  return out;
}

std::string OptimizationTrialsCsv(const OptimizationResult& r) {
  std::string out;
  for (const ParamAxis& a : r.space.axes()) out += a.name + ",";
  for (const std::string& k : MetricKeys()) out += k + ",";
  out += "objective,error\n";
  char number[40];
  auto put = [&](double v) {
    if (std::isfinite(v)) {
      std::snprintf(number, sizeof number, "%.17g", v);
      out += number;
    }
    out += ",";
  };
  for (const TrialResult& t : r.trials) {
    for (double v : r.space.AxisValuesAt(t.point)) put(v);
    for (size_t i = 0; i < MetricKeys().size(); ++i) put(i < t.metrics.size() ? t.metrics[i] : std::nan(""));
    put(t.objective);
    // An error message is quoted, its quotes doubled (RFC 4180).
    std::string error = t.status.ok() ? "" : t.status.message();
    std::string quoted;
    for (char c : error) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += error.empty() ? "" : "\"" + quoted + "\"";
    out += "\n";
  }
  return out;
}

}  // namespace btr
