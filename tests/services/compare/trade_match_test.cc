// Trade matching, pair differences, fill classification and equity statistics on synthetic runs.
#include "services/compare/trade_match.h"

#include <catch2/catch.hpp>

#include "services/compare/equity_compare.h"
#include "tests/services/compare/compare_test_util.h"

namespace btr::compare {
namespace {

using testing::kDay0;

Trade T(double size, long entry, long exit) {
  Trade t;
  t.size = size;
  t.entry_bar = entry;
  t.exit_bar = exit;
  t.entry_time = kDay0 + entry * kNsPerDay;
  t.exit_time = kDay0 + exit * kNsPerDay;
  t.entry_price = 100 + static_cast<double>(entry);
  t.exit_price = 100 + static_cast<double>(exit);
  return t;
}

std::vector<TradePos> Pos(const std::vector<Trade>& trades) {
  std::vector<TradePos> out;
  for (const Trade& t : trades) out.push_back({t.entry_bar, t.exit_bar});
  return out;
}

TEST_CASE("tolerances are relative with an absolute floor", "[compare]") {
  const Tolerance tol{1e-9, 1e-12};
  CHECK(tol.Equal(1.0, 1.0 + 5e-10));
  CHECK_FALSE(tol.Equal(1.0, 1.0 + 5e-9));
  CHECK(tol.Equal(0.0, 1e-13));
  CHECK_FALSE(tol.Equal(0.0, 1e-11));
  CHECK(tol.Equal(INFINITY, INFINITY));
  CHECK_FALSE(tol.Equal(NAN, NAN));
}

TEST_CASE("trades pair by side and entry time, then within the bar window", "[compare]") {
  const std::vector<Trade> a = {T(10, 5, 9), T(-10, 9, 14), T(10, 20, 30), T(10, 40, 45)};
  // b: the first two on the same bars, the third one bar earlier, the fourth 3 bars later (out
  // of a 1-bar window), plus a short trade with no counterpart.
  const std::vector<Trade> b = {T(10, 5, 9), T(-10, 9, 14), T(10, 19, 29), T(10, 43, 45),
                                T(-5, 60, 61)};
  const MatchResult m = MatchTrades(a, b, Pos(a), Pos(b), 1);
  REQUIRE(m.pairs.size() == 3);
  CHECK(m.pairs[0].a == 0);
  CHECK(m.pairs[0].b == 0);
  CHECK(m.pairs[1].a == 1);
  CHECK(m.pairs[2].a == 2);
  CHECK(m.pairs[2].b == 2);
  CHECK(m.unmatched_a == std::vector<size_t>{3});
  CHECK(m.unmatched_b == std::vector<size_t>{3, 4});
  // A wider window pairs the fourth as well.
  CHECK(MatchTrades(a, b, Pos(a), Pos(b), 3).pairs.size() == 4);
  // Sides never pair: a long and a short on the same bar stay apart.
  const MatchResult sides =
      MatchTrades({T(10, 5, 9)}, {T(-10, 5, 9)}, Pos({T(10, 5, 9)}), Pos({T(-10, 5, 9)}), 1);
  CHECK(sides.pairs.empty());
  CHECK(sides.unmatched_a.size() == 1);
  CHECK(sides.unmatched_b.size() == 1);
}

TEST_CASE("a pair's differences and the bar where it diverges", "[compare]") {
  const Tolerance tol;
  Trade a = T(10, 5, 9), b = T(10, 5, 9);
  CHECK(DiffPair(a, b, {5, 9}, {5, 9}, tol).identical());
  CHECK_FALSE(PairDivergenceBar(DiffPair(a, b, {5, 9}, {5, 9}, tol), {5, 9}, {5, 9}).has_value());

  b.size = 11;
  PairDiff d = DiffPair(a, b, {5, 9}, {5, 9}, tol);
  CHECK(d.size);
  CHECK(d.size_delta == 1);
  CHECK_FALSE(d.fills_identical());
  CHECK(PairDivergenceBar(d, {5, 9}, {5, 9}) == 5);

  b = T(10, 4, 9);
  d = DiffPair(a, b, {5, 9}, {4, 9}, tol);
  CHECK(d.entry_bar_delta == -1);
  CHECK(d.entry_price_delta == -1);
  CHECK(PairDivergenceBar(d, {5, 9}, {4, 9}) == 4);

  b = T(10, 5, 9);
  b.pnl = a.pnl + 0.004;
  d = DiffPair(a, b, {5, 9}, {5, 9}, tol);
  CHECK(d.fills_identical());
  CHECK(d.pnl);
  CHECK(PairDivergenceBar(d, {5, 9}, {5, 9}) == 9);  // booked at the exit

  // A fill stamped at noon on the same bar is the same fill.
  b = T(10, 5, 9);
  b.entry_time += 12 * kNsPerHour;
  b.exit_time += 12 * kNsPerHour;
  d = DiffPair(a, b, {5, 9}, {5, 9}, tol);
  CHECK(d.identical());
  CHECK(d.entry_stamp);
  CHECK(d.exit_stamp);
  CHECK(d.entry_stamp_delta == 12 * kNsPerHour);
  CHECK_FALSE(PairDivergenceBar(d, {5, 9}, {5, 9}).has_value());
}

TEST_CASE("fills are classified against the bar's open and close, with the spread", "[compare]") {
  const auto bars = testing::MakeBars(20);
  const Tolerance tol;
  Trade t = T(10, 4, 8);
  t.entry_price = bars->open[4];
  t.exit_price = bars->close[8];
  CHECK(ClassifyEntry(t, *bars, 0, tol) == FillKind::kOpen);
  CHECK(ClassifyExit(t, *bars, tol) == FillKind::kClose);
  t.entry_price = bars->close[4] * (1 + 0.001);  // long: the spread raises the entry price
  CHECK(ClassifyEntry(t, *bars, 0.001, tol) == FillKind::kClose);
  CHECK(ClassifyEntry(t, *bars, 0, tol) == FillKind::kOther);
  t.entry_bar = 99;
  CHECK(ClassifyEntry(t, *bars, 0, tol) == FillKind::kUnknown);
}

TEST_CASE("trades are read from a result document", "[compare]") {
  const nlohmann::json result = {{"trades",
                                  {{{"size", -59},
                                    {"entry_bar", 63},
                                    {"exit_bar", 75},
                                    {"entry_price", 169.02},
                                    {"exit_price", 179.13},
                                    {"entry_time", "2004-11-17T00:00:00Z"},
                                    {"exit_time", "2004-12-06T00:00:00Z"},
                                    {"pnl", -596.49},
                                    {"return_pct", -0.0598},
                                    {"commission", 0}}}},
                                 {"open_trades",
                                  {{{"size", 40},
                                    {"entry_bar", 2100},
                                    {"entry_price", 790.0},
                                    {"entry_time", "2013-01-02T00:00:00Z"},
                                    {"pnl", 12.5},
                                    {"return_pct", 0.001},
                                    {"commission", 0}}}}};
  const std::vector<Trade> trades = ParseTrades(result);
  REQUIRE(trades.size() == 2);
  CHECK(trades[0].side() == -1);
  CHECK(trades[0].entry_time == *ParseIsoTime("2004-11-17"));
  CHECK_FALSE(trades[0].open);
  CHECK(trades[1].open);
  CHECK(trades[1].exit_bar == -1);
  CHECK(trades[1].index == 1);
}

TEST_CASE("equity curves: correlation, largest gap, first difference, drawdowns", "[compare]") {
  const std::vector<TimeNs> time = {kDay0, kDay0 + kNsPerDay, kDay0 + 2 * kNsPerDay,
                                    kDay0 + 3 * kNsPerDay};
  const std::vector<double> a = {100, 110, 105, 120}, b = {100, 110, 103, 126};
  const EquityComparison e = CompareEquity(a, time, b, time, Tolerance{});
  CHECK(e.points == 4);
  CHECK(e.bars_differing == 2);
  CHECK(e.first_difference == 2);
  CHECK(e.max_gap.value == 6);
  CHECK(e.max_gap.index == 3);
  CHECK(e.final_gap == 6);
  CHECK(e.correlation > 0.9);
  CHECK(e.correlation < 1);
  CHECK(e.max_drawdown_gap.value == Approx(1 - 103.0 / 110 - (1 - 105.0 / 110)));
  // Identical curves: no difference, correlation 1.
  const EquityComparison same = CompareEquity(a, time, a, time, Tolerance{});
  CHECK(same.bars_differing == 0);
  CHECK(same.first_difference == -1);
  CHECK(same.correlation == Approx(1));
  // Different axes are aligned by time: b lacks the second bar.
  const std::vector<TimeNs> tb = {time[0], time[2], time[3]};
  const std::vector<double> eb = {100, 105, 120};
  const EquityComparison aligned = CompareEquity(a, time, eb, tb, Tolerance{});
  CHECK(aligned.points == 3);
  CHECK(aligned.bars_differing == 0);
  // Flat curves have no correlation.
  CHECK(std::isnan(Correlation(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3})));
}

TEST_CASE("chart points keep every bar or each bucket's extremes", "[compare]") {
  std::vector<double> s(10000);
  for (size_t k = 0; k < s.size(); ++k) s[k] = std::sin(static_cast<double>(k) / 100.0);
  s[4321] = 50;  // a spike the chart must not lose
  s[777] = -50;
  CHECK(ChartIndices({s}, 100, 5000).size() == 100);
  const std::vector<size_t> idx = ChartIndices({s}, s.size(), 500);
  CHECK(idx.size() <= 502);
  CHECK(idx.size() > 200);
  CHECK(idx.front() == 0);
  CHECK(idx.back() == s.size() - 1);
  CHECK(std::is_sorted(idx.begin(), idx.end()));
  CHECK(std::find(idx.begin(), idx.end(), 4321u) != idx.end());
  CHECK(std::find(idx.begin(), idx.end(), 777u) != idx.end());
}

}  // namespace
}  // namespace btr::compare
