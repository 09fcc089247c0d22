#include "cli/report.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "engines/metrics/metrics_json.h"

namespace btr::cli {
namespace {

// Metrics shown as percents in the table.
bool IsFraction(std::string_view key) {
  static const std::set<std::string_view> kFractions = {
      "exposure_time",     "total_return", "buy_hold_return", "cagr",         "annual_return",
      "annual_volatility", "alpha",        "max_drawdown",    "avg_drawdown", "win_rate",
      "best_trade",        "worst_trade",  "avg_trade",       "expectancy"};
  return kFractions.count(key) != 0;
}

bool IsDuration(std::string_view key) {
  return key.size() > 2 && key.substr(key.size() - 2) == "_s";
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void AppendRow(std::string* out, std::string_view key, const std::string& value) {
  std::string row(key);
  row.resize(26, ' ');
  *out += "  " + row + value + "\n";
}

// Non-finite values show as "-", as the JSON's null does (metrics_json.h).
void AppendMetricRow(std::string* out, std::string_view key, double value) {
  if (!std::isfinite(value)) {
    AppendRow(out, key, "-");
  } else if (IsDuration(key)) {
    AppendRow(out, key, FormatDuration(value));
  } else if (IsFraction(key)) {
    AppendRow(out, key, Fixed(value * 100, 2) + " %");
  } else if (key == "num_trades") {
    AppendRow(out, key, Fixed(value, 0));
  } else {
    AppendRow(out, key, Fixed(value, std::fabs(value) >= 1000 ? 2 : 4));
  }
}

}  // namespace

std::string ExactNumber(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

std::string FormatDuration(double seconds) {
  if (std::isnan(seconds)) return "-";
  const long long total = static_cast<long long>(std::llround(seconds));
  const long long days = total / 86400, rem = total % 86400;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld days %02lld:%02lld:%02lld", days, rem / 3600,
                (rem / 60) % 60, rem % 60);
  return buf;
}

std::string FormatMetricsTable(const Metrics& m) {
  std::string out;
  AppendRow(&out, "start", FormatIsoTime(m.start, true));
  AppendRow(&out, "end", FormatIsoTime(m.end, true));
  for (const auto& [key, value] : MetricsFields(m)) AppendMetricRow(&out, key, value);
  return out;
}

std::string FormatMetricsJsonTable(const nlohmann::json& metrics) {
  auto text = [&](const char* key) {
    auto it = metrics.find(key);
    return it != metrics.end() && it->is_string() ? it->get<std::string>() : std::string("-");
  };
  auto number = [&](std::string_view key) {
    auto it = metrics.find(std::string(key));
    if (it == metrics.end()) return std::nan("");
    if (it->is_number()) return it->get<double>();
    if (*it == "inf") return HUGE_VAL;
    if (*it == "-inf") return -HUGE_VAL;
    return std::nan("");
  };
  std::string out;
  AppendRow(&out, "start", text("start"));
  AppendRow(&out, "end", text("end"));
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
