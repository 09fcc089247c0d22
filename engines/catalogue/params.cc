#include "engines/catalogue/params.h"

#include <charconv>
#include <cmath>

namespace btr {
namespace {

const ParamSpec* FindSpec(const std::vector<ParamSpec>& specs, std::string_view name) {
  for (const ParamSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string Known(const std::vector<ParamSpec>& specs) {
  if (specs.empty()) return "this strategy takes no parameters";
  std::string out = "known parameters: ";
  for (size_t k = 0; k < specs.size(); ++k) out += (k ? ", " : "") + specs[k].name;
  return out;
}

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string Expected(const ParamSpec& s) {
  if (s.type == ParamType::kBool) return "true or false";
  return std::string(s.type == ParamType::kInt ? "an integer" : "a number") + " in [" + Fmt(s.min) +
         ", " + Fmt(s.max) + "]";
}

}  // namespace

std::string_view ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kInt:
      return "int";
    case ParamType::kFloat:
      return "float";
    case ParamType::kBool:
      return "bool";
  }
  return "float";
}

ParamValues ParamValues::Defaults(const std::vector<ParamSpec>& specs) {
  ParamValues v;
  for (const ParamSpec& s : specs) v.values_[s.name] = s.default_value;
  return v;
}

Status ParamValues::SetNumber(const std::vector<ParamSpec>& specs, std::string_view name,
                              double value) {
  const ParamSpec* spec = FindSpec(specs, name);
  if (spec == nullptr) {
    return Status::InvalidArgument("unknown parameter '" + std::string(name) + "' (" +
                                   Known(specs) + ")");
  }
  const bool whole = std::isfinite(value) && std::trunc(value) == value;
  bool ok = std::isfinite(value) && value >= spec->min && value <= spec->max;
  if (spec->type == ParamType::kInt) ok = ok && whole;
  if (spec->type == ParamType::kBool) ok = value == 0 || value == 1;
  if (!ok) {
    return Status::InvalidArgument("parameter '" + spec->name + "': expected " + Expected(*spec) +
                                   ", got " + Fmt(value));
  }
  values_[spec->name] = value;
  return Status::Ok();
}

Status ParamValues::SetFromText(const std::vector<ParamSpec>& specs, std::string_view name,
                                std::string_view text) {
  const ParamSpec* spec = FindSpec(specs, name);
  if (spec == nullptr) {
    return Status::InvalidArgument("unknown parameter '" + std::string(name) + "' (" +
                                   Known(specs) + ")");
  }
  auto bad = [&] {
    return Status::InvalidArgument("parameter '" + spec->name + "': expected " + Expected(*spec) +
                                   ", got '" + std::string(text) + "'");
  };
  if (spec->type == ParamType::kBool) {
    if (text == "true" || text == "1" || text == "yes") return SetNumber(specs, name, 1);
    if (text == "false" || text == "0" || text == "no") return SetNumber(specs, name, 0);
    return bad();
  }
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return bad();
  if (spec->type == ParamType::kInt && std::trunc(value) != value) return bad();
  return SetNumber(specs, name, value);
}

double ParamValues::Get(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? 0.0 : it->second;
}

Status SplitAssignment(std::string_view text, std::string_view* name, std::string_view* value) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("expected NAME=VALUE, got '" + std::string(text) + "'");
  }
  *name = text.substr(0, eq);
  *value = text.substr(eq + 1);
  return Status::Ok();
}

}  // namespace btr
