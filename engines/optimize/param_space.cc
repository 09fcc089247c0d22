#include "engines/optimize/param_space.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "engines/catalogue/catalogue.h"

namespace btr {
namespace {

constexpr size_t kMaxAxes = 8;
constexpr size_t kMaxAxisValues = 10'000;

size_t IndexOf(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

Status CheckAxis(const StrategyInfo& info, const ParamAxis& axis) {
  const std::string field = "space." + axis.name;
  if (axis.values.empty()) return Status::InvalidArgument(field + ": give at least one value");
  if (axis.values.size() > kMaxAxisValues) {
    return Status::InvalidArgument(field + ": at most " + std::to_string(kMaxAxisValues) +
                                   " values per parameter");
  }
  std::set<double> seen;
  ParamValues probe = ParamValues::Defaults(info.params);
  for (double v : axis.values) {
    BTR_RETURN_IF_ERROR(probe.SetNumber(info.params, axis.name, v).WithPrefix(field));
    if (!seen.insert(v).second) {
      return Status::InvalidArgument(field + ": the value " + std::to_string(v) +
                                     " is listed twice");
    }
  }
  return Status::Ok();
}

double TwelveDigits(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.12g", v);
  return std::strtod(text, nullptr);
}

}  // namespace

Result<std::vector<double>> RangeValues(const std::string& field, double min, double max,
                                        double step) {
  if (!std::isfinite(min) || !std::isfinite(max) || !std::isfinite(step)) {
    return Status::InvalidArgument(field + ": min, max and step must be finite numbers");
  }
  if (step <= 0) return Status::InvalidArgument(field + ": step must be > 0");
  if (max < min) return Status::InvalidArgument(field + ": max must be >= min");
  const double count = std::floor((max - min) / step + 1e-9) + 1;
  if (count > static_cast<double>(kMaxAxisValues)) {
    return Status::InvalidArgument(field + ": " + std::to_string(static_cast<long long>(count)) +
                                   " values; at most " + std::to_string(kMaxAxisValues) +
                                   " per parameter (raise step)");
  }
  // Whole steps from a whole min stay exact; other sums are read back at 12 significant digits,
  // so 0.1-steps give 0.3, not 0.30000000000000004.
  const bool whole_steps = std::trunc(min) == min && std::trunc(step) == step;
  std::vector<double> values;
  for (size_t k = 0; k < static_cast<size_t>(count); ++k) {
    const double v = min + static_cast<double>(k) * step;
    values.push_back(whole_steps ? v : TwelveDigits(v));
  }
  return values;
}

Result<ParamSpace> ParamSpace::Create(const std::string& strategy, std::vector<ParamAxis> axes,
                                      const std::map<std::string, double>& fixed,
                                      const std::vector<std::string>& constraints) {
  ParamSpace out;
  out.info_ = FindStrategy(strategy);
  if (out.info_ == nullptr) return UnknownStrategy(strategy).WithPrefix("strategy");
  if (axes.empty()) return Status::InvalidArgument("space: sweep at least one parameter");
  if (axes.size() > kMaxAxes) {
    return Status::InvalidArgument("space: at most " + std::to_string(kMaxAxes) + " parameters");
  }
  ParamValues base = ParamValues::Defaults(out.info_->params);
  for (const auto& [name, value] : fixed) {
    BTR_RETURN_IF_ERROR(base.SetNumber(out.info_->params, name, value).WithPrefix("params"));
  }
  for (const ParamSpec& p : out.info_->params) {
    out.names_.push_back(p.name);
    out.base_.push_back(base.Get(p.name));
  }
  double grid = 1;
  for (const ParamAxis& axis : axes) {
    BTR_RETURN_IF_ERROR(CheckAxis(*out.info_, axis));
    if (fixed.count(axis.name) != 0) {
      return Status::InvalidArgument("params." + axis.name +
                                     ": the parameter is swept (space); remove one of the two");
    }
    const size_t index = IndexOf(out.names_, axis.name);
    if (std::find(out.axis_param_.begin(), out.axis_param_.end(), index) !=
        out.axis_param_.end()) {
      return Status::InvalidArgument("space." + axis.name + ": the parameter is swept twice");
    }
    out.axis_param_.push_back(index);
    grid *= static_cast<double>(axis.values.size());
  }
  if (grid > static_cast<double>(kMaxGridPoints)) {
    return Status::InvalidArgument("space: " + std::to_string(static_cast<long long>(grid)) +
                                   " grid points; at most " + std::to_string(kMaxGridPoints) +
                                   " (use fewer values, or method random with max_tries)");
  }
  out.grid_size_ = static_cast<size_t>(grid);
  for (size_t i = 0; i < constraints.size(); ++i) {
    Result<ConstraintExpr> c = ConstraintExpr::Parse(constraints[i], out.names_);
    if (!c.ok()) return c.status().WithPrefix("constraints[" + std::to_string(i) + "]");
    out.constraints_.push_back(std::move(c).value());
  }
  out.axes_ = std::move(axes);
  return out;
}

std::vector<double> ParamSpace::AxisValuesAt(size_t index) const {
  std::vector<double> out(axes_.size());
  for (size_t a = axes_.size(); a-- > 0;) {
    const size_t n = axes_[a].values.size();
    out[a] = axes_[a].values[index % n];
    index /= n;
  }
  return out;
}

void ParamSpace::ValuesAt(size_t index, std::vector<double>* values) const {
  *values = base_;
  const std::vector<double> axis_values = AxisValuesAt(index);
  for (size_t a = 0; a < axes_.size(); ++a) (*values)[axis_param_[a]] = axis_values[a];
}

ParamValues ParamSpace::ParamsAt(size_t index) const {
  std::vector<double> values;
  ValuesAt(index, &values);
  ParamValues params = ParamValues::Defaults(info_->params);
  for (size_t i = 0; i < names_.size(); ++i) {
    // Every value was checked by Create (axes) or is a checked fixed value / default.
    (void)params.SetNumber(info_->params, names_[i], values[i]);
  }
  return params;
}

bool ParamSpace::Admissible(size_t index) const {
  std::vector<double> values;
  ValuesAt(index, &values);
  for (const ConstraintExpr& c : constraints_) {
    if (!c.Holds(values)) return false;
  }
  return !info_->check || info_->check(ParamsAt(index)).ok();
}

namespace {

// splitmix64: a small, fully specified generator, so a seed gives the same draw everywhere.
uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

Result<std::vector<size_t>> SelectPoints(const ParamSpace& space, SearchMethod method,
                                         double max_tries, uint64_t seed) {
  std::vector<size_t> admissible;
  for (size_t i = 0; i < space.grid_size(); ++i) {
    if (space.Admissible(i)) admissible.push_back(i);
  }
  if (admissible.empty()) {
    return Status::FailedPrecondition(
        "no grid point satisfies the constraints and the strategy's own rules; widen the space "
        "or relax the constraints");
  }
  if (method == SearchMethod::kGrid) return admissible;
  if (!std::isfinite(max_tries) || max_tries <= 0 ||
      (max_tries > 1 && std::trunc(max_tries) != max_tries)) {
    return Status::InvalidArgument(
        "max_tries: expected a whole count >= 1 or a fraction in (0, 1]");
  }
  const double wanted = max_tries <= 1
                            ? std::ceil(max_tries * static_cast<double>(admissible.size()))
                            : max_tries;
  const size_t count = std::min(admissible.size(), static_cast<size_t>(std::max(1.0, wanted)));
  // A partial Fisher-Yates shuffle of the admissible points, then back to grid order.
  uint64_t state = seed;
  for (size_t i = 0; i < count; ++i) {
    const size_t j = i + static_cast<size_t>(SplitMix64(&state) % (admissible.size() - i));
    std::swap(admissible[i], admissible[j]);
  }
  admissible.resize(count);
  std::sort(admissible.begin(), admissible.end());
  return admissible;
}

}  // namespace btr
