#include "engines/optimize/overfitting_json.h"

#include "engines/metrics/metrics_json.h"

namespace btr {
namespace {

nlohmann::json Numbers(const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (double v : values) out.push_back(MetricNumber(v));
  return out;
}

nlohmann::json Params(const std::vector<GridAxis>& axes, const std::vector<size_t>& coordinates) {
  nlohmann::json out = nlohmann::json::object();
  for (size_t k = 0; k < axes.size(); ++k) {
    out[axes[k].name] = MetricNumber(axes[k].values[coordinates[k]]);
  }
  return out;
}

}  // namespace

nlohmann::json ToJson(const DeflatedSharpe& d) {
  return {
      {"n_trials", MetricNumber(d.n_trials)},
      {"n_effective", MetricNumber(d.n_effective)},
      {"sharpe", MetricNumber(d.sharpe)},
      {"sharpe_variance", MetricNumber(d.sharpe_variance)},
      {"expected_max", MetricNumber(d.expected_max)},
      {"sr0", MetricNumber(d.sr0)},
      {"z", MetricNumber(d.z)},
      {"dsr", MetricNumber(d.dsr)},
      {"psr0", MetricNumber(d.psr0)},
      {"n_obs", MetricNumber(d.n_obs)},
      {"skew", MetricNumber(d.skew)},
      {"kurtosis", MetricNumber(d.kurtosis)},
  };
}

nlohmann::json ToJson(const PboResult& p, bool include_samples) {
  nlohmann::json out = {
      {"trials", p.trials},
      {"blocks", p.blocks},
      {"combinations", p.combinations},
      {"pbo", MetricNumber(p.pbo)},
      {"prob_oos_loss", MetricNumber(p.prob_oos_loss)},
      {"degradation",
       {{"slope", MetricNumber(p.degradation_slope)},
        {"intercept", MetricNumber(p.degradation_intercept)},
        {"r2", MetricNumber(p.degradation_r2)},
        {"points", p.degradation_points}}},
      {"logit_histogram", {{"edges", Numbers(p.histogram_edges)}, {"counts", p.histogram_counts}}},
  };
  if (include_samples) {
    out["logits"] = Numbers(p.logits);
    out["winner_is_sharpe"] = Numbers(p.winner_is_sharpe);
    out["winner_oos_sharpe"] = Numbers(p.winner_oos_sharpe);
  }
  return out;
}

nlohmann::json ToJson(const PlateauReport& r, const std::vector<GridAxis>& axes) {
  nlohmann::json edges = nlohmann::json::array();
  for (const AxisEdge& e : r.best_edges) {
    edges.push_back({{"param", axes[e.axis].name}, {"side", e.at_last ? "max" : "min"}});
  }
  nlohmann::json sensitivity = nlohmann::json::object();
  for (size_t k = 0; k < axes.size(); ++k)
    sensitivity[axes[k].name] = MetricNumber(r.sensitivity[k]);
  return {
      {"points", r.points},
      {"finite_points", r.finite_points},
      {"best",
       {{"index", r.best},
        {"params", Params(axes, r.best_coordinates)},
        {"value", MetricNumber(r.best_value)},
        {"neighbourhood_points", r.neighbourhood_points},
        {"neighbourhood_mean", MetricNumber(r.neighbourhood_mean)},
        {"neighbourhood_worst", MetricNumber(r.neighbourhood_worst)}}},
      {"best_at_edge", r.best_at_edge},
      {"edges", edges},
      {"local_maxima", r.local_maxima},
      {"robust_best",
       {{"index", r.robust_best},
        {"params", Params(axes, r.robust_best_coordinates)},
        {"value", MetricNumber(r.robust_best_value)},
        {"neighbourhood_mean", MetricNumber(r.robust_best_neighbourhood_mean)},
        {"neighbourhood_worst", MetricNumber(r.robust_best_neighbourhood_worst)}}},
      {"plateau",
       {{"tolerance", MetricNumber(r.tolerance)},
        {"neighbours", r.plateau_neighbours},
        {"share", MetricNumber(r.plateau_share)}}},
      {"sensitivity", sensitivity},
  };
}

}  // namespace btr
