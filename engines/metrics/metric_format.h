// Canonical metrics for people: one label and unit for every canonical metric and convention key
// (docs/metrics.md), and the text of a value in its unit. Every human surface uses it: the
// command line's tables, the comparison page and its explanations (services/compare); the
// dashboard keeps the same labels in web/src/metrics.js. Machine forms (JSON, CSV) keep the
// canonical units; only text for people goes through here.
//
//   key                      label               text
//   duration_s               Duration            3,116 days        (or 3 days 4 h, 5.2 s, 350 ms)
//   total_return             Total return        462.64 %
//   max_drawdown             Max drawdown        33.93 %           (a positive fraction: a loss
//                                                                    of 33.93 % from the peak)
//   equity_final             Final equity        56,263.52
//   sharpe_ratio             Sharpe ratio        0.601             (3 significant digits below 1)
//   num_trades               Trades              93
//
// Non-finite values: "—" (undefined, the JSON's null), "∞" and "-∞" for the few functions that
// take infinities. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace btr {

enum class MetricUnit {
  kFraction,  // 0.1234 -> "12.34 %"
  kMoney,     // "12,345.68"
  kRatio,     // Sharpe, beta, ...: "1.23" from 1 up, 3 significant digits below
  kNumber,    // prices, sizes, correlations: up to 6 significant digits, "12,345.7"
  kCount,     // "1,234"
  kSeconds,   // a duration: "350 ms", "5.2 s", "3 min 5 s", "2 h 30 min", "3 days 4 h", "680 days"
  kTime,      // ISO-8601 text, shown by the caller
  kText,      // as it is
};

struct MetricDisplay {
  std::string label;  // "Max drawdown"
  MetricUnit unit = MetricUnit::kNumber;
};

// The label and unit of a canonical metric or convention key: "max_drawdown_duration_s" ->
// {"Longest drawdown", kSeconds}. A key not listed (an engine's own) gets a label made from its
// words ("Max trade duration") and kSeconds when it ends in "_s", else kNumber.
MetricDisplay DisplayOf(std::string_view key);

// `value` in `unit` by the functions below (kNumber, kTime and kText as FormatNumber), which
// show NaN as "—" and infinities as "∞"/"-∞".
std::string FormatInUnit(MetricUnit unit, double value);

// `value` of `key` (canonical units) in its unit; "—" for NaN and infinities alike (the
// canonical JSON writes both as null).
std::string FormatMetricValue(std::string_view key, double value);
std::string FormatMetricValue(MetricUnit unit, double value);

// `v` with `decimals` fixed decimals and commas between thousands: FormatGrouped(-1234.5, 2) ==
// "-1,234.50". A value that rounds to zero has no minus sign; from 1e15 on, 4 significant
// digits in exponent form.
std::string FormatGrouped(double v, int decimals);
std::string FormatPercent(double fraction);  // 2 decimals; a tiny non-zero one 2 significant
std::string FormatMoney(double v);
std::string FormatRatio(double v);
std::string FormatNumber(double v);
std::string FormatCount(double v);
// Durations of market time: "0 s", "350 ms", "5.2 s", "3 min 5 s", "2 h 30 min", "1 day",
// "3 days 4 h", "680 days" (from 10 days on, whole days); each unit rounds up into the next
// rather than showing "60 s" or "24 h".
std::string FormatDuration(double seconds);

}  // namespace btr
