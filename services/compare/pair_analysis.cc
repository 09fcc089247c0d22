#include "services/compare/pair_analysis.h"

#include <algorithm>
#include <map>

#include "engines/data/sha256.h"

namespace btr::compare {
namespace {

using nlohmann::json;

// The spec as flat fields ("cash", "strategy.name", "strategy.params.fast",
// "algorithm.parameters.x", "algorithm.files": a digest of the source), without the engine and
// its fallback (which differ by design in a comparison).
std::map<std::string, json> FlatSpec(const json& spec) {
  std::map<std::string, json> out;
  if (!spec.is_object()) return out;
  for (const auto& [key, value] : spec.items()) {
    if (key == "engine" || key == "fallback") continue;
    if (key == "strategy" && value.is_object()) {
      if (value.contains("name")) out["strategy.name"] = value["name"];
      if (value.contains("params") && value["params"].is_object()) {
        for (const auto& [p, v] : value["params"].items()) out["strategy.params." + p] = v;
      }
      continue;
    }
    if (key == "algorithm" && value.is_object()) {
      out["algorithm.language"] = value.value("language", json(""));
      if (value.contains("parameters") && value["parameters"].is_object()) {
        for (const auto& [p, v] : value["parameters"].items()) out["algorithm.parameters." + p] = v;
      }
      out["algorithm.files"] = Sha256Hex(value.value("files", json::object()).dump());
      continue;
    }
    out[key] = value;
  }
  return out;
}

std::string DatasetField(const RunInput& run, const char* field) {
  const json d = run.result.value("dataset", json::object());
  auto it = d.find(field);
  return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The first bar of `time` at or after `t` (its size when none).
long BarAt(const std::vector<TimeNs>& time, TimeNs t) {
  return static_cast<long>(std::lower_bound(time.begin(), time.end(), t) - time.begin());
}

json Brief(const Trade& t) {
  return {{"index", t.index},
          {"side", t.side() > 0 ? "long" : "short"},
          {"size", t.size},
          {"entry_time", FormatIsoTime(t.entry_time, true)},
          {"entry_price", t.entry_price},
          {"exit_time", t.open ? json(nullptr) : json(FormatIsoTime(t.exit_time, true))},
          {"exit_price", t.open ? json(nullptr) : json(t.exit_price)}};
}

// The field that differs first in a pair, for the divergence detail.
std::string WhatDiffers(const PairDiff& d) {
  if (d.entry_bar) return "entry time";
  if (d.entry_price) return "entry price";
  if (d.size) return "size";
  if (d.open_state) return "open at the end in one run only";
  if (d.exit_bar) return "exit time";
  if (d.exit_price) return "exit price";
  if (d.commission) return "commission";
  return "pnl";
}

}  // namespace

double SpecSpread(const RunInput& run) {
  auto it = run.spec.find("spread");
  return it != run.spec.end() && it->is_number() ? it->get<double>() : 0.0;
}

double PairAnalysis::EquityBefore(const RunInput& run, long bar) {
  if (run.equity.empty()) return 0;
  if (bar <= 0) return run.equity.front();
  const auto k = std::min(static_cast<size_t>(bar - 1), run.equity.size() - 1);
  return run.equity[k];
}

PairAnalysis AnalyzePair(const RunInput& a, const RunInput& b, const CompareOptions& options) {
  PairAnalysis p;
  p.a = &a;
  p.b = &b;
  const std::map<std::string, json> fa = FlatSpec(a.spec), fb = FlatSpec(b.spec);
  std::map<std::string, int> fields;
  for (const auto& [k, v] : fa) fields[k] = 0;
  for (const auto& [k, v] : fb) fields[k] = 0;
  for (const auto& [field, unused] : fields) {
    auto ia = fa.find(field);
    auto ib = fb.find(field);
    const json va = ia != fa.end() ? ia->second : json(nullptr);
    const json vb = ib != fb.end() ? ib->second : json(nullptr);
    if (va != vb) p.settings.push_back({field, va, vb});
  }
  // Same dataset, and the same bars of it (runs may cover different windows).
  p.same_data = DatasetField(a, "sha256") == DatasetField(b, "sha256") &&
                a.bars->size() == b.bars->size() &&
                (a.bars->time.empty() || a.bars->time.front() == b.bars->time.front());

  p.trades_a = ParseTrades(a.result);
  p.trades_b = ParseTrades(b.result);
  auto positions = [&](const std::vector<Trade>& trades, bool own_axis) {
    std::vector<TradePos> out;
    for (const Trade& t : trades) {
      TradePos pos;
      if (own_axis) {
        pos.entry = t.entry_bar;
        pos.exit = t.open ? -1 : t.exit_bar;
      } else {
        pos.entry = BarAt(a.bars->time, t.entry_time);
        pos.exit = t.open ? -1 : BarAt(a.bars->time, t.exit_time);
      }
      out.push_back(pos);
    }
    return out;
  };
  p.pos_a = positions(p.trades_a, true);
  p.pos_b = positions(p.trades_b, p.same_data);
  p.match = MatchTrades(p.trades_a, p.trades_b, p.pos_a, p.pos_b, options.match_window_bars);

  const double spread_a = SpecSpread(a), spread_b = SpecSpread(b);
  for (const Trade& t : p.trades_a) {
    p.entry_a.push_back(ClassifyEntry(t, *a.bars, spread_a, options.exact));
    p.exit_a.push_back(ClassifyExit(t, *a.bars, options.exact));
    p.entry_count_a.Add(p.entry_a.back());
    if (!t.open) p.exit_count_a.Add(p.exit_a.back());
  }
  for (const Trade& t : p.trades_b) {
    p.entry_b.push_back(ClassifyEntry(t, *b.bars, spread_b, options.exact));
    p.exit_b.push_back(ClassifyExit(t, *b.bars, options.exact));
    p.entry_count_b.Add(p.entry_b.back());
    if (!t.open) p.exit_count_b.Add(p.exit_b.back());
  }

  // Pair differences and the first bar where the trades part.
  auto consider = [&](long bar, json detail) {
    if (bar < 0) return;
    if (!p.trade_divergence || bar < *p.trade_divergence) {
      p.trade_divergence = bar;
      p.trade_divergence_detail = std::move(detail);
    }
  };
  for (const TradePair& pair : p.match.pairs) {
    const Trade& ta = p.trades_a[pair.a];
    const Trade& tb = p.trades_b[pair.b];
    p.diffs.push_back(DiffPair(ta, tb, p.pos_a[pair.a], p.pos_b[pair.b], options.exact));
    const std::optional<long> bar =
        PairDivergenceBar(p.diffs.back(), p.pos_a[pair.a], p.pos_b[pair.b]);
    if (bar) {
      consider(*bar, {{"what", WhatDiffers(p.diffs.back())}, {"a", Brief(ta)}, {"b", Brief(tb)}});
    }
  }
  for (size_t i : p.match.unmatched_a) {
    consider(p.pos_a[i].entry,
             {{"what", "trade only in " + a.label}, {"a", Brief(p.trades_a[i])}, {"b", nullptr}});
  }
  for (size_t j : p.match.unmatched_b) {
    consider(p.pos_b[j].entry,
             {{"what", "trade only in " + b.label}, {"a", nullptr}, {"b", Brief(p.trades_b[j])}});
  }
  p.equity = CompareEquity(a.equity, a.bars->time, b.equity, b.bars->time, options.exact);
  return p;
}

}  // namespace btr::compare
