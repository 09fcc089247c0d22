// AnalyzeOptimization and FormatAnalysisText (engines/optimize/optimization.h).
#include <cmath>
#include <cstdio>

#include "engines/optimize/optimization.h"

namespace btr {
namespace {

// The trials that ran to a result.
std::vector<const TrialResult*> RunTrials(const OptimizationResult& r) {
  std::vector<const TrialResult*> out;
  for (const TrialResult& t : r.trials) {
    if (t.status.ok()) out.push_back(&t);
  }
  return out;
}

Result<DeflatedSharpe> Deflated(const OptimizationResult& r,
                                const std::vector<const TrialResult*>& run) {
  if (r.best >= r.trials.size()) {
    return Status::FailedPrecondition("no trial has an objective value: nothing was selected");
  }
  std::vector<double> sharpes;
  std::vector<std::vector<double>> block_means;
  for (const TrialResult* t : run) {
    sharpes.push_back(t->daily.Sharpe());
    if (t->blocks.empty()) continue;
    std::vector<double>& means = block_means.emplace_back();
    for (const Moments& b : t->blocks) means.push_back(b.mean);
  }
  // Grid neighbours are correlated: deflate for the effective number of independent trials,
  // measured on the trials' block mean returns (N itself without blocks).
  const double n = static_cast<double>(sharpes.size());
  const double n_effective = EffectiveTrials(n, MeanPairwiseCorrelation(block_means));
  return ComputeDeflatedSharpe(sharpes, n_effective, r.trials[r.best].daily);
}

Result<PboResult> Pbo(const OptimizationResult& r, const std::vector<const TrialResult*>& run) {
  if (r.request.sweep.blocks == 0) return Status::FailedPrecondition("blocks = 0: PBO not asked for");
  std::vector<std::vector<Moments>> blocks;
  for (const TrialResult* t : run) {
    if (t->blocks.size() == r.request.sweep.blocks) blocks.push_back(t->blocks);
  }
  if (blocks.size() < 2) {
    return Status::FailedPrecondition(
        "PBO needs at least 2 trials with " + std::to_string(r.request.sweep.blocks) +
        " blocks of daily returns (fewer days than blocks?)");
  }
  return ComputePbo(blocks);
}

Result<PlateauReport> Plateau(const OptimizationResult& r) {
  if (r.request.method != SearchMethod::kGrid) {
    return Status::FailedPrecondition("the surface analysis needs the whole grid (method grid)");
  }
  std::vector<GridAxis> axes;
  for (const ParamAxis& a : r.space.axes()) axes.push_back({a.name, a.values});
  std::vector<double> objective(r.space.grid_size(), std::nan(""));
  for (const TrialResult& t : r.trials) objective[t.point] = t.objective;
  PlateauOptions options;
  options.direction = r.request.sweep.objective.maximize ? ObjectiveDirection::kMaximize
                                                         : ObjectiveDirection::kMinimize;
  // Ratios (Sharpe, Sortino, ...) sit near 0 often: 10 % of a small best would be no plateau at
  // all, so they also get an absolute floor of 0.1.
  const std::string& metric = r.request.sweep.objective.metric;
  if (metric.size() > 6 && metric.compare(metric.size() - 6, 6, "_ratio") == 0) {
    options.absolute_tolerance = 0.1;
  }
  return AnalyzePlateau(axes, objective, options);
}

// `v` with `decimals` decimals ("n/a" when not finite).
std::string Fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string Count(size_t n) { return std::to_string(n); }

std::string DeflatedText(const Result<DeflatedSharpe>& d) {
  if (!d.ok()) return "deflated Sharpe ratio: not computed (" + d.status().message() + ")\n";
  const bool significant = std::isfinite(d->dsr) && d->dsr >= 0.95;
  return "deflated Sharpe ratio: " + Fixed(d->dsr, 3) +
         (significant ? " (significant at 5 %)" : " (not significant at 5 %)") +
         "\n  the best's daily Sharpe " + Fixed(d->sharpe, 4) + " against " + Fixed(d->sr0, 4) +
         " expected from the luckiest of " + Fixed(d->n_trials, 0) + " skill-less trials (" +
         Fixed(d->n_effective, 1) + " effective); PSR against 0: " + Fixed(d->psr0, 3) + "\n";
}

std::string PboText(const Result<PboResult>& p) {
  if (!p.ok()) return "PBO: not computed (" + p.status().message() + ")\n";
  return "probability of backtest overfitting (CSCV, " + Count(p->blocks) + " blocks, " +
         Count(p->combinations) + " splits): " + Fixed(p->pbo, 3) +
         "\n  the in-sample best lost money out of sample in " + Fixed(100 * p->prob_oos_loss, 1) +
         " % of splits; out-of-sample Sharpe = " + Fixed(p->degradation_slope, 3) +
         " x in-sample + " + Fixed(p->degradation_intercept, 4) + "\n";
}

std::string PointText(const OptimizationResult& r, size_t point) {
  std::string out;
  const std::vector<double> v = r.space.AxisValuesAt(point);
  for (size_t a = 0; a < v.size(); ++a) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", v[a]);
    out += (a == 0 ? "" : ", ") + r.space.axes()[a].name + "=" + value;
  }
  return out;
}

std::string PlateauText(const OptimizationResult& r, const Result<PlateauReport>& p) {
  if (!p.ok()) return "surface: not analysed (" + p.status().message() + ")\n";
  std::string out = "surface: ";
  if (p->best_at_edge) {
    out += "the best is at the edge of";
    for (const AxisEdge& e : p->best_edges) {
      out += " " + r.space.axes()[e.axis].name + (e.at_last ? " (its max)" : " (its min)");
    }
    out += ": widen the range; ";
  } else {
    out += "the best is inside the grid; ";
  }
  out += Count(p->local_maxima) + " local maxima; " + Fixed(100 * p->plateau_share, 0) +
         " % of the best's neighbours within " + Fixed(p->tolerance, 4) + " of it\n";
  if (p->robust_best != p->best) {
    out += "  robust best (best neighbourhood mean): " + PointText(r, p->robust_best) +
           ", objective " + Fixed(p->robust_best_value, 4) + " (neighbourhood mean " +
           Fixed(p->robust_best_neighbourhood_mean, 4) + ")\n";
  }
  return out;
}

}  // namespace

OptimizationAnalysis AnalyzeOptimization(const OptimizationResult& r) {
  const std::vector<const TrialResult*> run = RunTrials(r);
  OptimizationAnalysis a;
  a.deflated_sharpe = Deflated(r, run);
  a.pbo = Pbo(r, run);
  a.plateau = Plateau(r);
  return a;
}

std::string FormatAnalysisText(const OptimizationResult& r) {
  return DeflatedText(r.analysis.deflated_sharpe) + PboText(r.analysis.pbo) +
         PlateauText(r, r.analysis.plateau);
}

}  // namespace btr
