#include "engines/metrics/metrics_json.h"

#include <cmath>

namespace btr {

nlohmann::json MetricNumber(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

nlohmann::json MetricsToJson(const Metrics& m) {
  nlohmann::json out = nlohmann::json::object();
  out["start"] = FormatIsoTime(m.start, true);
  out["end"] = FormatIsoTime(m.end, true);
  for (const auto& [key, value] : MetricsFields(m)) out[std::string(key)] = MetricNumber(value);
  const MetricsConventions& c = m.conventions;
  out["conventions"] = {
      {"annualization_periods", c.annualization_periods},
      {"risk_free_rate", c.risk_free_rate},
      {"return_sampling", c.return_sampling},
      {"bar_period_s", static_cast<double>(c.bar_period_ns) / 1e9},
      {"duration_resolution_s", static_cast<double>(c.duration_resolution_ns) / 1e9},
      {"definition_version", std::string(MetricsConventions::kDefinitionVersion)},
  };
  return out;
}

}  // namespace btr
