// Typed strategy parameters: each catalogue strategy declares its parameters (name, type,
// default, allowed range); user values arrive as text ("fast=10") or JSON and are validated
// against the declaration before a run starts. Plain values; thread-compatible.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr {

enum class ParamType { kInt, kFloat, kBool };
std::string_view ParamTypeName(ParamType type);  // "int", "float", "bool"

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kFloat;
  double default_value = 0;
  double min = 0;  // inclusive
  double max = 0;  // inclusive
  std::string help;
};

// Parameter values by name; ints and bools are stored as integral doubles (bool: 0 or 1).
class ParamValues {
 public:
  // The declared defaults.
  static ParamValues Defaults(const std::vector<ParamSpec>& specs);

  // Sets `name` from its text form, checked against `specs`. InvalidArgument names the
  // parameter, what was expected and what was given.
  Status SetFromText(const std::vector<ParamSpec>& specs, std::string_view name,
                     std::string_view text);
  // Sets `name` from a number (ints must be whole, bools 0 or 1), checked against `specs`.
  Status SetNumber(const std::vector<ParamSpec>& specs, std::string_view name, double value);

  // REQUIRES: `name` was declared (Defaults fills every declared name).
  double Get(std::string_view name) const;
  int GetInt(std::string_view name) const { return static_cast<int>(Get(name)); }
  bool GetBool(std::string_view name) const { return Get(name) != 0; }
  const std::map<std::string, double, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, double, std::less<>> values_;
};

// Parses "k=v" into its parts; InvalidArgument when there is no '=' or no name.
Status SplitAssignment(std::string_view text, std::string_view* name, std::string_view* value);

}  // namespace btr
