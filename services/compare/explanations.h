// Plain-language explanations of why two runs differ, generated only from what was measured
// (pair_analysis.h, metric_verdicts.h): every sentence carries the counts, prices, bars and
// values it rests on, and a cause is named only when its measurement fired:
//
//   summary      verdict counts, trade pairing, equity correlation and gap, largest
//                differences, the first bar where the runs part
//   data         dataset sha256 or bar counts differ
//   settings     the resolved specs differ (overrides)
//   warmup       the runs report different warm-ups (buy & hold starts there)
//   fill_timing  paired entries or exits on different bars; fill prices at the bar's open vs
//                its close
//   costs        commissions differ; P&L differences equal to commission differences; entry
//                prices apart by exactly the spread
//   sizing       same entry bar, price and equity before the entry, different size
//   compounding  the same with the equity already apart (a consequence, listed last)
//   rounding     identical fills and commissions, P&L apart by less than a cent, whole cents
//   trades       trades without a counterpart, trades left open at the end
//   valuation    identical trades but different equity between fills
//   timestamps   same bars and prices, other time stamps (labels, listed last)
//   definitions  canonical conventions differ (pair), or an engine's own numbers differ from
//                btrouter's or are not reported under the canonical definition (run); the
//                engine's convention text is quoted
//   unexplained  differences remain and none of the above was measured
//
// Each explanation is {"cause", "text", "facts"}; the list is ordered: summary, data, settings,
// warmup, then the causes by the number of trades (or bars) they account for. Pure;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "services/compare/compare_types.h"
#include "services/compare/metric_verdicts.h"
#include "services/compare/pair_analysis.h"

namespace btr::compare {

nlohmann::json ExplainPair(const PairAnalysis& p, const PairMetrics& metrics,
                           const CompareOptions& options);

// The run-level definition notes: `differs` and `unmapped` as MetricsOutcome holds them.
nlohmann::json ExplainRunDefinitions(const RunInput& run, const nlohmann::json& differs,
                                     const nlohmann::json& unmapped);

// Number formatting shared by the explanations and the renderers: up to 6 significant digits
// ("7.18123", "1.2e-05"); money with 2 decimals and thousands separators ("8,905.29"); "n/m".
std::string Num(double v);
std::string Money(double v);
// A canonical metric's value in its unit (report_format.h FormatOfKey) without losing the digits
// a comparison needs: fractions as percents to 6 significant digits ("8.61917 %"), money with 2
// decimals and separators, durations in days/hours ("3 days 4 h"), counts whole, others as Num.
std::string MetricText(const std::string& key, double v);
std::string Ratio(size_t n, size_t m);
// "2004-11-17" for a time at midnight, else "2004-11-17 15:59".
std::string ShortTime(TimeNs t);

}  // namespace btr::compare
