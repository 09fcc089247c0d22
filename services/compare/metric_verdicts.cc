#include "services/compare/metric_verdicts.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "engines/metrics/metrics.h"

namespace btr::compare {
namespace {

using nlohmann::json;

// A metric value: a number (NaN for null, ±inf for "inf"/"-inf"), a text (times), or absent.
struct Value {
  bool present = false;
  bool is_text = false;
  double number = std::numeric_limits<double>::quiet_NaN();
  std::string text;
};

Value Read(const json& object, const std::string& key) {
  Value v;
  if (!object.is_object()) return v;
  auto it = object.find(key);
  if (it == object.end()) return v;
  v.present = true;
  if (it->is_number()) {
    v.number = it->get<double>();
  } else if (it->is_string()) {
    const std::string s = it->get<std::string>();
    if (s == "inf" || s == "-inf") {
      v.number = s == "inf" ? std::numeric_limits<double>::infinity()
                            : -std::numeric_limits<double>::infinity();
    } else {
      v.is_text = true;
      v.text = s;
    }
  }
  return v;
}

struct Judged {
  Verdict verdict = Verdict::kNotComparable;
  json note = nullptr;
};

Judged Judge(const Value& a, const Value& b, const Tolerance& tol, const std::string& a_name,
             const std::string& b_name) {
  if (!a.present || !b.present) return {Verdict::kNotComparable, nullptr};
  if (a.is_text || b.is_text) {
    return {a.is_text && b.is_text && a.text == b.text ? Verdict::kAgree : Verdict::kDiffer,
            nullptr};
  }
  const bool na = std::isnan(a.number), nb = std::isnan(b.number);
  if (na && nb) return {Verdict::kAgree, "undefined for both"};
  if (na || nb) return {Verdict::kDiffer, "undefined for " + (na ? a_name : b_name)};
  return {tol.Equal(a.number, b.number) ? Verdict::kAgree : Verdict::kDiffer, nullptr};
}

json ValueJson(const Value& v) {
  if (!v.present) return nullptr;
  if (v.is_text) return v.text;
  if (std::isnan(v.number)) return nullptr;
  if (std::isinf(v.number)) return v.number > 0 ? "inf" : "-inf";
  return v.number;
}

// The canonical conventions each key depends on, beyond definition_version.
std::vector<std::string> DependsOn(const std::string& key) {
  static const std::set<std::string> kAnnualized = {
      "annual_return", "annual_volatility", "sharpe_ratio", "sortino_ratio", "calmar_ratio"};
  std::vector<std::string> out = {"definition_version"};
  if (kAnnualized.count(key) != 0) {
    out.push_back("annualization_periods");
    out.push_back("return_sampling");
  }
  if (key == "sharpe_ratio" || key == "sortino_ratio" || key == "alpha") {
    out.push_back("risk_free_rate");
  }
  if (key != "duration_s" && key.size() > 11 && key.ends_with("_duration_s")) {
    out.push_back("duration_resolution_s");
  }
  return out;
}

const json& Section(const json& result, const char* a, const char* b) {
  static const json kEmpty = json::object();
  auto it = result.find(a);
  if (it == result.end() || !it->is_object()) return kEmpty;
  auto jt = it->find(b);
  return jt != it->end() && jt->is_object() ? *jt : kEmpty;
}

const json& Canonical(const RunInput& run) {
  return Section(run.result, "conventions", "canonical");
}

// Why `key` cannot be compared between a and b: the convention it depends on that differs.
json ConventionMismatch(const RunInput& a, const RunInput& b, const std::string& key) {
  for (const std::string& c : DependsOn(key)) {
    const json va = Canonical(a).value(c, json(nullptr));
    const json vb = Canonical(b).value(c, json(nullptr));
    if (va != vb) return c + " " + va.dump() + " vs " + vb.dump();
  }
  return nullptr;
}

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kAgree:
      return "agree";
    case Verdict::kDiffer:
      return "differ";
    case Verdict::kNotComparable:
      return "not_comparable";
  }
  return "not_comparable";
}

const std::vector<std::string>& CanonicalKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out = {"start", "end"};
    for (const auto& [key, value] : MetricsFields(Metrics{})) out.emplace_back(key);
    return out;
  }();
  return keys;
}

json ConventionFor(const json& result, const std::string& key) {
  const json& engine = Section(result, "conventions", "engine");
  std::vector<std::string> topics = {key};
  if (key == "alpha" || key == "beta") topics.push_back("alpha_beta");
  if (key == "num_trades") topics.push_back("trade_counting");
  if (key == "commissions") topics.push_back("fees");
  if (key == "annual_return" || key == "annual_volatility") topics.push_back("annualization");
  for (const std::string& t : topics) {
    auto it = engine.find(t);
    if (it != engine.end() && it->is_string()) return *it;
  }
  return nullptr;
}

