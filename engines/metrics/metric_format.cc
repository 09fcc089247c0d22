#include "engines/metrics/metric_format.h"

#include <cmath>
#include <cstdio>

#include "engines/core/time.h"

namespace btr {
namespace {

struct Entry {
  std::string_view key;
  MetricDisplay display;
};

using U = MetricUnit;

// In the order of MetricsFields (metrics.h).
constexpr Entry kEntries[] = {
    {"start", {"Start", U::kTime}},
    {"end", {"End", U::kTime}},
    {"duration_s", {"Duration", U::kDuration}},
    {"exposure_time", {"Exposure time", U::kFraction}},
    {"equity_final", {"Equity final", U::kMoney}},
    {"equity_peak", {"Equity peak", U::kMoney}},
    {"commissions", {"Commissions", U::kMoney}},
    {"total_return", {"Return", U::kFraction}},
    {"buy_hold_return", {"Buy & hold return", U::kFraction}},
    {"cagr", {"CAGR", U::kFraction}},
    {"annual_return", {"Return (ann.)", U::kFraction}},
    {"annual_volatility", {"Volatility (ann.)", U::kFraction}},
    {"sharpe_ratio", {"Sharpe ratio", U::kRatio}},
    {"sortino_ratio", {"Sortino ratio", U::kRatio}},
    {"calmar_ratio", {"Calmar ratio", U::kRatio}},
    {"alpha", {"Alpha", U::kFraction}},
    {"beta", {"Beta", U::kRatio}},
    {"max_drawdown", {"Max. drawdown", U::kDrawdown}},
    {"avg_drawdown", {"Avg. drawdown", U::kDrawdown}},
    {"max_drawdown_duration_s", {"Max. drawdown duration", U::kDuration}},
    {"avg_drawdown_duration_s", {"Avg. drawdown duration", U::kDuration}},
    {"num_trades", {"Trades", U::kCount}},
    {"win_rate", {"Win rate", U::kFraction}},
    {"best_trade", {"Best trade", U::kFraction}},
    {"worst_trade", {"Worst trade", U::kFraction}},
    {"avg_trade", {"Avg. trade", U::kFraction}},
    {"max_trade_duration_s", {"Max. trade duration", U::kDuration}},
    {"avg_trade_duration_s", {"Avg. trade duration", U::kDuration}},
    {"profit_factor", {"Profit factor", U::kRatio}},
    {"expectancy", {"Expectancy", U::kFraction}},
    {"sqn", {"SQN", U::kRatio}},
    {"kelly", {"Kelly criterion", U::kRatio}},
};

std::string Fixed(double value, int decimals) {
  char buf[400];  // DBL_MAX with 2 decimals fits
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace

MetricDisplay DisplayOf(std::string_view key) {
  for (const Entry& e : kEntries) {
    if (e.key == key) return e.display;
  }
  const bool seconds = key.size() > 2 && key.substr(key.size() - 2) == "_s";
  return {key, seconds ? U::kDuration : U::kRatio};
}

int DisplaySign(MetricUnit unit) { return unit == U::kDrawdown ? -1 : 1; }

std::string FormatGrouped(double value, int decimals) {
  if (!std::isfinite(value)) return std::isnan(value) ? "n/a" : (value > 0 ? "inf" : "-inf");
  std::string text = Fixed(std::fabs(value), decimals);
  // Zero shown as "-0.00" would suggest a sign the rounded value does not have.
  const bool negative = value < 0 && text.find_first_not_of("0.") != std::string::npos;
  const size_t point = text.find('.');
  for (size_t k = point == std::string::npos ? text.size() : point; k > 3; k -= 3) {
    text.insert(k - 3, ",");
  }
  return negative ? "-" + text : text;
}

std::string FormatDuration(double seconds) {
  if (std::isnan(seconds)) return "n/a";
  if (std::isinf(seconds)) return seconds > 0 ? "inf" : "-inf";
  if (std::fabs(seconds) < 1 && seconds != 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g s", seconds);
    return buf;
  }
  const double rounded = std::round(std::fabs(seconds));
  const std::string sign = seconds < 0 && rounded > 0 ? "-" : "";
  const double days = std::floor(rounded / 86400);
  const long long rem = static_cast<long long>(rounded - days * 86400);
  std::string out = sign;
  if (days > 0) out += FormatGrouped(days, 0) + (days == 1 ? " day" : " days");
  if (rem == 0 && days > 0) return out;
  char clock[32];
  std::snprintf(clock, sizeof clock, "%02lld:%02lld:%02lld", rem / 3600, (rem / 60) % 60, rem % 60);
  return out + (days > 0 ? " " : "") + clock;
}

std::string FormatMetricValue(MetricUnit unit, double value) {
  if (!std::isfinite(value)) return "n/a";
  switch (unit) {
    case U::kTime:
      return FormatIsoTime(static_cast<TimeNs>(std::llround(value * 1e9)), true);
    case U::kDuration:
      return FormatDuration(value);
    case U::kFraction:
      return FormatGrouped(value * 100, 2) + " %";
    case U::kDrawdown:
      return FormatGrouped(-value * 100, 2) + " %";
    case U::kMoney:
      return FormatGrouped(value, 2);
    case U::kCount:
      return FormatGrouped(value, 0);
    case U::kRatio:
      return FormatGrouped(value, std::fabs(value) >= 1000 ? 2 : 4);
  }
  return FormatGrouped(value, 4);
}

std::string FormatMetricValue(std::string_view key, double value) {
  return FormatMetricValue(DisplayOf(key).unit, value);
}

}  // namespace btr
