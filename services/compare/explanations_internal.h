// Internal to the explanations (explanations.cc, explanation_causes.cc): one explanation
// under construction and the text helpers the generators share.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "services/compare/metric_verdicts.h"
#include "services/compare/pair_analysis.h"

namespace btr::compare::internal {

struct Explanation {
  std::string cause;
  std::string text;
  nlohmann::json facts;
  size_t weight = 0;  // trades (or bars) it accounts for: the order of the causes
};

inline std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

inline std::string Quote(const nlohmann::json& text) {
  return text.is_string() ? "\"" + text.get<std::string>() + "\"" : "";
}

// A setting's value as typed: "true", "0.002", "5" (a whole number stored as 5.0), "unset".
inline std::string JsonText(const nlohmann::json& v) {
  if (v.is_null()) return "unset";
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == std::trunc(d) && std::fabs(d) < 1e15) return std::to_string(std::llround(d));
  }
  return v.dump();
}

// explanation_causes.cc: trades without a counterpart or left open, valuation between fills,
// time stamps within a bar, and a different warm-up.
void Trades(const PairAnalysis& p, std::vector<Explanation>* out);
void Valuation(const PairAnalysis& p, std::vector<Explanation>* out);
void Stamps(const PairAnalysis& p, std::vector<Explanation>* out);
void Warmup(const PairAnalysis& p, const PairMetrics& m, std::vector<Explanation>* out);

}  // namespace btr::compare::internal