MetricsOutcome CompareMetrics(const std::vector<RunInput>& runs, const std::vector<size_t>& ok,
                              const CompareOptions& options) {
  MetricsOutcome out;
  if (ok.empty()) return out;
  // The keys: canonical order, then any other key a run reports, alphabetically.
  std::vector<std::string> keys = CanonicalKeys();
  std::set<std::string> extra;
  for (size_t r : ok) {
    const json metrics = runs[r].result.value("metrics", json::object());
    for (const auto& [key, value] : metrics.items()) {
      if (key != "conventions" && std::find(keys.begin(), keys.end(), key) == keys.end()) {
        extra.insert(key);
      }
    }
  }
  keys.insert(keys.end(), extra.begin(), extra.end());

  const RunInput& base = runs[ok.front()];
  for (size_t r : ok) {
    out.engine_differs[r] = json::array();
    out.engine_unmapped[r] = json::array();
  }
  for (const std::string& key : keys) {
    const Value base_value = Read(base.result.value("metrics", json::object()), key);
    json values = json::array();
    bool any_differ = false, any_agree = false;
    for (size_t r : ok) {
      const RunInput& run = runs[r];
      const Value canonical = Read(run.result.value("metrics", json::object()), key);
      const Value engine = Read(Section(run.result, "native", "metrics"), key);
      const Tolerance& tol = options.IsRounded(run.engine) ? options.rounded : options.exact;
      json entry = {
          {"run", run.label}, {"canonical", ValueJson(canonical)}, {"engine", ValueJson(engine)}};
      if (key != "start" && key != "end") {
        const Judged own = Judge(canonical, engine, tol, "btrouter", run.engine);
        entry["engine_verdict"] = VerdictName(own.verdict);
        json note = own.note;
        const json convention = ConventionFor(run.result, key);
        if (own.verdict == Verdict::kNotComparable) {
          note = convention.is_string()
                     ? convention
                     : json(run.engine + " does not report this number (not in native.metrics)");
          out.engine_unmapped[r].push_back(key);
        } else if (own.verdict == Verdict::kDiffer) {
          if (convention.is_string()) note = convention;
          out.engine_differs[r].push_back({{"key", key},
                                           {"canonical", ValueJson(canonical)},
                                           {"engine", ValueJson(engine)},
                                           {"delta", std::isfinite(engine.number - canonical.number)
                                                         ? json(engine.number - canonical.number)
                                                         : json(nullptr)},
                                           {"convention", convention}});
        }
        entry["engine_note"] = note;
      }
      if (r != ok.front()) {
        Judged cross = Judge(base_value, canonical, options.exact, base.label, run.label);
        const json mismatch = ConventionMismatch(base, run, key);
        if (!mismatch.is_null()) {
          cross = {Verdict::kNotComparable,
                   json("conventions differ: " + mismatch.get<std::string>())};
        }
        const double delta = canonical.number - base_value.number;
        const bool finite = std::isfinite(delta);
        json rel = nullptr;
        if (finite && base_value.number != 0) rel = delta / std::fabs(base_value.number);
        entry["vs_baseline"] = {{"verdict", VerdictName(cross.verdict)},
                                {"delta", finite ? json(delta) : json(nullptr)},
                                {"rel_delta", rel},
                                {"note", cross.note}};
        PairMetrics& pair = out.pairs[r];
        switch (cross.verdict) {
          case Verdict::kAgree:
            ++pair.agree;
            any_agree = true;
            break;
          case Verdict::kDiffer:
            ++pair.differ;
            any_differ = true;
            if (finite) {
              pair.largest.push_back({{"key", key},
                                      {"a", base_value.number},
                                      {"b", canonical.number},
                                      {"delta", delta},
                                      {"rel_delta", rel}});
            }
            break;
          case Verdict::kNotComparable:
            ++pair.not_comparable;
            pair.not_comparable_keys.push_back({{"key", key}, {"reason", cross.note}});
            break;
        }
      }
      values.push_back(std::move(entry));
    }
    Verdict overall = Verdict::kNotComparable;
    if (any_differ) {
      overall = Verdict::kDiffer;
    } else if (any_agree) {
      overall = Verdict::kAgree;
    }
    out.rows.push_back({{"key", key}, {"values", values}, {"verdict", VerdictName(overall)}});
  }
  // Largest relative difference first (a difference from 0 counts as the largest).
  for (auto& [r, pair] : out.pairs) {
    std::vector<json> list(pair.largest.begin(), pair.largest.end());
    auto size = [](const json& d) {
      return d["rel_delta"].is_number() ? std::fabs(d["rel_delta"].get<double>())
                                        : std::numeric_limits<double>::infinity();
    };
    std::stable_sort(list.begin(), list.end(),
                     [&](const json& x, const json& y) { return size(x) > size(y); });
    pair.largest = list;
  }
  return out;
}

}  // namespace btr::compare
