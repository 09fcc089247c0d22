#include "cli/report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "engines/metrics/metric_format.h"
#include "engines/metrics/metrics_json.h"

namespace btr::cli {
namespace {

constexpr size_t kLabelWidth = 26;

void AppendRow(std::string* out, std::string_view label, const std::string& value) {
  std::string row(label);
  row.resize(std::max(kLabelWidth, row.size() + 2), ' ');
  *out += "  " + row + value + "\n";
}

void AppendMetricRow(std::string* out, std::string_view key, double value) {
  AppendRow(out, DisplayOf(key).label, FormatMetricValue(key, value));
}

}  // namespace

std::string ExactNumber(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

double MetricFromJson(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value == "inf") return HUGE_VAL;
  if (value == "-inf") return -HUGE_VAL;
  return std::nan("");
}

std::string ParamText(const ParamSpec& spec, double value) {
  if (spec.type == ParamType::kBool) return value != 0 ? "true" : "false";
  if (spec.type == ParamType::kInt) return std::to_string(std::llround(value));
  return ExactNumber(value);
}

std::string FormatMetricsTable(const Metrics& m) {
  std::string out;
  AppendRow(&out, DisplayOf("start").label, FormatIsoTime(m.start, true));
  AppendRow(&out, DisplayOf("end").label, FormatIsoTime(m.end, true));
  for (const auto& [key, value] : MetricsFields(m)) AppendMetricRow(&out, key, value);
  return out;
}

std::string FormatMetricsJsonTable(const nlohmann::json& metrics) {
  auto text = [&](const char* key) {
    auto it = metrics.find(key);
    return it != metrics.end() && it->is_string() ? it->get<std::string>() : std::string("n/a");
  };
  auto number = [&](std::string_view key) {
    auto it = metrics.find(std::string(key));
    return it == metrics.end() ? std::nan("") : MetricFromJson(*it);
  };
  std::string out;
  AppendRow(&out, DisplayOf("start").label, text("start"));
  AppendRow(&out, DisplayOf("end").label, text("end"));
  std::set<std::string_view> known = {"start", "end"};
  for (const auto& field : MetricsFields(Metrics{})) {
    AppendMetricRow(&out, field.first, number(field.first));
    known.insert(field.first);
  }
  if (metrics.is_object()) {
    for (const auto& [key, value] : metrics.items()) {
      if (known.count(key) == 0 && (value.is_number() || value.is_null())) {
        AppendMetricRow(&out, key, number(key));
      }
    }
  }
  return out;
}

std::string TradesCsv(std::span<const TradeRecord> trades) {
  std::string out =
      "size,entry_bar,exit_bar,entry_price,exit_price,entry_time,exit_time,pnl,return_pct,"
      "commission,sl,tp,tag\n";
  auto opt = [](double v) { return std::isnan(v) ? std::string() : ExactNumber(v); };
  for (const TradeRecord& t : trades) {
    out += ExactNumber(t.size) + "," + std::to_string(t.entry_bar) + "," +
           (t.is_open() ? "" : std::to_string(t.exit_bar)) + "," + ExactNumber(t.entry_price) +
           "," + opt(t.exit_price) + "," + FormatIsoTime(t.entry_time, true) + "," +
           (t.is_open() ? "" : FormatIsoTime(t.exit_time, true)) + "," + ExactNumber(t.pnl) + "," +
           ExactNumber(t.return_pct) + "," + ExactNumber(t.commission) + "," + opt(t.sl) + "," +
           opt(t.tp) + "," + t.tag + "\n";
  }
  return out;
}

std::string EquityCsv(std::span<const TimeNs> time, std::span<const double> equity) {
  const std::vector<double> dd = DrawdownSeries(equity);
  std::string out = "time,equity,drawdown\n";
  out.reserve(equity.size() * 48);
  for (size_t i = 0; i < equity.size(); ++i) {
    out += FormatIsoTime(time[i], true);
    out += ',';
    out += ExactNumber(equity[i]);
    out += ',';
    out += ExactNumber(dd[i]);
    out += '\n';
  }
  return out;
}

}  // namespace btr::cli
