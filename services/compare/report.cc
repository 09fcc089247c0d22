#include "services/compare/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "engines/metrics/metrics.h"
#include "services/compare/explanations.h"
#include "services/compare/metric_verdicts.h"
#include "services/compare/pair_analysis.h"

namespace btr::compare {
namespace {

using nlohmann::json;

json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json Member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() ? *it : json(nullptr);
}

json RunJson(const RunInput& run) {
  json out = {{"label", run.label},
              {"engine", run.engine},
              {"overrides", run.overrides},
              {"backtest_id", run.backtest_id.empty() ? json(nullptr) : json(run.backtest_id)},
              {"status", run.status},
              {"error", run.error},
              {"engine_used", run.engine_used.empty() ? json(nullptr) : json(run.engine_used)},
              {"spec", run.spec}};
  if (!run.succeeded()) return out;
  const json& r = run.result;
  out["engine_version"] = Member(r, "engine_version");
  out["dataset"] = Member(r, "dataset");
  out["trades"] = r.contains("trades") ? r["trades"].size() : 0;
  out["open_trades"] = r.contains("open_trades") ? r["open_trades"].size() : 0;
  out["warmup_bars"] = Member(r, "warmup_bars");
  out["run_seconds"] = Member(r, "run_seconds");
  out["conventions"] = Member(r, "conventions");
  out["native_raw"] = Member(Member(r, "native"), "raw");
  return out;
}

json DiffJson(const PairDiff& d) {
  json differs = json::array();
  if (d.entry_bar) differs.push_back("entry_time");
  if (d.entry_stamp) differs.push_back("entry_stamp");
  if (d.exit_stamp) differs.push_back("exit_stamp");
  if (d.entry_price) differs.push_back("entry_price");
  if (d.size) differs.push_back("size");
  if (d.open_state) differs.push_back("open");
  if (d.exit_bar) differs.push_back("exit_time");
  if (d.exit_price) differs.push_back("exit_price");
  if (d.commission) differs.push_back("commission");
  if (d.pnl) differs.push_back("pnl");
  return {{"entry_bar", d.entry_bar_delta},
          {"exit_bar", d.exit_bar_delta},
          {"entry_price", d.entry_price_delta},
          {"exit_price", d.exit_price_delta},
          {"size", d.size_delta},
          {"pnl", Number(d.pnl_delta)},
          {"commission", d.commission_delta},
          {"return_pct", Number(d.return_pct_delta)},
          {"differs", differs}};
}

json TradesJson(const PairAnalysis& p, const CompareOptions& o) {
  size_t identical = 0;
  for (const PairDiff& d : p.diffs) identical += d.identical() ? 1 : 0;
  json rows = json::array();
  for (size_t k = 0; k < p.match.pairs.size() && k < o.max_trade_rows; ++k) {
    const TradePair& pair = p.match.pairs[k];
    rows.push_back(
        {{"a", TradeJson(p.trades_a[pair.a])},
         {"b", TradeJson(p.trades_b[pair.b])},
         {"delta", DiffJson(p.diffs[k])},
         {"entry_fill",
          {{"a", FillKindName(p.entry_a[pair.a])}, {"b", FillKindName(p.entry_b[pair.b])}}},
         {"exit_fill",
          {{"a", FillKindName(p.exit_a[pair.a])}, {"b", FillKindName(p.exit_b[pair.b])}}}});
  }
  auto unmatched = [&](const std::vector<size_t>& idx, const std::vector<Trade>& trades) {
    json out = json::array();
    for (size_t k = 0; k < idx.size() && k < o.max_trade_rows; ++k)
      out.push_back(TradeJson(trades[idx[k]]));
    return out;
  };
  return {{"a_total", p.trades_a.size()},
          {"b_total", p.trades_b.size()},
          {"paired", p.match.pairs.size()},
          {"identical", identical},
          {"only_a", p.match.unmatched_a.size()},
          {"only_b", p.match.unmatched_b.size()},
          {"match_window_bars", o.match_window_bars},
          {"rows", rows},
          {"rows_truncated", p.match.pairs.size() > o.max_trade_rows},
          {"unmatched_a", unmatched(p.match.unmatched_a, p.trades_a)},
          {"unmatched_b", unmatched(p.match.unmatched_b, p.trades_b)}};
}

json FirstDivergence(const PairAnalysis& p) {
  const auto& time = p.a->bars->time;
  long bar = -1;
  json out = nullptr;
  if (p.trade_divergence && *p.trade_divergence >= 0) {
    bar = *p.trade_divergence;
    out = {{"source", "trades"}, {"detail", p.trade_divergence_detail}};
  }
  if (p.equity.first_difference >= 0 && (bar < 0 || p.equity.first_difference < bar)) {
    bar = p.equity.first_difference;
    const size_t k = static_cast<size_t>(bar);
    out = {{"source", "equity"},
           {"detail", {{"what", "equity"}, {"a", p.a->equity[k]}, {"b", nullptr}}}};
    // The b value at the same time (the axes may differ).
    auto it = std::lower_bound(p.b->bars->time.begin(), p.b->bars->time.end(), time[k]);
    if (it != p.b->bars->time.end() && *it == time[k]) {
      out["detail"]["b"] = p.b->equity[static_cast<size_t>(it - p.b->bars->time.begin())];
    }
  }
  if (bar < 0 || static_cast<size_t>(bar) >= time.size()) return nullptr;
  out["bar"] = bar;
  out["time"] = FormatIsoTime(time[static_cast<size_t>(bar)], true);
  return out;
}

// Each succeeded run's equity and drawdown on the baseline's time axis (NaN where it has no bar).
json Curves(const std::vector<RunInput>& runs, const std::vector<size_t>& ok,
            const CompareOptions& o) {
  if (ok.empty()) return nullptr;
  const RunInput& base = runs[ok.front()];
  const size_t n = base.bars->size();
  std::vector<std::vector<double>> equity, drawdown;
  for (size_t r : ok) {
    const RunInput& run = runs[r];
    std::vector<double> e(n, std::nan("")), d(n, std::nan(""));
    const std::vector<double> dd = DrawdownSeries(run.equity);
    for (const auto& [i, j] : AlignByTime(base.bars->time, run.bars->time)) {
      e[i] = run.equity[j];
      d[i] = dd[j];
    }
    equity.push_back(std::move(e));
    drawdown.push_back(std::move(d));
  }
  std::vector<std::span<const double>> series;
  for (const auto& e : equity) series.emplace_back(e);
  for (const auto& d : drawdown) series.emplace_back(d);
  const std::vector<size_t> idx = ChartIndices(series, n, o.chart_points);
  json time = json::array();
  for (size_t i : idx) time.push_back(FormatIsoTime(base.bars->time[i], true));
  json list = json::array();
  for (size_t s = 0; s < ok.size(); ++s) {
    json e = json::array(), d = json::array();
    for (size_t i : idx) {
      e.push_back(Number(equity[s][i]));
      d.push_back(Number(drawdown[s][i]));
    }
    list.push_back({{"run", runs[ok[s]].label}, {"equity", e}, {"drawdown", d}});
  }
  return {{"bars", n}, {"points", idx.size()}, {"time", time}, {"series", list}};
}

}  // namespace

