// Number formatting of the explanations and the run-level definition notes (explanations.h).
#include <cmath>
#include <cstdio>

#include "services/compare/explanations.h"
#include "services/compare/report_format.h"

namespace btr::compare {
namespace {

using nlohmann::json;

std::string Quote(const json& text) {
  return text.is_string() ? "\"" + text.get<std::string>() + "\"" : "";
}

}  // namespace

std::string Num(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "undefined" : (v > 0 ? "inf" : "-inf");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string Money(double v) { return std::isfinite(v) ? FormatGrouped(v, 2) : Num(v); }

std::string MetricText(const std::string& key, double v) {
  const Unit unit = FormatOfKey(key).unit;
  if (!std::isfinite(v)) return Num(v);
  if (unit == Unit::kFraction) return Num(100 * v) + " %";
  if (unit == Unit::kMoney || unit == Unit::kSeconds || unit == Unit::kCount) {
    return FormatValue(v, unit);
  }
  return Num(v);
}

std::string Ratio(size_t n, size_t m) { return std::to_string(n) + "/" + std::to_string(m); }

std::string ShortTime(TimeNs t) {
  const std::string iso = FormatIsoTime(t);
  if (t % kNsPerDay == 0) return iso.substr(0, 10);
  return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

json ExplainRunDefinitions(const RunInput& run, const json& differs, const json& unmapped) {
  json out = json::array();
  for (const json& d : differs) {
    const std::string key = d["key"].get<std::string>();
    auto text_of = [&key](const json& v) {
      return v.is_number() ? MetricText(key, v.get<double>()) : v.dump();
    };
    std::string text = "definitions: " + run.engine + "'s own " + key + " is " +
                       text_of(d["engine"]) + " where btrouter computes " +
                       text_of(d["canonical"]) + " from the same run's equity and trades";
    if (d["delta"].is_number()) text += " (difference " + text_of(d["delta"]) + ")";
    text += ".";
    if (d["convention"].is_string()) text += " Its conventions: " + Quote(d["convention"]) + ".";
    out.push_back({{"cause", "definitions"}, {"run", run.label}, {"text", text}, {"facts", d}});
  }
  if (!unmapped.empty() && run.result.contains("native")) {
    std::string keys;
    json topics = json::array();
    for (const json& k : unmapped) {
      keys += (keys.empty() ? "" : ", ") + k.get<std::string>();
      if (ConventionFor(run.result, k.get<std::string>()).is_string()) topics.push_back(k);
    }
    const size_t numeric = CanonicalKeys().size() - 2;  // start and end are times
    const size_t reported = unmapped.size() < numeric ? numeric - unmapped.size() : 0;
    std::string text = "definitions: " + run.engine + " reports " + Ratio(reported, numeric) +
                       " canonical keys under the canonical definition; not mapped: " + keys + ".";
    if (!topics.empty()) {
      text += " Its conventions explain " + std::to_string(topics.size()) + " of them (" +
              topics.dump() + ").";
    }
    out.push_back({{"cause", "definitions"},
                   {"run", run.label},
                   {"text", text},
                   {"facts", {{"unmapped", unmapped}, {"explained_by_conventions", topics}}}});
  }
  return out;
}

}  // namespace btr::compare
