// ParamSpace: the parameter grid of a sweep over one catalogue strategy.
//
// Each swept parameter is an axis with an ordered list of values (given as a list, or as
// {min, max, step}: min, min + step, ... up to max inclusive). Parameters not swept keep a fixed
// value (the request's, else the catalogue default). Grid points are numbered row-major: the
// last axis varies fastest, so neighbouring points share the values of the earlier axes (the
// sweep runner shares indicators between them). A point is admissible when every constraint
// holds and the catalogue's own cross-parameter check passes.
//
// Limits: at most 8 axes, 10,000 values per axis and kMaxGridPoints points. Immutable once
// built; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engines/catalogue/strategy_info.h"
#include "engines/core/status.h"
#include "engines/optimize/constraint_expr.h"
#include "engines/spec.h"

namespace btr {

inline constexpr size_t kMaxGridPoints = 10'000'000;

struct ParamAxis {
  std::string name;
  std::vector<double> values;  // distinct, in the order given
};

// A {min, max, step} range as values: min + k * step for k = 0, 1, ... while <= max (with a
// tolerance of 1e-9 steps, so 0.1 steps reach their max). InvalidArgument naming `field` for
// step <= 0, max < min, non-finite numbers or more than 10,000 values.
Result<std::vector<double>> RangeValues(const std::string& field, double min, double max,
                                        double step);

class ParamSpace {
 public:
  // `axes` over the parameters of `strategy` (a catalogue name); `fixed` holds the values of
  // parameters that are not swept; `constraints` are ConstraintExpr texts over all the
  // strategy's parameter names. InvalidArgument names the field ("space.fast: ...",
  // "constraints[0]: ...") for an unknown strategy or parameter, a parameter both swept and
  // fixed, a value out of the parameter's range or of the wrong type, too many points.
  static Result<ParamSpace> Create(const std::string& strategy, std::vector<ParamAxis> axes,
                                   const std::map<std::string, double>& fixed,
                                   const std::vector<std::string>& constraints);

  const std::string& strategy() const { return info_->name; }
  const std::vector<ParamAxis>& axes() const { return axes_; }
  size_t grid_size() const { return grid_size_; }

  // Every parameter of the strategy at grid point `index` (< grid_size()), in the order of
  // param_names(): the axes' values at that point and the fixed values.
  void ValuesAt(size_t index, std::vector<double>* values) const;
  // The axis values only, one per axis.
  std::vector<double> AxisValuesAt(size_t index) const;
  const std::vector<std::string>& param_names() const { return names_; }
  // The strategy's ParamValues at `index`.
  ParamValues ParamsAt(size_t index) const;
  // True when the constraints and the catalogue's check hold at `index`.
  bool Admissible(size_t index) const;

 private:
  const StrategyInfo* info_ = nullptr;
  std::vector<ParamAxis> axes_;
  std::vector<size_t> axis_param_;  // axes_[a] is parameter names_[axis_param_[a]]
  std::vector<std::string> names_;  // every parameter of the strategy
  std::vector<double> base_;        // fixed values (and defaults), per names_
  std::vector<ConstraintExpr> constraints_;
  size_t grid_size_ = 0;
};

enum class SearchMethod { kGrid, kRandom };

// The grid points a sweep runs, in increasing index order: every admissible point (grid), or
// `max_tries` of them drawn without replacement (random; a value in (0, 1] is a fraction of
// the admissible points, rounded up; at least 1). The draw depends only on `seed` and the
// space. InvalidArgument naming "max_tries" for a bad count; FailedPrecondition when no point
// is admissible.
Result<std::vector<size_t>> SelectPoints(const ParamSpace& space, SearchMethod method,
                                         double max_tries, uint64_t seed);

}  // namespace btr
