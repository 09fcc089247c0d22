// Canonical metrics for people: a label and a unit-aware text for every key, one presentation
// for every human surface (the CLI's tables, the comparison explanations). Machine forms keep
// the canonical units (metrics_json.h); only text for people goes through here.
//
//   key                      label                     text
//   duration_s               Duration                  3,116 days       (or 2 days 04:00:00)
//   total_return             Return                    462.64 %
//   max_drawdown             Max. drawdown             -33.93 %         (canonical: 0.3393)
//   equity_final             Equity final              56,263.52
//   sharpe_ratio             Sharpe ratio              0.6007
//   num_trades               Trades                    93
//
// Drawdowns are positive fractions in the canonical set and are shown as negative percentages,
// as backtesting.py prints them ("Max. Drawdown [%] -33.93"). Undefined values (NaN) and
// infinities read "n/a", as the canonical JSON writes both as null. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace btr {

enum class MetricUnit {
  kTime,      // epoch seconds, shown as ISO-8601 UTC (the JSON already holds the text)
  kDuration,  // seconds, shown as days and a clock
  kFraction,  // shown as a percentage with 2 decimals
  kDrawdown,  // a positive fraction, shown as a negative percentage
  kMoney,     // quote currency, 2 decimals with thousands separators
  kCount,     // a whole number with thousands separators
  kRatio,     // a plain number, 4 decimals (2 from 1000 on)
};

struct MetricDisplay {
  std::string_view label;  // "Max. drawdown"
  MetricUnit unit = MetricUnit::kRatio;
};

// The presentation of a canonical key. A key outside the canonical set (an engine's own) is
// labelled with the key itself, in seconds when it ends in "_s" and a plain number otherwise.
MetricDisplay DisplayOf(std::string_view key);

// `value` of `key` (canonical units) as text for people, per DisplayOf(key).unit.
std::string FormatMetricValue(std::string_view key, double value);
std::string FormatMetricValue(MetricUnit unit, double value);

// +1, or -1 for units shown with the opposite sign of their canonical value (drawdowns): the
// sign to apply to a relative change of the canonical values to describe the shown ones.
int DisplaySign(MetricUnit unit);

// Durations of market time: "3,116 days", "1 day", "2 days 04:00:00", "03:12:00", "0.25 s";
// "n/a" for NaN. Seconds are rounded to whole seconds from one second on.
std::string FormatDuration(double seconds);

// `value` with `decimals` decimals and thousands separators: 56263.5 -> "56,263.50".
std::string FormatGrouped(double value, int decimals);

}  // namespace btr
