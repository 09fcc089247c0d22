#include "engines/metrics/metric_format.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace btr {
namespace {

const std::map<std::string_view, MetricDisplay>& KnownKeys() {
  static const std::map<std::string_view, MetricDisplay> keys = {
      {"start", {"Start", MetricUnit::kTime}},
      {"end", {"End", MetricUnit::kTime}},
      {"duration_s", {"Duration", MetricUnit::kSeconds}},
      {"exposure_time", {"Exposure time", MetricUnit::kFraction}},
      {"equity_final", {"Final equity", MetricUnit::kMoney}},
      {"equity_peak", {"Peak equity", MetricUnit::kMoney}},
      {"commissions", {"Commissions", MetricUnit::kMoney}},
      {"total_return", {"Total return", MetricUnit::kFraction}},
      {"buy_hold_return", {"Buy & hold return", MetricUnit::kFraction}},
      {"cagr", {"CAGR", MetricUnit::kFraction}},
      {"annual_return", {"Annual return", MetricUnit::kFraction}},
      {"annual_volatility", {"Annual volatility", MetricUnit::kFraction}},
      {"sharpe_ratio", {"Sharpe ratio", MetricUnit::kRatio}},
      {"sortino_ratio", {"Sortino ratio", MetricUnit::kRatio}},
      {"calmar_ratio", {"Calmar ratio", MetricUnit::kRatio}},
      {"beta", {"Beta", MetricUnit::kRatio}},
      {"alpha", {"Alpha", MetricUnit::kFraction}},
      {"max_drawdown", {"Max drawdown", MetricUnit::kFraction}},
      {"avg_drawdown", {"Average drawdown", MetricUnit::kFraction}},
      {"max_drawdown_duration_s", {"Longest drawdown", MetricUnit::kSeconds}},
      {"avg_drawdown_duration_s", {"Average drawdown length", MetricUnit::kSeconds}},
      {"num_trades", {"Trades", MetricUnit::kCount}},
      {"win_rate", {"Win rate", MetricUnit::kFraction}},
      {"best_trade", {"Best trade", MetricUnit::kFraction}},
      {"worst_trade", {"Worst trade", MetricUnit::kFraction}},
      {"avg_trade", {"Average trade", MetricUnit::kFraction}},
      {"max_trade_duration_s", {"Longest trade", MetricUnit::kSeconds}},
      {"avg_trade_duration_s", {"Average trade length", MetricUnit::kSeconds}},
      {"profit_factor", {"Profit factor", MetricUnit::kRatio}},
      {"expectancy", {"Expectancy", MetricUnit::kFraction}},
      {"sqn", {"SQN", MetricUnit::kRatio}},
      {"kelly", {"Kelly criterion", MetricUnit::kRatio}},
      {"annualization_periods", {"Periods per year", MetricUnit::kCount}},
      {"return_sampling", {"Return sampling", MetricUnit::kText}},
      {"bar_period_s", {"Bar spacing", MetricUnit::kSeconds}},
      {"duration_resolution_s", {"Duration resolution", MetricUnit::kSeconds}},
      {"risk_free_rate", {"Risk-free rate", MetricUnit::kFraction}},
      {"definition_version", {"Definition", MetricUnit::kText}},
  };
  return keys;
}

bool EndsWith(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// `v` with `digits` significant digits, printf's %g: General(0.000123, 2) == "0.00012".
std::string General(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// |v| (below 1e15) with `decimals` fixed decimals.
std::string FixedAbs(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v));
  return buf;
}

// "12.3400" -> "12.34", "5.0" -> "5".
std::string TrimZeros(std::string text) {
  if (text.find('.') == std::string::npos) return text;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string NonFinite(double v) {
  if (std::isnan(v)) return "—";
  return v > 0 ? "∞" : "-∞";
}

// The power of ten of |v| (v != 0): 0.2 -> -1, 5 -> 0, 100 -> 2; the slack keeps exact powers of
// ten whose logarithm comes out a hair low (log10(0.1) = -0.99999...) on their own exponent.
int Exponent(double v) { return static_cast<int>(std::floor(std::log10(std::fabs(v)) + 1e-9)); }

std::string Plural(double n, const char* unit) {
  return FormatGrouped(n, 0) + " " + unit + (n == 1 ? "" : "s");
}

// "3 min" plus " 5 s" unless the minor part is 0.
std::string Pair(long long major, const char* major_unit, long long minor, const char* minor_unit) {
  std::string text = std::to_string(major) + " " + major_unit;
  if (minor != 0) text += " " + std::to_string(minor) + " " + minor_unit;
  return text;
}

}  // namespace

MetricDisplay DisplayOf(std::string_view key) {
  const auto& keys = KnownKeys();
  if (auto it = keys.find(key); it != keys.end()) return it->second;
  std::string label(EndsWith(key, "_s") ? key.substr(0, key.size() - 2) : key);
  for (char& c : label) c = c == '_' ? ' ' : c;
  if (!label.empty() && label[0] >= 'a' && label[0] <= 'z')
    label[0] = static_cast<char>(label[0] - 'a' + 'A');
  return {label, EndsWith(key, "_s") ? MetricUnit::kSeconds : MetricUnit::kNumber};
}

std::string FormatGrouped(double v, int decimals) {
  if (!std::isfinite(v)) return NonFinite(v);
  if (std::fabs(v) >= 1e15) return General(v, 4);
  const std::string digits = FixedAbs(v, decimals);
  const size_t dot = digits.find('.');
  const std::string integer = digits.substr(0, dot);
  std::string out;
  for (size_t k = 0; k < integer.size(); ++k) {
    if (k > 0 && (integer.size() - k) % 3 == 0) out += ',';
    out += integer[k];
  }
  if (dot != std::string::npos) out += digits.substr(dot);
  const bool zero = out.find_first_of("123456789") == std::string::npos;
  return (v < 0 && !zero ? "-" : "") + out;
}

std::string FormatPercent(double fraction) {
  const double pct = fraction * 100;
  if (!std::isfinite(pct)) return NonFinite(pct);
  if (pct != 0 && std::fabs(pct) < 0.005) return General(pct, 2) + " %";
  return FormatGrouped(pct, 2) + " %";
}

std::string FormatMoney(double v) { return FormatGrouped(v, 2); }

std::string FormatRatio(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  if (v == 0 || std::fabs(v) >= 1) return FormatGrouped(v, 2);
  if (std::fabs(v) < 1e-4) return General(v, 3);
  return TrimZeros(FormatGrouped(v, 2 - Exponent(v)));
}

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  if (v == 0) return "0";
  if (std::fabs(v) >= 1e15 || std::fabs(v) < 1e-6) return General(v, 6);
  return TrimZeros(FormatGrouped(v, std::max(0, 5 - Exponent(v))));
}

