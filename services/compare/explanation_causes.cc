// The explanations of trades without a counterpart, valuation, time stamps and warm-up
// (explanations_internal.h).
#include <algorithm>
#include <map>

#include "services/compare/explanations.h"
#include "services/compare/explanations_internal.h"

namespace btr::compare::internal {
namespace {

using nlohmann::json;

std::string SideText(const Trade& t) { return t.side() > 0 ? "long" : "short"; }

// "12 h", "30 min", "1 day 2 h": an offset between two time stamps.
std::string Offset(TimeNs delta) {
  TimeNs ns = delta < 0 ? -delta : delta;
  std::string out;
  const TimeNs days = ns / kNsPerDay, hours = ns % kNsPerDay / kNsPerHour,
               minutes = ns % kNsPerHour / kNsPerMinute, seconds = ns % kNsPerMinute / kNsPerSecond;
  auto add = [&out](TimeNs n, const char* unit) {
    if (n != 0) out += (out.empty() ? "" : " ") + std::to_string(n) + " " + unit;
  };
  add(days, days == 1 ? "day" : "days");
  add(hours, "h");
  add(minutes, "min");
  add(seconds, "s");
  return out.empty() ? std::to_string(ns) + " ns" : out;
}

}  // namespace

void Trades(const PairAnalysis& p, std::vector<Explanation>* out) {
  auto open_count = [](const std::vector<Trade>& trades) {
    return static_cast<size_t>(
        std::count_if(trades.begin(), trades.end(), [](const Trade& t) { return t.open; }));
  };
  const size_t oa = open_count(p.trades_a), ob = open_count(p.trades_b);
  const size_t ua = p.match.unmatched_a.size(), ub = p.match.unmatched_b.size();
  if (ua == 0 && ub == 0 && oa == ob) return;
  const std::string& a = p.a->label;
  const std::string& b = p.b->label;
  std::vector<std::string> parts;
  auto first = [](const Trade& t) {
    return " (first: " + SideText(t) + " on " + ShortTime(t.entry_time) + ")";
  };
  if (ub > 0) {
    parts.push_back(Plural(ub, "trade", "trades") + " of " + b + " without a counterpart in " + a +
                    first(p.trades_b[p.match.unmatched_b.front()]));
  }
  if (ua > 0) {
    parts.push_back(Plural(ua, "trade", "trades") + " of " + a + " without a counterpart in " + b +
                    first(p.trades_a[p.match.unmatched_a.front()]));
  }
  if (oa != ob) {
    std::string text = a + " leaves " + Plural(oa, "trade", "trades") + " open at the end, " + b +
                       " " + std::to_string(ob) +
                       " (open trades count in the equity, not in num_trades)";
    const RunInput& fewer = oa < ob ? *p.a : *p.b;
    const json counting = ConventionFor(fewer.result, "trade_counting");
    if (counting.is_string()) {
      text += "; " + fewer.label + "'s conventions (trade_counting): " + Quote(counting);
    }
    parts.push_back(text);
  }
  std::string text = "trades: ";
  for (size_t k = 0; k < parts.size(); ++k) text += (k ? "; " : "") + parts[k];
  out->push_back({"trades",
                  text + ".",
                  {{"only_in", {{a, ua}, {b, ub}}}, {"open_at_end", {{a, oa}, {b, ob}}}},
                  ua + ub + (oa > ob ? oa - ob : ob - oa)});
}

void Valuation(const PairAnalysis& p, std::vector<Explanation>* out) {
  const bool trades_same = p.match.unmatched_a.empty() && p.match.unmatched_b.empty() &&
                           std::all_of(p.diffs.begin(), p.diffs.end(),
                                       [](const PairDiff& d) { return d.fills_identical(); });
  const EquityComparison& e = p.equity;
  if (!trades_same || e.bars_differing == 0) return;
  std::string text =
      "valuation: the equity curves differ on " + Ratio(e.bars_differing, e.points) +
      " bars (largest gap " + Money(e.max_gap.value) + " on " +
      ShortTime(p.a->bars->time[static_cast<size_t>(e.max_gap.index)]) + ") although all " +
      std::to_string(p.diffs.size()) +
      " paired trades fill alike → the engines value positions differently between fills.";
  const json convention = ConventionFor(p.b->result, "equity_curve");
  if (convention.is_string())
    text += " " + p.b->label + "'s conventions (equity_curve): " + Quote(convention) + ".";
  out->push_back({"valuation", text, {{"bars_differing", e.bars_differing}}, e.bars_differing});
}

void Stamps(const PairAnalysis& p, std::vector<Explanation>* out) {
  std::map<TimeNs, size_t> entry, exit;
  size_t closed_pairs = 0;
  for (const PairDiff& d : p.diffs) {
    if (d.entry_stamp) ++entry[d.entry_stamp_delta];
    if (d.exit_stamp) ++exit[d.exit_stamp_delta];
  }
  for (const TradePair& pair : p.match.pairs) {
    closed_pairs += !p.trades_a[pair.a].open && !p.trades_b[pair.b].open ? 1 : 0;
  }
  if (entry.empty() && exit.empty()) return;
  auto top = [](const std::map<TimeNs, size_t>& m) {
    return *std::max_element(m.begin(), m.end(),
                             [](const auto& x, const auto& y) { return x.second < y.second; });
  };
  const auto [delta, count] = top(entry.empty() ? exit : entry);
  std::string text = "timestamps: " + p.b->label + " stamps its fills " + Offset(delta) +
                     (delta > 0 ? " later" : " earlier") + " than " + p.a->label +
                     " on the same bars";
  if (!entry.empty()) text += " in " + Ratio(top(entry).second, p.diffs.size()) + " paired entries";
  if (!exit.empty()) {
    text += std::string(entry.empty() ? " in " : " and ") + Ratio(top(exit).second, closed_pairs) +
            " exits";
  }
  text += "; the bars and prices are the same there, so these are labels, not fill timing.";
  out->push_back({"timestamps",
                  text,
                  {{"offset_s", static_cast<double>(delta) / kNsPerSecond}, {"pairs", count}},
                  0});
}

// The warm-up each run reports (the bar buy & hold is measured from).
void Warmup(const PairAnalysis& p, const PairMetrics& m, std::vector<Explanation>* out) {
  const json wa = p.a->result.value("warmup_bars", json(nullptr));
  const json wb = p.b->result.value("warmup_bars", json(nullptr));
  if (wa == wb) return;
  std::string text = "warm-up: " + p.b->label + " reports a warm-up of " + JsonText(wb) +
                     " bars, " + p.a->label + " " + JsonText(wa) +
                     "; buy & hold is measured from the close of that bar";
  std::string affected;
  for (const json& d : m.largest) {
    const std::string key = d["key"];
    if (key != "buy_hold_return" && key != "alpha") continue;
    affected += (affected.empty() ? "" : ", ") + key + " " + MetricText(key, d["a"].get<double>()) +
                " → " + MetricText(key, d["b"].get<double>());
  }
  if (!affected.empty()) text += ", so " + affected + " (alpha subtracts beta × buy & hold)";
  out->push_back({"warmup", text + ".", {{p.a->label, wa}, {p.b->label, wb}}, 0});
}

}  // namespace btr::compare::internal
