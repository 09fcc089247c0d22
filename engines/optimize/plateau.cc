#include "engines/optimize/plateau.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The grid's shape. Scores are the objective signed so that higher is always better.
struct Grid {
  std::vector<size_t> size;    // values per axis
  std::vector<size_t> stride;  // index step per axis (row-major: the last axis has stride 1)
  size_t points = 0;

  size_t Coordinate(size_t index, size_t axis) const { return index / stride[axis] % size[axis]; }
};

Grid MakeGrid(const std::vector<GridAxis>& axes) {
  Grid g;
  const size_t d = axes.size();
  g.size.resize(d);
  g.stride.resize(d);
  g.points = 1;
  for (size_t k = d; k-- > 0;) {
    g.size[k] = axes[k].values.size();
    g.stride[k] = g.points;
    g.points *= g.size[k];
  }
  return g;
}

Status ValidatePlateauInput(const std::vector<GridAxis>& axes, size_t objective_size,
                            const PlateauOptions& opts) {
  if (axes.empty()) return Status::InvalidArgument("axes: expected at least one parameter axis");
  size_t points = 1;
  for (const GridAxis& axis : axes) {
    if (axis.values.empty()) {
      return Status::InvalidArgument("axes: axis '" + axis.name + "' has no values");
    }
    if (points > objective_size / axis.values.size())
      points = objective_size + 1;  // overflow
    else
      points *= axis.values.size();
  }
  if (points != objective_size) {
    return Status::InvalidArgument(
        "objective: expected one value per grid point (the product of the axis sizes), got " +
        std::to_string(objective_size) + " values");
  }
  if (!(opts.relative_tolerance >= 0) || !(opts.absolute_tolerance >= 0)) {
    return Status::InvalidArgument("relative_tolerance, absolute_tolerance: expected numbers >= 0");
  }
  return Status::Ok();
}

// Box filter over the ±1-step hypercube, one axis at a time (a separable filter): the sum and
// count of the finite scores and their minimum (+∞ where none).
struct Neighbourhoods {
  std::vector<double> sum, count, worst;
};

Neighbourhoods BoxFilter(const Grid& g, const std::vector<double>& score) {
  Neighbourhoods h;
  h.sum.resize(g.points);
  h.count.resize(g.points);
  h.worst.resize(g.points);
  for (size_t i = 0; i < g.points; ++i) {
    const bool finite = std::isfinite(score[i]);
    h.sum[i] = finite ? score[i] : 0.0;
    h.count[i] = finite ? 1.0 : 0.0;
    h.worst[i] = finite ? score[i] : kInf;
  }
  for (size_t axis = 0; axis < g.size.size(); ++axis) {
    const Neighbourhoods in = h;
    const size_t step = g.stride[axis];
    for (size_t i = 0; i < g.points; ++i) {
      const size_t c = g.Coordinate(i, axis);
      if (c > 0) {
        h.sum[i] += in.sum[i - step];
        h.count[i] += in.count[i - step];
        h.worst[i] = std::min(h.worst[i], in.worst[i - step]);
      }
      if (c + 1 < g.size[axis]) {
        h.sum[i] += in.sum[i + step];
        h.count[i] += in.count[i + step];
        h.worst[i] = std::min(h.worst[i], in.worst[i + step]);
      }
    }
  }
  return h;
}

bool IsLocalMaximum(const Grid& g, const std::vector<double>& score, size_t i) {
  for (size_t axis = 0; axis < g.size.size(); ++axis) {
    const size_t c = g.Coordinate(i, axis);
    const size_t step = g.stride[axis];
    if (c > 0 && std::isfinite(score[i - step]) && !(score[i] > score[i - step])) return false;
    if (c + 1 < g.size[axis] && std::isfinite(score[i + step]) && !(score[i] > score[i + step])) {
      return false;
    }
  }
  return true;
}

// Index of the highest finite value (ties: the lowest index), or points when none.
size_t ArgMaxFinite(const std::vector<double>& values, const std::vector<double>& score) {
  size_t best = values.size();
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(score[i])) continue;
    if (best == values.size() || values[i] > values[best]) best = i;
  }
  return best;
}

// Counts the finite hypercube neighbours of `center` and those with score ≥ floor.
void CountPlateau(const Grid& g, const std::vector<double>& score, size_t center, double floor,
                  size_t& neighbours, size_t& within) {
  const size_t d = g.size.size();
  std::vector<int> offset(d, -1);  // odometer over {−1, 0, 1}^D
  neighbours = within = 0;
  while (true) {
    bool inside = true, is_center = true;
    size_t index = center;
    for (size_t k = 0; k < d && inside; ++k) {
      const size_t c = g.Coordinate(center, k);
      if ((offset[k] < 0 && c == 0) || (offset[k] > 0 && c + 1 == g.size[k])) inside = false;
      is_center = is_center && offset[k] == 0;
      if (offset[k] < 0) index -= g.stride[k];
      if (offset[k] > 0) index += g.stride[k];
    }
    if (inside && !is_center && std::isfinite(score[index])) {
      ++neighbours;
      if (score[index] >= floor) ++within;
    }
    size_t k = 0;
    while (k < d && offset[k] == 1) offset[k++] = -1;
    if (k == d) return;
    ++offset[k];
  }
}

