// Metric verdicts and explanations on synthetic runs whose differences are known by
// construction: fill timing, sizing, costs, rounding, data, definitions, failures.
#include "services/compare/explanations.h"

#include <catch2/catch.hpp>

#include "services/compare/report.h"
#include "tests/services/compare/compare_test_util.h"

namespace btr::compare {
namespace {

using nlohmann::json;
using testing::kSignals;
using testing::MakeBars;
using testing::MakeRun;
using testing::SimOptions;
using testing::Simulate;

json Report(const std::vector<RunInput>& runs, const CompareOptions& options = {}) {
  return BuildReport(runs, {"cmp_test", "2026-01-01T00:00:00Z", {{"strategy", "x"}}}, options);
}

// The pair explanation with `cause`, or null.
json Cause(const json& report, const std::string& cause) {
  for (const json& e : report["pairs"][0]["explanations"]) {
    if (e["cause"] == cause) return e;
  }
  return nullptr;
}

std::string Text(const json& e) { return e.is_null() ? "" : e["text"].get<std::string>(); }

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const json& Metric(const json& report, const std::string& key) {
  for (const json& row : report["metrics"]) {
    if (row["key"] == key) return row;
  }
  FAIL("no metric " << key);
  static const json none;
  return none;
}

TEST_CASE("identical runs agree on every metric and trade; nothing to explain", "[compare]") {
  const auto bars = MakeBars(120);
  const auto sim = Simulate(*bars, kSignals, {});
  const json r = Report({MakeRun("native", "native", bars, sim),
                         MakeRun("backtestingpy", "backtestingpy", bars, sim)});
  REQUIRE(r["pairs"].size() == 1);
  const json& pair = r["pairs"][0];
  CHECK(pair["verdicts"]["differ"] == 0);
  CHECK(pair["verdicts"]["agree"].get<size_t>() >= 30);
  CHECK(pair["trades"]["paired"] == kSignals.size());
  CHECK(pair["trades"]["identical"] == kSignals.size());
  CHECK(pair["first_divergence"].is_null());
  CHECK(pair["equity"]["correlation"].get<double>() == Approx(1));
  REQUIRE(pair["explanations"].size() == 1);
  CHECK(Has(Text(pair["explanations"][0]), "backtestingpy vs native agree"));
  for (const json& row : r["metrics"]) CHECK(row["verdict"] != "differ");
}

TEST_CASE("trade_on_close is explained as fill timing, with consistent pair deltas", "[compare]") {
  const auto bars = MakeBars(120);
  SimOptions toc;
  toc.trade_on_close = true;
  const auto a = Simulate(*bars, kSignals, {});
  const auto b = Simulate(*bars, kSignals, toc);
  const json r = Report(
      {MakeRun("native", "native", bars, a, {{"trade_on_close", false}}),
       MakeRun("native[trade_on_close=true]", "native", bars, b, {{"trade_on_close", true}})});
  const json& pair = r["pairs"][0];
  const size_t n = kSignals.size();
  REQUIRE(pair["trades"]["paired"] == n);
  for (const json& row : pair["trades"]["rows"]) {
    CHECK(row["delta"]["entry_bar"] == -1);
    CHECK(row["delta"]["exit_bar"] == -1);
    CHECK(row["entry_fill"]["a"] == "open");
    CHECK(row["entry_fill"]["b"] == "close");
    // The entry price moved from the entry bar's open to the previous bar's close.
    const long bar = row["a"]["entry_bar"];
    CHECK(row["delta"]["entry_price"].get<double>() ==
          Approx(bars->close[static_cast<size_t>(bar - 1)] - bars->open[static_cast<size_t>(bar)]));
  }
  const std::string settings = Text(Cause(r, "settings"));
  CHECK(Has(settings, "trade_on_close = true (native: false)"));
  const std::string timing = Text(Cause(r, "fill_timing"));
  INFO(timing);
  CHECK(Has(timing, "enters 1 bar earlier than native in " + std::to_string(n) + "/" +
                        std::to_string(n) + " paired trades"));
  CHECK(Has(timing, "exits 1 bar earlier"));
  CHECK(Has(timing, "native fills entries at the entry bar's open in 6/6 trades"));
  CHECK(Has(timing, "at the entry bar's close in 6/6 (trade_on_close-like"));
  CHECK(pair["first_divergence"]["bar"] == kSignals[0].first);
  CHECK(pair["first_divergence"]["source"] == "trades");
  CHECK(Metric(r, "total_return")["verdict"] == "differ");
  // Sizing is not claimed: the sizes differ only where the prices do.
  CHECK(Cause(r, "sizing").is_null());
}

TEST_CASE("same bars and prices with other sizes is explained as sizing", "[compare]") {
  const auto bars = MakeBars(120);
  SimOptions bias;
  bias.size_bias = -1;
  const json r = Report({MakeRun("a", "native", bars, Simulate(*bars, kSignals, {})),
                         MakeRun("b", "backtestingpy", bars, Simulate(*bars, kSignals, bias))});
  // The first trade enters with the same equity: a sizing rule. The later ones enter after the
  // equity moved apart (the smaller positions earned less): compounding.
  const std::string sizing = Text(Cause(r, "sizing"));
  INFO(sizing);
  CHECK(Has(sizing, "1/6 paired trades differ in size (by 1 unit in 1, at most 1 units)"));
  CHECK(Has(sizing, "the same prices and the same equity before the entry → sizing"));
  const std::string compounding = Text(Cause(r, "compounding"));
  INFO(compounding);
  CHECK(Has(compounding, "5/6 paired trades enter on the same bars at the same prices"));
  CHECK(Has(compounding, "after the equity had moved apart"));
  CHECK(Cause(r, "fill_timing").is_null());
  CHECK(Cause(r, "settings").is_null());
}

TEST_CASE("commissions are explained as costs, P&L deltas equal to commission deltas",
          "[compare]") {
  const auto bars = MakeBars(120);
  // A fixed size isolates the cost: same fills, only commissions differ.
  std::vector<TradeRecord> fees_free = Simulate(*bars, kSignals, {}).trades;
  testing::Sim with_fees = Simulate(*bars, kSignals, {});
  for (TradeRecord& t : with_fees.trades) {
    t.commission = 0.002 * t.size * (t.entry_price + t.exit_price);
    t.pnl -= t.commission;
  }
  const json r =
      Report({MakeRun("a", "native", bars, Simulate(*bars, kSignals, {}), {{"commission", 0}}),
              MakeRun("b", "native", bars, with_fees, {{"commission", 0.002}})});
  const std::string costs = Text(Cause(r, "costs"));
  INFO(costs);
  CHECK(Has(costs, "commissions differ in 6/6 paired trades"));
  CHECK(Has(costs, "the P&L difference equals the commission difference in 6/6"));
  CHECK(Has(Text(Cause(r, "settings")), "commission = 0.002 (a: 0)"));
}

TEST_CASE("P&L rounded to cents is explained as rounding", "[compare]") {
  const auto bars = MakeBars(120);
  auto a = Simulate(*bars, kSignals, {});
  // Prices with sub-cent digits, so rounding the P&L changes it.
  for (TradeRecord& t : a.trades) t.pnl += 0.0037;
  auto b = a;
  for (TradeRecord& t : b.trades) t.pnl = std::round(t.pnl * 100) / 100;
  const json r = Report({MakeRun("native", "native", bars, a),
                         MakeRun("lean_local", "lean_local", bars, b, {}, "aa11", nullptr,
                                 {{"trade_pnl", "LEAN rounds P&L to cents."}})});
  const std::string rounding = Text(Cause(r, "rounding"));
  INFO(rounding);
  CHECK(Has(rounding, "in 6/6 paired trades with identical fills and commissions"));
  CHECK(Has(rounding, "whole number of cents in 6/6 trades of lean_local"));
  CHECK(Has(rounding, "\"LEAN rounds P&L to cents.\""));
}

TEST_CASE("different data is named with its sha256 and bar counts", "[compare]") {
  const auto bars = MakeBars(120);
  const auto shorter = MakeBars(100);
  const json r =
      Report({MakeRun("a", "native", bars, Simulate(*bars, kSignals, {}), {}, "aaaa"),
              MakeRun("b", "native", shorter, Simulate(*shorter, kSignals, {}), {}, "bbbb")});
  const std::string data = Text(Cause(r, "data"));
  CHECK(Has(data, "a read dataset sha256 aaaa… (120 bars), b bbbb… (100 bars)"));
  CHECK(Has(data, "compared on the 100 bars both have"));
  CHECK(r["pairs"][0]["same_data"] == false);
}

TEST_CASE("runs on different windows of one dataset do not share a bar axis", "[compare]") {
  // Same dataset (sha256) and bar count, but b's window starts 10 bars later.
  const auto all = MakeBars(130);
  auto first = std::make_shared<RunBars>(), later = std::make_shared<RunBars>();
  for (size_t i = 0; i < 120; ++i) {
    for (auto [to, k] : {std::pair{first.get(), i}, std::pair{later.get(), i + 10}}) {
      to->time.push_back(all->time[k]);
      to->open.push_back(all->open[k]);
      to->close.push_back(all->close[k]);
    }
  }
  const json r =
      Report({MakeRun("a", "native", first, Simulate(*first, kSignals, {}), {}, "aaaa"),
              MakeRun("b", "native", later, Simulate(*later, kSignals, {}), {}, "aaaa")});
  CHECK(r["pairs"][0]["same_data"] == false);
  // The same window: one axis.
  const json same =
      Report({MakeRun("a", "native", first, Simulate(*first, kSignals, {}), {}, "aaaa"),
              MakeRun("b", "native", first, Simulate(*first, kSignals, {}), {}, "aaaa")});
  CHECK(same["pairs"][0]["same_data"] == true);
}

TEST_CASE("an engine's own numbers: agree, differ (rounded), not reported", "[compare]") {
  const auto bars = MakeBars(120);
  const auto sim = Simulate(*bars, kSignals, {});
  const RunInput base = MakeRun("native", "native", bars, sim);
  const json canonical = base.result["metrics"];
  json own = {{"total_return", canonical["total_return"].get<double>() + 2e-5},  // rounding
              {"max_drawdown", canonical["max_drawdown"].get<double>() * 0.5},   // sampled
              {"num_trades", canonical["num_trades"]}};
  const RunInput lean = MakeRun("lean_local", "lean_local", bars, sim, {}, "aa11", own,
                                {{"max_drawdown", "LEAN samples its equity chart."},
                                 {"sharpe_ratio", "Not mapped: LEAN annualizes differently."}});
  const json r = Report({base, lean});
  auto value = [&](const std::string& key) { return Metric(r, key)["values"][1]; };
  CHECK(value("total_return")["engine_verdict"] == "agree");  // within the rounded tolerance
  CHECK(value("max_drawdown")["engine_verdict"] == "differ");
  CHECK(value("max_drawdown")["engine_note"] == "LEAN samples its equity chart.");
  CHECK(value("sharpe_ratio")["engine_verdict"] == "not_comparable");
  CHECK(value("sharpe_ratio")["engine_note"] == "Not mapped: LEAN annualizes differently.");
  CHECK(value("num_trades")["engine_verdict"] == "agree");
  // The canonical values of the two runs agree: same equity and trades.
  CHECK(value("max_drawdown")["vs_baseline"]["verdict"] == "agree");
  // With the exact tolerance the rounded number differs.
  CompareOptions strict;
  strict.rounded_engines.clear();
  CHECK(Metric(Report({base, lean}, strict), "total_return")["values"][1]["engine_verdict"] ==
        "differ");
  bool found = false;
  for (const json& e : r["explanations"]) {
    if (e.value("run", "") == "lean_local" && Has(Text(e), "lean_local's own max_drawdown")) {
      found = true;
      CHECK(Has(Text(e), "\"LEAN samples its equity chart.\""));
    }
  }
  CHECK(found);
}

TEST_CASE("conventions that differ make annualized metrics not comparable", "[compare]") {
  const auto bars = MakeBars(120);
  const auto sim = Simulate(*bars, kSignals, {});
  RunInput a = MakeRun("a", "native", bars, sim);
  RunInput b = MakeRun("b", "native", bars, sim);
  REQUIRE(a.result["conventions"]["canonical"]["annualization_periods"] == 365);  // weekend bars
  b.result["conventions"]["canonical"]["annualization_periods"] = 52;
  const json r = Report({a, b});
  CHECK(Metric(r, "sharpe_ratio")["values"][1]["vs_baseline"]["verdict"] == "not_comparable");
  CHECK(Metric(r, "total_return")["values"][1]["vs_baseline"]["verdict"] == "agree");
  const std::string definitions = Text(Cause(r, "definitions"));
  INFO(definitions);
  CHECK(Has(definitions, "conventions differ: annualization_periods 365"));
  CHECK(Has(definitions, "vs 52"));
  CHECK(Has(definitions, "sharpe_ratio"));
}

TEST_CASE("a failed run is reported and left out; the baseline is the first success", "[compare]") {
  const auto bars = MakeBars(120);
  RunInput failed;
  failed.label = "backtestingpy";
  failed.engine = "backtestingpy";
  failed.status = "failed";
  failed.error = {{"code", "unavailable"}, {"message", "HTTP 500"}};
  const json r = Report({failed, MakeRun("native", "native", bars, Simulate(*bars, kSignals, {})),
                         MakeRun("lean_local", "lean_local", bars, Simulate(*bars, kSignals, {}))});
  CHECK(r["baseline"] == "native");
  CHECK(r["pairs"].size() == 1);
  CHECK(r["runs"][0]["status"] == "failed");
  bool reported = false;
  for (const json& e : r["explanations"]) {
    if (e["cause"] == "failed") {
      reported = true;
      CHECK(Has(Text(e), "backtestingpy did not complete (failed): unavailable: HTTP 500"));
    }
  }
  CHECK(reported);
  CHECK(r["curves"]["series"].size() == 2);
}

TEST_CASE("fills stamped at another time of the same bar are labels, not fill timing",
          "[compare]") {
  const auto bars = MakeBars(120);
  const auto sim = Simulate(*bars, kSignals, {});
  auto noon = sim;
  for (TradeRecord& t : noon.trades) {
    t.entry_time += 12 * kNsPerHour;
    t.exit_time += 12 * kNsPerHour;
  }
  const json r =
      Report({MakeRun("native", "native", bars, sim), MakeRun("qc_cloud", "qc_cloud", bars, noon)});
  CHECK(r["pairs"][0]["trades"]["identical"] == kSignals.size());
  CHECK(r["pairs"][0]["first_divergence"].is_null());
  CHECK(Cause(r, "fill_timing").is_null());
  CHECK(Has(Text(Cause(r, "timestamps")),
            "qc_cloud stamps its fills 12 h later than native on the same bars in 6/6 paired "
            "entries and 6/6 exits"));
}

TEST_CASE("a different warm-up is named with the metrics it moves", "[compare]") {
  const auto bars = MakeBars(120);
  const auto sim = Simulate(*bars, kSignals, {});
  RunInput b = MakeRun("b", "qc_cloud", bars, sim);
  b.result["warmup_bars"] = 0;
  b.result["metrics"]["buy_hold_return"] =
      b.result["metrics"]["buy_hold_return"].get<double>() + 0.1;
  const json r = Report({MakeRun("a", "native", bars, sim), b});
  const std::string warmup = Text(Cause(r, "warmup"));
  INFO(warmup);
  CHECK(Has(warmup, "b reports a warm-up of 0 bars, a 1"));
  CHECK(Has(warmup, "so buy_hold_return "));
  CHECK(Cause(r, "unexplained").is_null());
}

TEST_CASE("differences with no measured cause are called unexplained", "[compare]") {
  const auto bars = MakeBars(120);
  const auto sim = Simulate(*bars, kSignals, {});
  RunInput b = MakeRun("b", "native", bars, sim);
  b.result["metrics"]["sqn"] = 123.0;  // a number no measurement accounts for
  const json r = Report({MakeRun("a", "native", bars, sim), b});
  CHECK(Has(Text(Cause(r, "unexplained")), "no difference in data, settings"));
}

}  // namespace
}  // namespace btr::compare
