#include "services/compare/explanations.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "services/compare/explanations_internal.h"

namespace btr::compare {
namespace {

using internal::Explanation;
using internal::JsonText;
using internal::Plural;
using internal::Quote;
using nlohmann::json;

// "open" -> "the entry bar's open"; the dominant kind of a count and its number.
std::pair<std::string, size_t> Dominant(const FillCounts& c) {
  std::pair<std::string, size_t> best{"other price", c.other};
  if (c.open > best.second) best = {"open", c.open};
  if (c.close > best.second) best = {"close", c.close};
  return best;
}

Explanation Summary(const PairAnalysis& p, const PairMetrics& m, const CompareOptions& o) {
  const std::string& a = p.a->label;
  const std::string& b = p.b->label;
  size_t identical = 0;
  for (const PairDiff& d : p.diffs) identical += d.identical() ? 1 : 0;
  const EquityComparison& e = p.equity;
  const bool agree = m.differ == 0 && identical == p.diffs.size() && p.match.unmatched_a.empty() &&
                     p.match.unmatched_b.empty() && e.bars_differing == 0;
  std::string text =
      b + " vs " + a + (agree ? " agree: " : ": ") + std::to_string(m.agree) + " metrics agree, " +
      std::to_string(m.differ) + " differ, " + std::to_string(m.not_comparable) +
      " not comparable (relative tolerance " + Num(o.exact.rel) + "); " +
      Ratio(p.diffs.size(), std::max(p.trades_a.size(), p.trades_b.size())) + " trades paired, " +
      std::to_string(identical) + " identical, " + std::to_string(p.match.unmatched_a.size()) +
      " only in " + a + ", " + std::to_string(p.match.unmatched_b.size()) + " only in " + b +
      "; equity correlation " + (std::isfinite(e.correlation) ? Num(e.correlation) : "undefined") +
      ", largest gap " + (std::isfinite(e.max_gap.value) ? Money(e.max_gap.value) : "undefined");
  if (e.max_gap.index >= 0 && e.max_gap.value > 0) {
    text += " on " + ShortTime(p.a->bars->time[static_cast<size_t>(e.max_gap.index)]);
  }
  text += ".";
  // The headline metrics that differ, then the largest other relative differences.
  static const std::vector<std::string> kHeadline = {"total_return", "sharpe_ratio", "max_drawdown",
                                                     "num_trades", "win_rate"};
  auto describe = [](const json& d) {
    const std::string key = d["key"].get<std::string>();
    std::string t = key + " " + MetricText(key, d["a"].get<double>()) + " → " +
                    MetricText(key, d["b"].get<double>());
    if (d["rel_delta"].is_number()) {
      char pct[32];
      std::snprintf(pct, sizeof pct, "%+.3g%%", 100 * d["rel_delta"].get<double>());
      t += std::string(" (") + pct + ")";
    }
    return t;
  };
  json largest = json::array();
  std::string headline, others;
  for (const std::string& key : kHeadline) {
    for (const json& d : m.largest) {
      if (d["key"] == key) headline += (headline.empty() ? "" : ", ") + describe(d);
    }
  }
  for (const json& d : m.largest) {
    const std::string key = d["key"].get<std::string>();
    if (std::find(kHeadline.begin(), kHeadline.end(), key) != kHeadline.end()) continue;
    if (largest.size() == 3) break;
    largest.push_back(d);
    others += (others.empty() ? "" : ", ") + describe(d);
  }
  if (!headline.empty()) text += " Headline: " + headline + ".";
  if (!others.empty()) text += " Largest other relative differences: " + others + ".";
  std::optional<long> first = p.trade_divergence;
  std::string what = first ? p.trade_divergence_detail.value("what", std::string()) : "";
  if (e.first_difference >= 0 && (!first || e.first_difference < *first)) {
    first = e.first_difference;
    what = "equity";
  }
  if (first && *first >= 0 && static_cast<size_t>(*first) < p.a->bars->size()) {
    text += " They part at bar " + std::to_string(*first) + " (" +
            ShortTime(p.a->bars->time[static_cast<size_t>(*first)]) + "): " + what + ".";
  }
  return {"summary",
          text,
          {{"agree", agree}, {"identical_trades", identical}, {"largest", largest}},
          0};
}

void FillTiming(const PairAnalysis& p, std::vector<Explanation>* out) {
  std::map<long, size_t> entry_shift, exit_shift;
  size_t closed_pairs = 0, shifted = 0, resized = 0;
  double sum_abs = 0, max_abs = 0;
  for (size_t k = 0; k < p.diffs.size(); ++k) {
    const PairDiff& d = p.diffs[k];
    if (d.entry_bar_delta != 0) {
      ++entry_shift[d.entry_bar_delta];
      ++shifted;
      sum_abs += std::fabs(d.entry_price_delta);
      max_abs = std::max(max_abs, std::fabs(d.entry_price_delta));
      resized += d.size ? 1 : 0;
    }
    const Trade& ta = p.trades_a[p.match.pairs[k].a];
    const Trade& tb = p.trades_b[p.match.pairs[k].b];
    if (!ta.open && !tb.open) {
      ++closed_pairs;
      if (d.exit_bar_delta != 0) ++exit_shift[d.exit_bar_delta];
    }
  }
  const auto [kind_a, n_a] = Dominant(p.entry_count_a);
  const auto [kind_b, n_b] = Dominant(p.entry_count_b);
  if (entry_shift.empty() && exit_shift.empty() && kind_a == kind_b) return;
  const std::string& a = p.a->label;
  const std::string& b = p.b->label;
  std::string text = "fill timing: ";
  auto shift_text = [](const std::map<long, size_t>& shifts, size_t total, const char* verb,
                       const std::string& other) {
    auto top = std::max_element(shifts.begin(), shifts.end(),
                                [](const auto& x, const auto& y) { return x.second < y.second; });
    size_t n = 0;
    for (const auto& [delta, count] : shifts) n += count;
    std::string s = std::string(verb) + " " +
                    Plural(static_cast<size_t>(std::labs(top->first)), "bar", "bars") +
                    (top->first < 0 ? " earlier" : " later") + " than " + other + " in " +
                    Ratio(top->second, total) + " paired trades";
    if (n > top->second) s += " (other shifts in " + std::to_string(n - top->second) + ")";
    return s;
  };
  std::vector<std::string> parts;
  if (!entry_shift.empty()) parts.push_back(shift_text(entry_shift, p.diffs.size(), "enters", a));
  if (!exit_shift.empty()) parts.push_back(shift_text(exit_shift, closed_pairs, "exits", a));
  if (!parts.empty()) {
    text += b + " " + parts[0];
    if (parts.size() > 1) text += " and " + parts[1];
    text += "; ";
  }
  const bool close_like = kind_b == "close" && kind_a == "open";
  text += a + " fills entries at the entry bar's " + kind_a + " in " +
          Ratio(n_a, p.entry_count_a.total()) + " trades, " + b + " at the entry bar's " + kind_b +
          " in " + Ratio(n_b, p.entry_count_b.total()) +
          (close_like ? " (trade_on_close-like: the signal bar's close)" : "") + ".";
  if (shifted > 0) {
    text += " Entry prices of the shifted pairs differ by " + Num(sum_abs / shifted) +
            " on average (at most " + Num(max_abs) + "); sizes differ in " +
            Ratio(resized, shifted) + " of them.";
  }
  json shifts_json = json::object();
  for (const auto& [delta, count] : entry_shift) shifts_json[std::to_string(delta)] = count;
  json exit_json = json::object();
  for (const auto& [delta, count] : exit_shift) exit_json[std::to_string(delta)] = count;
  out->push_back(
      {"fill_timing",
       text,
       {{"entry_bar_shifts", shifts_json},
        {"exit_bar_shifts", exit_json},
        {"entry_fills", {{a, p.entry_count_a.ToJson()}, {b, p.entry_count_b.ToJson()}}},
        {"exit_fills", {{a, p.exit_count_a.ToJson()}, {b, p.exit_count_b.ToJson()}}},
        {"shifted_pairs", shifted},
        {"mean_abs_entry_price_delta", shifted ? json(sum_abs / shifted) : json(nullptr)},
        {"max_abs_entry_price_delta", max_abs},
        {"resized_among_shifted", resized}},
       shifted + (exit_shift.empty() ? 0 : 1)});
}

double ClosedCommissions(const std::vector<Trade>& trades, size_t* closed) {
  double sum = 0;
  *closed = 0;
  for (const Trade& t : trades) {
    if (t.open) continue;
    sum += t.commission;
    ++*closed;
  }
  return sum;
}

void Costs(const PairAnalysis& p, const CompareOptions& o, std::vector<Explanation>* out) {
  size_t differ = 0, same_fills = 0, explained = 0, spread_pairs = 0, same_bar_pairs = 0;
  const double sa = SpecSpread(*p.a), sb = SpecSpread(*p.b);
  for (size_t k = 0; k < p.diffs.size(); ++k) {
    const PairDiff& d = p.diffs[k];
    if (d.commission) ++differ;
    if (d.fills_identical() && d.commission) {
      ++same_fills;
      if (std::fabs(d.pnl_delta + d.commission_delta) <=
          1e-6 * std::max(1.0, std::fabs(d.pnl_delta))) {
        ++explained;
      }
    }
    if (sa != sb && !d.entry_bar && d.entry_price) {
      ++same_bar_pairs;
      const Trade& ta = p.trades_a[p.match.pairs[k].a];
      const Trade& tb = p.trades_b[p.match.pairs[k].b];
      const double expected = ta.entry_price / (1 + ta.side() * sa) * (1 + tb.side() * sb);
      if (o.exact.Equal(tb.entry_price, expected)) ++spread_pairs;
    }
  }
  size_t closed_a = 0, closed_b = 0;
  const double ca = ClosedCommissions(p.trades_a, &closed_a);
  const double cb = ClosedCommissions(p.trades_b, &closed_b);
  if (differ == 0 && spread_pairs == 0 && o.exact.Equal(ca, cb)) return;
  const std::string& a = p.a->label;
  const std::string& b = p.b->label;
  std::string text = "costs: " + b + " paid " + Money(cb) + " in commissions on its " +
                     Plural(closed_b, "closed trade", "closed trades") + ", " + a + " " +
                     Money(ca) + " on " + std::to_string(closed_a) + "; commissions differ in " +
                     Ratio(differ, p.diffs.size()) + " paired trades";
  if (same_fills > 0) {
    text += "; in the " + Plural(same_fills, "pair", "pairs") +
            " with identical fills the P&L difference equals the commission difference in " +
            Ratio(explained, same_fills);
  }
  if (spread_pairs > 0) {
    text += "; entry prices on the same bars differ by exactly the spread (" + Num(sa) + " vs " +
            Num(sb) + ") in " + Ratio(spread_pairs, same_bar_pairs) + " pairs";
  }
  text += ".";
  const json fees = ConventionFor(p.b->result, "commissions");
  const bool settings_differ =
      std::any_of(p.settings.begin(), p.settings.end(), [](const SettingChange& s) {
        return s.field == "commission" || s.field == "commission_fixed" || s.field == "spread";
      });
  if (!settings_differ && fees.is_string()) {
    text += " The cost settings are the same; " + b + "'s conventions (fees): " + Quote(fees) + ".";
  }
  out->push_back({"costs",
                  text,
                  {{"commissions", {{a, ca}, {b, cb}}},
                   {"pairs_commission_differs", differ},
                   {"pairs_identical_fills_commission_differs", same_fills},
                   {"pnl_delta_equals_commission_delta", explained},
                   {"pairs_spread_apart", spread_pairs}},
                  differ + spread_pairs});
}

// Same entry bar and price, different size: a sizing rule when the equity before the entry was
// the same, compounding when earlier differences had already moved the equity apart.
void Sizing(const PairAnalysis& p, const CompareOptions& o, std::vector<Explanation>* out) {
  struct Group {
    size_t n = 0, by_one = 0;
    double max_units = 0, max_equity_gap = 0;
  } same, moved;
  for (size_t k = 0; k < p.diffs.size(); ++k) {
    const PairDiff& d = p.diffs[k];
    if (d.entry_bar || d.entry_price || !d.size) continue;
    const Trade& ta = p.trades_a[p.match.pairs[k].a];
    const Trade& tb = p.trades_b[p.match.pairs[k].b];
    const double ea = PairAnalysis::EquityBefore(*p.a, ta.entry_bar);
    const double eb = PairAnalysis::EquityBefore(*p.b, tb.entry_bar);
    Group& g = o.exact.Equal(ea, eb) ? same : moved;
    ++g.n;
    const double units = std::fabs(d.size_delta);
    g.by_one += units == 1 ? 1 : 0;
    g.max_units = std::max(g.max_units, units);
    g.max_equity_gap = std::max(g.max_equity_gap, std::fabs(eb - ea));
  }
  auto sizes = [](const Group& g) {
    return "(by 1 unit in " + std::to_string(g.by_one) + ", at most " + Num(g.max_units) +
           " units)";
  };
  const json facts = {
      {"same_equity", {{"pairs", same.n}, {"by_one_unit", same.by_one}}},
      {"moved_equity", {{"pairs", moved.n}, {"max_equity_gap", moved.max_equity_gap}}}};
  if (same.n > 0) {
    out->push_back({"sizing",
                    "sizing: " + Ratio(same.n, p.diffs.size()) + " paired trades differ in size " +
                        sizes(same) +
                        " with the same entry bars, the same prices and the same equity before "
                        "the entry → sizing: the engines size positions differently.",
                    facts, same.n});
  }
  if (moved.n > 0) {
    // A consequence of the causes above, listed after them.
    out->push_back({"compounding",
                    "compounding: " + Ratio(moved.n, p.diffs.size()) +
                        " paired trades enter on the same bars at the same prices with other "
                        "sizes " +
                        sizes(moved) + " after the equity had moved apart (by up to " +
                        Money(moved.max_equity_gap) +
                        " before the entry): sizes follow the equity, so earlier differences "
                        "compound.",
                    facts, 0});
  }
}

bool WholeCents(double v) {
  const double cents = v * 100;
  return std::fabs(cents - std::round(cents)) <= 1e-6 * std::max(1.0, std::fabs(cents));
}

void Rounding(const PairAnalysis& p, std::vector<Explanation>* out) {
  size_t n = 0;
  double max_abs = 0;
  for (const PairDiff& d : p.diffs) {
    if (!d.fills_identical() || d.commission || !d.pnl) continue;
    ++n;
    max_abs = std::max(max_abs, std::fabs(d.pnl_delta));
  }
  if (n == 0) return;
  auto cents = [](const std::vector<Trade>& trades, size_t* total) {
    size_t whole = 0;
    *total = 0;
    for (const Trade& t : trades) {
      if (t.open || !std::isfinite(t.pnl)) continue;
      ++*total;
      whole += WholeCents(t.pnl + t.commission) ? 1 : 0;
    }
    return whole;
  };
  size_t total_a = 0, total_b = 0;
  const size_t wa = cents(p.trades_a, &total_a), wb = cents(p.trades_b, &total_b);
  const std::string& a = p.a->label;
  const std::string& b = p.b->label;
  const bool under_cent = max_abs < 0.01 + 1e-9;
  std::string text = std::string(under_cent ? "rounding" : "pnl") + ": P&L differs by at most " +
                     Num(max_abs) + " in " + Ratio(n, p.diffs.size()) +
                     " paired trades with identical fills and commissions; the P&L before "
                     "commission is a whole number of cents in " +
                     Ratio(wb, total_b) + " trades of " + b + " and " + Ratio(wa, total_a) +
                     " of " + a + ".";
  const json convention = ConventionFor(p.b->result, "trade_pnl");
  if (convention.is_string())
    text += " " + b + "'s conventions (trade_pnl): " + Quote(convention) + ".";
  out->push_back(
      {under_cent ? "rounding" : "pnl",
       text,
       {{"pairs", n}, {"max_abs_pnl_delta", max_abs}, {"whole_cents", {{a, wa}, {b, wb}}}},
       n});
}

}  // namespace

json ExplainPair(const PairAnalysis& p, const PairMetrics& metrics, const CompareOptions& options) {
  std::vector<Explanation> head, causes;
  head.push_back(Summary(p, metrics, options));
  const std::string& a = p.a->label;
  const std::string& b = p.b->label;
  if (!p.same_data) {
    auto dataset = [](const RunInput& r) { return r.result.value("dataset", json::object()); };
    const json da = dataset(*p.a), db = dataset(*p.b);
    head.push_back(
        {"data",
         "data: " + a + " read dataset sha256 " + da.value("sha256", std::string()).substr(0, 12) +
             "… (" + std::to_string(p.a->bars->size()) + " bars), " + b + " " +
             db.value("sha256", std::string()).substr(0, 12) + "… (" +
             std::to_string(p.b->bars->size()) + " bars); the curves are compared on the " +
             std::to_string(p.equity.points) + " bars both have.",
         {{a, da}, {b, db}},
         0});
  }
  if (!p.settings.empty()) {
    std::string text = "settings: " + b + " runs with ";
    json facts = json::array();
    for (size_t k = 0; k < p.settings.size(); ++k) {
      const SettingChange& s = p.settings[k];
      text +=
          (k ? ", " : "") + s.field + " = " + JsonText(s.b) + " (" + a + ": " + JsonText(s.a) + ")";
      facts.push_back({{"field", s.field}, {"a", s.a}, {"b", s.b}});
    }
    head.push_back({"settings", text + ".", facts, 0});
  }
  internal::Warmup(p, metrics, &head);
  FillTiming(p, &causes);
  Costs(p, options, &causes);
  Sizing(p, options, &causes);
  Rounding(p, &causes);
  internal::Trades(p, &causes);
  internal::Valuation(p, &causes);
  internal::Stamps(p, &causes);
  if (!metrics.not_comparable_keys.empty()) {
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const json& k : metrics.not_comparable_keys) {
      by_reason[k["reason"].is_string() ? k["reason"].get<std::string>() : "no value"].push_back(
          k["key"].get<std::string>());
    }
    std::string text = "definitions: not comparable between " + a + " and " + b + ":";
    for (const auto& [reason, keys] : by_reason) {
      text += " " + reason + " (";
      for (size_t k = 0; k < keys.size(); ++k) text += (k ? ", " : "") + keys[k];
      text += ")";
    }
    causes.push_back({"definitions", text + ".", metrics.not_comparable_keys,
                      metrics.not_comparable_keys.size()});
  }
  std::stable_sort(causes.begin(), causes.end(),
                   [](const Explanation& x, const Explanation& y) { return x.weight > y.weight; });
  const bool differs =
      metrics.differ > 0 || p.equity.bars_differing > 0 || p.trade_divergence.has_value();
  if (differs && causes.empty() && head.size() == 1) {
    causes.push_back({"unexplained",
                      "unexplained: the runs differ, yet no difference in data, settings, fill "
                      "timing, costs, sizing, rounding, trades or definitions was measured; see "
                      "the first divergence above.",
                      json::object(), 0});
  }
  json out = json::array();
  for (const std::vector<Explanation>* list : {&head, &causes}) {
    for (const Explanation& e : *list) {
      out.push_back({{"cause", e.cause}, {"text", e.text}, {"facts", e.facts}});
    }
  }
  return out;
}

}  // namespace btr::compare