// Largest |Δ| per step along `axis` through `center` (objective or score: the same).
double SliceSensitivity(const Grid& g, const std::vector<double>& score, size_t center,
                        size_t axis) {
  const size_t step = g.stride[axis];
  const size_t first = center - g.Coordinate(center, axis) * step;
  double largest = kNaN;
  size_t previous = g.size[axis];  // none yet
  for (size_t j = 0; j < g.size[axis]; ++j) {
    const double v = score[first + j * step];
    if (!std::isfinite(v)) continue;
    if (previous != g.size[axis]) {
      const double per_step =
          std::fabs(v - score[first + previous * step]) / static_cast<double>(j - previous);
      if (!(largest >= per_step)) largest = per_step;
    }
    previous = j;
  }
  return largest;
}

}  // namespace

std::vector<size_t> GridCoordinates(const std::vector<GridAxis>& axes, size_t index) {
  const Grid g = MakeGrid(axes);
  std::vector<size_t> out(axes.size());
  for (size_t k = 0; k < axes.size(); ++k) out[k] = g.Coordinate(index, k);
  return out;
}

Result<PlateauReport> AnalyzePlateau(const std::vector<GridAxis>& axes,
                                     std::span<const double> objective,
                                     const PlateauOptions& opts) {
  BTR_RETURN_IF_ERROR(ValidatePlateauInput(axes, objective.size(), opts));
  const Grid g = MakeGrid(axes);
  const double sign = opts.direction == ObjectiveDirection::kMaximize ? 1.0 : -1.0;
  std::vector<double> score(g.points);
  for (size_t i = 0; i < g.points; ++i) score[i] = sign * objective[i];

  PlateauReport r;
  r.points = g.points;
  r.finite_points = static_cast<size_t>(
      std::count_if(score.begin(), score.end(), [](double v) { return std::isfinite(v); }));
  if (r.finite_points == 0) {
    return Status::InvalidArgument(
        "objective: no grid point has a finite value (every point was not run, excluded, or "
        "without trades)");
  }
  r.best = ArgMaxFinite(score, score);
  r.best_coordinates = GridCoordinates(axes, r.best);
  r.best_value = objective[r.best];
  for (size_t k = 0; k < axes.size(); ++k) {
    if (g.size[k] < 3) continue;
    if (r.best_coordinates[k] == 0) r.best_edges.push_back({k, false});
    if (r.best_coordinates[k] + 1 == g.size[k]) r.best_edges.push_back({k, true});
  }
  r.best_at_edge = !r.best_edges.empty();
  for (size_t i = 0; i < g.points; ++i) {
    if (std::isfinite(score[i]) && IsLocalMaximum(g, score, i)) ++r.local_maxima;
  }

  const Neighbourhoods h = BoxFilter(g, score);
  std::vector<double> mean(g.points);
  for (size_t i = 0; i < g.points; ++i) mean[i] = h.count[i] > 0 ? h.sum[i] / h.count[i] : kNaN;
  r.neighbourhood_points = static_cast<size_t>(h.count[r.best]);
  r.neighbourhood_mean = sign * mean[r.best];
  r.neighbourhood_worst = sign * h.worst[r.best];
  r.robust_best = ArgMaxFinite(mean, score);
  r.robust_best_coordinates = GridCoordinates(axes, r.robust_best);
  r.robust_best_value = objective[r.robust_best];
  r.robust_best_neighbourhood_mean = sign * mean[r.robust_best];
  r.robust_best_neighbourhood_worst = sign * h.worst[r.robust_best];

  r.tolerance =
      std::max(opts.relative_tolerance * std::fabs(r.best_value), opts.absolute_tolerance);
  size_t within = 0;
  CountPlateau(g, score, r.best, score[r.best] - r.tolerance, r.plateau_neighbours, within);
  r.plateau_share = r.plateau_neighbours == 0
                        ? kNaN
                        : static_cast<double>(within) / static_cast<double>(r.plateau_neighbours);
  for (size_t k = 0; k < axes.size(); ++k) {
    r.sensitivity.push_back(SliceSensitivity(g, score, r.best, k));
  }
  return r;
}

}  // namespace btr