json BuildReport(const std::vector<RunInput>& runs, const ReportInputs& inputs,
                 const CompareOptions& options) {
  std::vector<size_t> ok;
  for (size_t r = 0; r < runs.size(); ++r) {
    if (runs[r].succeeded()) ok.push_back(r);
  }
  json run_list = json::array();
  std::map<std::string, json> datasets;
  for (const RunInput& run : runs) {
    run_list.push_back(RunJson(run));
    if (run.succeeded()) {
      const json d = Member(run.result, "dataset");
      datasets[d.dump()] = d;
    }
  }
  json dataset_list = json::array();
  for (const auto& [key, d] : datasets) dataset_list.push_back(d);

  const MetricsOutcome metrics = CompareMetrics(runs, ok, options);
  json pairs = json::array();
  json explanations = json::array();
  for (size_t k = 1; k < ok.size(); ++k) {
    const RunInput& a = runs[ok.front()];
    const RunInput& b = runs[ok[k]];
    const PairAnalysis p = AnalyzePair(a, b, options);
    auto it = metrics.pairs.find(ok[k]);
    const PairMetrics pm = it != metrics.pairs.end() ? it->second : PairMetrics{};
    json why = ExplainPair(p, pm, options);
    const std::string pair_name = b.label + " vs " + a.label;
    for (const json& e : why) {
      json copy = e;
      copy["pair"] = pair_name;
      explanations.push_back(std::move(copy));
    }
    json settings = json::array();
    for (const SettingChange& s : p.settings) {
      settings.push_back({{"field", s.field}, {"a", s.a}, {"b", s.b}});
    }
    pairs.push_back(
        {{"a", a.label},
         {"b", b.label},
         {"verdicts",
          {{"agree", pm.agree}, {"differ", pm.differ}, {"not_comparable", pm.not_comparable}}},
         {"largest", pm.largest},
         {"same_data", p.same_data},
         {"settings", settings},
         {"trades", TradesJson(p, options)},
         {"fills",
          {{"entry", {{a.label, p.entry_count_a.ToJson()}, {b.label, p.entry_count_b.ToJson()}}},
           {"exit", {{a.label, p.exit_count_a.ToJson()}, {b.label, p.exit_count_b.ToJson()}}}}},
         {"first_divergence", FirstDivergence(p)},
         {"equity", p.equity.ToJson(a.bars->time)},
         {"explanations", std::move(why)}});
  }
  for (size_t r : ok) {
    const json notes =
        ExplainRunDefinitions(runs[r], metrics.engine_differs.at(r), metrics.engine_unmapped.at(r));
    for (const json& e : notes) explanations.push_back(e);
  }
  for (const RunInput& run : runs) {
    if (run.succeeded()) continue;
    const std::string why = run.error.is_object()
                                ? run.error.value("code", std::string("failed")) + ": " +
                                      run.error.value("message", std::string())
                                : run.status;
    explanations.push_back({{"cause", "failed"},
                            {"run", run.label},
                            {"text", run.label + " did not complete (" + run.status + "): " + why +
                                         "; it is left out of the comparison."},
                            {"facts", {{"status", run.status}, {"error", run.error}}}});
  }
  return {
      {"version", "btr-compare/1"},
      {"id", inputs.id},
      {"created_at", inputs.created_at},
      {"baseline", ok.empty() ? json(nullptr) : json(runs[ok.front()].label)},
      {"tolerances",
       {{"exact", {{"rel", options.exact.rel}, {"abs", options.exact.abs}}},
        {"rounded", {{"rel", options.rounded.rel}, {"abs", options.rounded.abs}}},
        {"rounded_engines", options.rounded_engines},
        {"match_window_bars", options.match_window_bars}}},
      {"inputs", {{"request", inputs.request}, {"datasets", dataset_list}}},
      {"runs", run_list},
      {"metrics", metrics.rows},
      {"pairs", pairs},
      {"explanations", explanations},
      {"curves", Curves(runs, ok, options)},
  };
}

}  // namespace btr::compare