std::string FormatCount(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  return FormatGrouped(std::round(v), 0);
}

std::string FormatDuration(double s) {
  if (!std::isfinite(s)) return NonFinite(s);
  if (s < 0) return "-" + FormatDuration(-s);
  if (s == 0) return "0 s";
  if (s < 1) return General(s * 1000, 3) + " ms";
  if (s < 59.95) return TrimZeros(FormatGrouped(s, 1)) + " s";
  if (s < 3600 - 0.5) {
    const long long t = std::llround(s);
    return Pair(t / 60, "min", t % 60, "s");
  }
  if (s < 86400 - 30) {
    const long long t = std::llround(s / 60);
    return Pair(t / 60, "h", t % 60, "min");
  }
  if (s < 10 * 86400 - 1800) {
    const long long t = std::llround(s / 3600);
    const std::string days = Plural(static_cast<double>(t / 24), "day");
    return t % 24 == 0 ? days : days + " " + std::to_string(t % 24) + " h";
  }
  return Plural(std::round(s / 86400), "day");
}

std::string FormatInUnit(MetricUnit unit, double value) {
  switch (unit) {
    case MetricUnit::kFraction:
      return FormatPercent(value);
    case MetricUnit::kMoney:
      return FormatMoney(value);
    case MetricUnit::kRatio:
      return FormatRatio(value);
    case MetricUnit::kCount:
      return FormatCount(value);
    case MetricUnit::kSeconds:
      return FormatDuration(value);
    case MetricUnit::kNumber:
    case MetricUnit::kTime:
    case MetricUnit::kText:
      break;
  }
  return FormatNumber(value);
}

std::string FormatMetricValue(MetricUnit unit, double value) {
  return std::isfinite(value) ? FormatInUnit(unit, value) : "—";
}

std::string FormatMetricValue(std::string_view key, double value) {
  return FormatMetricValue(DisplayOf(key).unit, value);
}

}  // namespace btr
