#include "engines/metrics/metrics_json.h"

#include <cmath>

namespace btr {

nlohmann::json MetricNumber(double v) {
  if (!std::isfinite(v)) return nullptr;
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

nlohmann::json TradeToJson(const TradeRecord& t) {
  nlohmann::json j = {
      {"size", t.size},
      {"entry_bar", t.entry_bar},
      {"entry_price", t.entry_price},
      {"entry_time", FormatIsoTime(t.entry_time, true)},
  };
  if (!t.is_open()) {
    j["exit_bar"] = t.exit_bar;
    j["exit_price"] = t.exit_price;
    j["exit_time"] = FormatIsoTime(t.exit_time, true);
  }
  j["pnl"] = MetricNumber(t.pnl);
  j["return_pct"] = MetricNumber(t.return_pct);
  j["commission"] = t.commission;
  if (!std::isnan(t.sl)) j["sl"] = t.sl;
  if (!std::isnan(t.tp)) j["tp"] = t.tp;
  if (!t.tag.empty()) j["tag"] = t.tag;
  return j;
}

nlohmann::json TradesToJson(std::span<const TradeRecord> trades) {
  nlohmann::json out = nlohmann::json::array();
  for (const TradeRecord& t : trades) out.push_back(TradeToJson(t));
  return out;
}

}  // namespace btr
