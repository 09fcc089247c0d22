// Plateau analysis of a full parameter grid: is the best point a lone peak or part of a
// plateau, is it at the edge of the searched range, how bumpy is the surface, and which point
// is best once each point is judged with its neighbours (docs/optimization.md, "Overfitting
// statistics").
//
// The grid is the cartesian product of the axes in row-major order: the LAST axis varies
// fastest, so point (i₀, …, i_{D−1}) has index ((i₀·|a₁| + i₁)·|a₂| + i₂)… The objective holds
// one value per point in the objective's own unit (e.g. an annualized Sharpe ratio); NaN marks a
// point without a value (not run, excluded by a constraint, no trades) and is ignored everywhere.
//
// Neighbourhoods, in grid steps (axis value order, not value distance):
//   * face neighbours: the points one step away along exactly one axis (up to 2·D);
//   * the hypercube of x: every point within ±1 step on every axis, x included (up to 3^D);
//     the hypercube neighbours are the hypercube without x (face and diagonal neighbours).
// Pure function; thread-safe; deterministic.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "engines/core/status.h"

namespace btr {

struct GridAxis {
  std::string name;            // the parameter's name
  std::vector<double> values;  // its values in grid order (usually increasing); at least 1
};

enum class ObjectiveDirection { kMaximize, kMinimize };

struct PlateauOptions {
  ObjectiveDirection direction = ObjectiveDirection::kMaximize;
  // A neighbour is on the plateau when it is worse than the best by at most
  // max(relative_tolerance·|best|, absolute_tolerance), in objective units. Defaults: 10 %,
  // no absolute floor. Set the floor for objectives that can be near 0 (0.1 for a Sharpe ratio).
  double relative_tolerance = 0.10;
  double absolute_tolerance = 0.0;
};

// The best point is on the first or last value of an axis that has at least 3 values.
struct AxisEdge {
  size_t axis = 0;       // index into the axes
  bool at_last = false;  // false: first value (index 0); true: last value
};

struct PlateauReport {
  size_t points = 0;         // grid points (product of the axis sizes)
  size_t finite_points = 0;  // points with a finite objective
  // The best finite point (maximum, or minimum when minimizing; ties: the lowest index), its
  // per-axis indices and its objective value.
  size_t best = 0;
  std::vector<size_t> best_coordinates;
  double best_value = 0;
  bool best_at_edge = false;         // !best_edges.empty()
  std::vector<AxisEdge> best_edges;  // in axis order
  // Finite points strictly better than every finite face neighbour (a point without finite
  // face neighbours counts; a flat plateau has none). Many modes mean a noisy surface.
  size_t local_maxima = 0;
  // Over the finite points of the best's hypercube (the best included): their count, mean, and
  // worst value (the minimum when maximizing, the maximum when minimizing); objective units.
  size_t neighbourhood_points = 0;
  double neighbourhood_mean = 0;
  double neighbourhood_worst = 0;
  // The finite point with the best hypercube mean (ties: the lowest index): the choice that
  // rewards plateaus over lone peaks. May differ from `best`.
  size_t robust_best = 0;
  std::vector<size_t> robust_best_coordinates;
  double robust_best_value = 0;               // its own objective value
  double robust_best_neighbourhood_mean = 0;  // its hypercube mean
  double robust_best_neighbourhood_worst = 0;
  // The plateau around the best: tolerance (objective units), the number of finite hypercube
  // neighbours, and the fraction of them within tolerance of the best (NaN without neighbours).
  double tolerance = 0;
  size_t plateau_neighbours = 0;
  double plateau_share = 0;
  // Per axis: the largest |Δobjective| per step between consecutive finite points of the 1-D
  // slice through the best along that axis (a gap of k steps divides by k); objective units per
  // step; NaN when the slice has fewer than 2 finite points.
  std::vector<double> sensitivity;
};

// InvalidArgument when there are no axes, an axis has no values, the grid size does not match
// objective.size(), a tolerance is negative or NaN, or no point has a finite objective.
Result<PlateauReport> AnalyzePlateau(const std::vector<GridAxis>& axes,
                                     std::span<const double> objective,
                                     const PlateauOptions& opts = {});

// The per-axis indices of grid point `index` (row-major, last axis fastest).
// REQUIRES: index < the grid size.
std::vector<size_t> GridCoordinates(const std::vector<GridAxis>& axes, size_t index);

}  // namespace btr
