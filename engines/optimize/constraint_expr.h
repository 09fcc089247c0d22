// ConstraintExpr: one constraint on a sweep's parameters, written as a comparison of two
// arithmetic expressions over parameter names and numbers, e.g. "fast < slow",
// "slow >= 2 * fast + 5", "(upper - lower) / 2 != 3".
//
// Grammar (whitespace ignored):
//   constraint := sum op sum          op := "<" | "<=" | ">" | ">=" | "==" | "!="
//   sum        := product (("+" | "-") product)*
//   product    := unary (("*" | "/") unary)*
//   unary      := "-" unary | number | name | "(" sum ")"
// Names are parameter names ([A-Za-z_][A-Za-z0-9_]*); numbers are decimal (1, 2.5, 1e-3).
// Arithmetic is IEEE double; a comparison involving NaN (0 / 0) is false, so the point is
// excluded. Immutable once parsed; thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr {

class ConstraintExpr {
 public:
  // Parses `text`; each name must be one of `names` (a value is then read at that name's
  // index). InvalidArgument quotes the text and says what is wrong and where.
  static Result<ConstraintExpr> Parse(std::string_view text,
                                      const std::vector<std::string>& names);

  // True when the point with `values` (indexed as `names` at Parse) satisfies the constraint.
  bool Holds(std::span<const double> values) const;
  const std::string& text() const { return text_; }

  struct Node;  // the parsed tree (constraint_expr.cc)

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

}  // namespace btr
