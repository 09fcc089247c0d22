// The native engine on a window of a dataset (BacktestSpec start/end) against the native engine
// on a dataset that holds only those bars: the same run, bit for bit.
#include <bit>
#include <catch2/catch.hpp>
#include <cstdint>

#include "engines/data/csv_loader.h"
#include "engines/native/native_engine.h"
#include "tests/test_util.h"

namespace btr {
namespace {

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

BarSeries Goog() {
  Result<BarSeries> bars = LoadCsvFile(testing::SharedData("GOOG.csv"));
  REQUIRE(bars.ok());
  return std::move(bars).value();
}

// The bars with first <= time <= last, copied one by one (not through the window code).
BarSeries Cut(const BarSeries& bars, TimeNs first, TimeNs last) {
  BarSeries out;
  out.symbol = bars.symbol;
  out.has_volume = bars.has_volume;
  for (size_t i = 0; i < bars.size(); ++i) {
    if (bars.time[i] < first || bars.time[i] > last) continue;
    out.Append(bars.time[i], bars.open[i], bars.high[i], bars.low[i], bars.close[i],
               bars.volume[i]);
  }
  return out;
}

void CheckSameTradesBitwise(const std::vector<TradeRecord>& a, const std::vector<TradeRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("trade " << i);
    CHECK(SameBits(a[i].size, b[i].size));
    CHECK(a[i].entry_bar == b[i].entry_bar);
    CHECK(a[i].exit_bar == b[i].exit_bar);
    CHECK(a[i].entry_time == b[i].entry_time);
    CHECK(a[i].exit_time == b[i].exit_time);
    CHECK(SameBits(a[i].entry_price, b[i].entry_price));
    CHECK(SameBits(a[i].exit_price, b[i].exit_price));
    CHECK(SameBits(a[i].pnl, b[i].pnl));
    CHECK(SameBits(a[i].return_pct, b[i].return_pct));
    CHECK(SameBits(a[i].commission, b[i].commission));
    CHECK(SameBits(a[i].sl, b[i].sl));
    CHECK(SameBits(a[i].tp, b[i].tp));
    CHECK(a[i].tag == b[i].tag);
  }
}

TEST_CASE("native: a run on a window equals a run on a dataset cut to that window",
          "[native][window]") {
  const BarSeries goog = Goog();
  struct Case {
    const char* strategy;
    std::map<std::string, double> params;
    const char* start;
    const char* end;
    TimeNs first, last;  // the instants the window covers, written out by hand
  };
  const TimeNs day = kNsPerDay;
  const Case cases[] = {
      {"sma_cross",
       {},
       "2008-01-01",
       "2009-12-31",
       DaysFromCivil(2008, 1, 1) * day,
       DaysFromCivil(2010, 1, 1) * day - 1},
      {"sma_cross",
       {{"long_only", 1}, {"sl_pct", 0.05}, {"tp_pct", 0.1}},
       "2006-03-15",
       "",
       DaysFromCivil(2006, 3, 15) * day,
       goog.time.back()},
      {"ema_cross",
       {},
       "",
       "2007-06-30T00:00:00Z",
       goog.time.front(),
       DaysFromCivil(2007, 6, 30) * day},
      {"rsi_reversion",
       {{"period", 10}},
       "2005-01-01",
       "2012-12-31",
       DaysFromCivil(2005, 1, 1) * day,
       DaysFromCivil(2013, 1, 1) * day - 1},
  };
  for (const Case& c : cases) {
    INFO(c.strategy << " " << c.start << " .. " << c.end);
    BacktestSpec windowed;
    windowed.strategy.name = c.strategy;
    windowed.strategy.params = c.params;
    windowed.commission = 0.002;
    windowed.finalize_trades = true;
    windowed.start = c.start;
    windowed.end = c.end;
    BacktestSpec whole = windowed;
    whole.start = whole.end = "";
    const BarSeries cut = Cut(goog, c.first, c.last);
    REQUIRE(cut.size() > 100);
    REQUIRE(cut.size() < goog.size());

    Result<EngineRun> on_window = NativeEngine().Run(windowed, goog, {});
    REQUIRE(on_window.ok());
    Result<EngineRun> on_cut = NativeEngine().Run(whole, cut, {});
    REQUIRE(on_cut.ok());
    REQUIRE(on_window->equity.size() == cut.size());
    REQUIRE(on_cut->equity.size() == cut.size());
    size_t differing = 0;
    for (size_t i = 0; i < cut.size(); ++i)
      differing += SameBits(on_window->equity[i], on_cut->equity[i]) ? 0 : 1;
    CHECK(differing == 0);
    CHECK(on_window->warmup_bars == on_cut->warmup_bars);
    REQUIRE_FALSE(on_window->trades.empty());
    CheckSameTradesBitwise(on_window->trades, on_cut->trades);
    CheckSameTradesBitwise(on_window->open_trades, on_cut->open_trades);
    // Bar indexes count from the window's first bar.
    for (const TradeRecord& t : on_window->trades) {
      CHECK(cut.time[static_cast<size_t>(t.entry_bar)] == t.entry_time);
      CHECK(cut.time[static_cast<size_t>(t.exit_bar)] == t.exit_time);
    }
  }
}

TEST_CASE("native: the window changes the run (indicators warm up inside it)", "[native][window]") {
  const BarSeries goog = Goog();
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";
  Result<EngineRun> whole = NativeEngine().Run(spec, goog, {});
  spec.start = "2008-01-01";
  Result<EngineRun> windowed = NativeEngine().Run(spec, goog, {});
  REQUIRE(whole.ok());
  REQUIRE(windowed.ok());
  // The indicators start over on the window's own bars: the same warm-up, counted from the
  // window's first bar, and no trade before it (the SMAs of late 2007 are not carried over).
  CHECK(windowed->warmup_bars == whole->warmup_bars);
  REQUIRE_FALSE(windowed->trades.empty());
  CHECK(static_cast<size_t>(windowed->trades.front().entry_bar) > windowed->warmup_bars);
  CHECK(windowed->equity.size() < whole->equity.size());
  CHECK(windowed->equity.front() == 10000);
}

TEST_CASE("native: a window without 2 bars fails before the run", "[native][window]") {
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";
  spec.start = "2030-01-01";
  Result<EngineRun> run = NativeEngine().Run(spec, Goog(), {});
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInvalidArgument);
  CHECK(run.status().message().find("2004-08-19T00:00:00Z to 2013-03-01T00:00:00Z") !=
        std::string::npos);
  spec.start = "2009-01-01";
  spec.end = "2008-01-01";
  CHECK(NativeEngine().Validate(spec).message().rfind("start: 2009-01-01 is after end", 0) == 0);
}

}  // namespace
}  // namespace btr
