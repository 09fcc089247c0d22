// Broker semantics on small hand-made bars, each expectation worked out from
// backtestingpy-semantics.md §1 (the parity tests cover the same rules on real data).
#include "engines/native/broker/broker.h"

#include <catch2/catch.hpp>
#include <functional>
#include <map>

#include "engines/native/backtest.h"

namespace btr {
namespace {

// Bars with the given opens and closes; high/low 1 % around them unless given.
BarSeries MakeBars(std::vector<double> open, std::vector<double> close,
                   std::vector<double> high = {}, std::vector<double> low = {}) {
  BarSeries b;
  for (size_t i = 0; i < open.size(); ++i) {
    const double h = high.empty() ? std::max(open[i], close[i]) * 1.01 : high[i];
    const double l = low.empty() ? std::min(open[i], close[i]) * 0.99 : low[i];
    b.Append(static_cast<TimeNs>(i) * kNsPerDay, open[i], h, l, close[i], 0);
  }
  return b;
}

// A strategy that runs a script: at bar i, call the action registered for i.
class Scripted final : public Strategy {
 public:
  using Action = std::function<void(Scripted&)>;
  explicit Scripted(std::map<size_t, Action> script) : script_(std::move(script)) {}
  Status Init() override { return Status::Ok(); }
  void Next(size_t i) override {
    if (auto it = script_.find(i); it != script_.end()) it->second(*this);
  }
  bool DoBuy(const OrderRequest& r = {}) { return Buy(r); }
  bool DoSell(const OrderRequest& r = {}) { return Sell(r); }
  void DoClose() { ClosePosition(); }
  Broker& GetBroker() { return broker(); }

 private:
  std::map<size_t, Action> script_;
};

BacktestOutput Run(const BarSeries& bars, std::map<size_t, Scripted::Action> script,
                   BacktestConfig config = {}) {
  Scripted s(std::move(script));
  Result<BacktestOutput> out = RunBacktest(bars, s, config);
  REQUIRE(out.ok());
  return std::move(out).value();
}

OrderRequest Units(double n) {
  OrderRequest r;
  r.size = n;
  return r;
}

TEST_CASE("a market order fills at the next open with whole units of ~all equity") {
  const BarSeries bars = MakeBars({10, 10, 20, 21, 22}, {10, 10, 20, 21, 22});
  BacktestConfig config;
  config.broker.cash = 1000;
  const BacktestOutput out = Run(bars, {{1, [](Scripted& s) { s.DoBuy(); }}}, config);
  REQUIRE(out.open_trades.size() == 1);
  const TradeRecord& t = out.open_trades[0];
  CHECK(t.entry_bar == 2);
  CHECK(t.entry_price == 20);
  // 1000 * (1 - 2^-52) / 20 is just below 50: the default size buys 49 units.
  CHECK(t.size == 49);
  CHECK(out.equity[0] == 1000);  // back-filled warm-up
  CHECK(out.equity[4] == 1000 + 49 * (22 - 20));
  CHECK(out.warmup_bars == 0);
}

TEST_CASE("trade_on_close fills at the signal bar's close and records that bar") {
  const BarSeries bars = MakeBars({10, 10, 20, 21, 22}, {10, 12.5, 20, 21, 22});
  BacktestConfig config;
  config.broker.cash = 1000;
  config.broker.trade_on_close = true;
  const BacktestOutput out = Run(bars, {{1, [](Scripted& s) { s.DoBuy(Units(10)); }}}, config);
  REQUIRE(out.open_trades.size() == 1);
  CHECK(out.open_trades[0].entry_bar == 1);
  CHECK(out.open_trades[0].entry_price == 12.5);
}

TEST_CASE("sizing charges commission on the unadjusted price and marks margin at the close") {
  // The semantics file's example: equity 10 000, short at 169.02, commission 0.002 -> 59 units.
  const BarSeries bars = MakeBars({170, 170, 169.02}, {170, 170, 168});
  BacktestConfig config;
  config.broker.commission_relative = 0.002;
  const BacktestOutput out = Run(bars, {{1, [](Scripted& s) { s.DoSell(); }}}, config);
  REQUIRE(out.open_trades.size() == 1);
  CHECK(out.open_trades[0].size == -59);
  CHECK(out.open_trades[0].entry_price == 169.02);
}

TEST_CASE("spread adjusts the entry price only; commission is charged at entry and exit") {
  const BarSeries bars = MakeBars({100, 100, 100, 110, 120}, {100, 100, 105, 115, 120});
  BacktestConfig config;
  config.broker.spread = 0.01;
  config.broker.commission_relative = 0.001;
  const BacktestOutput out = Run(
      bars, {{1, [](Scripted& s) { s.DoBuy(Units(10)); }}, {2, [](Scripted& s) { s.DoClose(); }}},
      config);
  REQUIRE(out.trades.size() == 1);
  const TradeRecord& t = out.trades[0];
  CHECK(t.entry_price == 100 * 1.01);
  CHECK(t.exit_price == 110);  // the next open, unadjusted
  const double commission = 10 * 110 * 0.001 + 10 * (100 * 1.01) * 0.001;
  CHECK(t.commission == Approx(commission));
  CHECK(t.pnl == Approx(10 * (110 - 101) - commission));
  CHECK(t.return_pct == Approx(110 / 101.0 - 1 - commission / (10 * 101.0)));
}

TEST_CASE("stop-loss beats take-profit in the same bar, and a gap fills at the open") {
  // Entry at bar 2's open (100) with sl 95 and tp 105; bar 3 touches both -> SL at 95.
  const BarSeries bars = MakeBars({100, 100, 100, 100, 100}, {100, 100, 100, 100, 100},
                                  {101, 101, 101, 106, 101}, {99, 99, 99, 94, 99});
  OrderRequest bracket = Units(1);
  bracket.sl = 95;
  bracket.tp = 105;
  const BacktestOutput out = Run(bars, {{1, [&](Scripted& s) { s.DoBuy(bracket); }}});
  REQUIRE(out.trades.size() == 1);
  CHECK(out.trades[0].exit_bar == 3);
  CHECK(out.trades[0].exit_price == 95);
  CHECK(out.trades[0].sl == 95);
  CHECK(out.trades[0].tp == 105);

  // Bar 3 opens at 90, below the stop: the SL fills at the open, not at 95.
  const BarSeries gap = MakeBars({100, 100, 100, 90, 90}, {100, 100, 100, 91, 90});
  const BacktestOutput gapped = Run(gap, {{1, [&](Scripted& s) { s.DoBuy(bracket); }}});
  REQUIRE(gapped.trades.size() == 1);
  CHECK(gapped.trades[0].exit_price == 90);
}

TEST_CASE("a market entry's SL/TP can fill on the entry bar") {
  // Bar 2 opens at 100 (entry) and its low reaches 94, below the SL.
  const BarSeries bars =
      MakeBars({100, 100, 100, 96}, {100, 100, 96, 96}, {101, 101, 101, 97}, {99, 99, 94, 95});
  OrderRequest bracket = Units(1);
  bracket.sl = 95;
  const BacktestOutput out = Run(bars, {{1, [&](Scripted& s) { s.DoBuy(bracket); }}});
  REQUIRE(out.trades.size() == 1);
  CHECK(out.trades[0].entry_bar == 2);
  CHECK(out.trades[0].exit_bar == 2);
  CHECK(out.trades[0].exit_price == 95);
}

TEST_CASE("opposite orders net FIFO; the closed part of a larger trade is its own record") {
  const BarSeries bars = MakeBars({10, 10, 11, 12, 13, 14}, {10, 10, 11, 12, 13, 14});
  const BacktestOutput out = Run(bars, {{1, [](Scripted& s) { s.DoBuy(Units(10)); }},
                                        {2, [](Scripted& s) { s.DoBuy(Units(5)); }},
                                        {3, [](Scripted& s) { s.DoSell(Units(12)); }}});
  REQUIRE(out.trades.size() == 2);
  CHECK(out.trades[0].size == 10);  // the oldest trade, closed whole
  CHECK(out.trades[0].entry_price == 11);
  CHECK(out.trades[0].exit_price == 13);
  CHECK(out.trades[1].size == 2);  // 2 of the 5-unit trade
  CHECK(out.trades[1].entry_price == 12);
  REQUIRE(out.open_trades.size() == 1);
  CHECK(out.open_trades[0].size == 3);
}

TEST_CASE("hedging keeps long and short trades side by side") {
  const BarSeries bars = MakeBars({10, 10, 11, 12, 13}, {10, 10, 11, 12, 13});
  BacktestConfig config;
  config.broker.hedging = true;
  const BacktestOutput out = Run(
      bars,
      {{1, [](Scripted& s) { s.DoBuy(Units(10)); }}, {2, [](Scripted& s) { s.DoSell(Units(4)); }}},
      config);
  CHECK(out.trades.empty());
  REQUIRE(out.open_trades.size() == 2);
  CHECK(out.open_trades[1].size == -4);
}

TEST_CASE("finalize_trades closes oldest first at the last bar's open") {
  const BarSeries bars = MakeBars({10, 10, 11, 12, 13}, {10, 10, 11, 12, 13.5});
  BacktestConfig config;
  config.finalize_trades = true;
  const BacktestOutput out = Run(
      bars,
      {{1, [](Scripted& s) { s.DoBuy(Units(1)); }}, {2, [](Scripted& s) { s.DoBuy(Units(2)); }}},
      config);
  REQUIRE(out.trades.size() == 2);
  CHECK(out.open_trades.empty());
  CHECK(out.trades[0].size == 1);  // the oldest closes first
  CHECK(out.trades[0].exit_bar == 4);
  CHECK(out.trades[0].exit_price == 13);  // the last open, not the close
  CHECK(out.equity[4] == 10000 + 1 * (13 - 11) + 2 * (13 - 12));

  // Position close (without finalize) closes the newest trade first.
  const BacktestOutput closing = Run(bars, {{1, [](Scripted& s) { s.DoBuy(Units(1)); }},
                                            {2, [](Scripted& s) { s.DoBuy(Units(2)); }},
                                            {3, [](Scripted& s) { s.DoClose(); }}});
  REQUIRE(closing.trades.size() == 2);
  CHECK(closing.trades[0].size == 2);
}

TEST_CASE("exclusive_orders closes open trades before a new order") {
  const BarSeries bars = MakeBars({10, 10, 11, 12, 13}, {10, 10, 11, 12, 13});
  BacktestConfig config;
  config.broker.exclusive_orders = true;
  const BacktestOutput out = Run(
      bars,
      {{1, [](Scripted& s) { s.DoBuy(Units(3)); }}, {2, [](Scripted& s) { s.DoSell(Units(1)); }}},
      config);
  REQUIRE(out.trades.size() == 1);
  CHECK(out.trades[0].size == 3);
  CHECK(out.trades[0].exit_bar == 3);
  REQUIRE(out.open_trades.size() == 1);
  CHECK(out.open_trades[0].size == -1);
}

TEST_CASE("an order larger than the margin allows is cancelled; too little cash buys nothing") {
  const BarSeries bars = MakeBars({10, 10, 10, 10}, {10, 10, 10, 10});
  BacktestConfig config;
  config.broker.cash = 5;
  const BacktestOutput out =
      Run(bars, {{1, [](Scripted& s) { s.DoBuy(); }}, {2, [](Scripted& s) { s.DoBuy(Units(2)); }}},
          config);
  CHECK(out.trades.empty());
  CHECK(out.open_trades.empty());
  CHECK(out.equity.back() == 5);
}

TEST_CASE("equity at or below zero closes everything and stops the run") {
  // 50:1 leverage long, then the price halves.
  const BarSeries bars = MakeBars({100, 100, 100, 50, 60, 70}, {100, 100, 100, 50, 60, 70});
  BacktestConfig config;
  config.broker.margin = 0.02;
  const BacktestOutput out = Run(bars, {{1, [](Scripted& s) { s.DoBuy(); }}}, config);
  CHECK(out.out_of_money);
  REQUIRE(out.trades.size() == 1);
  CHECK(out.trades[0].exit_bar == 3);
  CHECK(out.trades[0].exit_price == 50);
  CHECK(out.equity[3] == 0);
  CHECK(out.equity[5] == 0);
}

TEST_CASE("invalid orders stop the run with a clear error") {
  const BarSeries bars = MakeBars({10, 10, 10}, {10, 10, 10});
  OrderRequest wrong_side = Units(1);
  wrong_side.sl = 11;  // a long's stop-loss above the price
  Scripted s({{1, [&](Scripted& st) { st.DoBuy(wrong_side); }}});
  Result<BacktestOutput> out = RunBacktest(bars, s, BacktestConfig{});
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == StatusCode::kInvalidArgument);
  CHECK(out.status().message().find("sl < limit/stop/price < tp") != std::string::npos);

  Scripted fractional({{1, [](Scripted& st) { st.DoBuy(Units(1.5)); }}});
  CHECK(RunBacktest(bars, fractional, BacktestConfig{}).status().message().find("whole number") !=
        std::string::npos);
}

TEST_CASE("broker settings are validated with the field named") {
  BrokerConfig c;
  c.margin = 0;
  CHECK(c.Validate().message().rfind("margin:", 0) == 0);
  c = {};
  c.commission_relative = 0.2;
  CHECK(c.Validate().message().rfind("commission:", 0) == 0);
  c = {};
  c.cash = -1;
  CHECK(c.Validate().message().rfind("cash:", 0) == 0);
  c = {};
  c.spread = -0.1;
  CHECK(c.Validate().message().rfind("spread:", 0) == 0);
  CHECK(BrokerConfig{}.Validate().ok());
}

TEST_CASE("cancellation stops a run") {
  const BarSeries bars = MakeBars(std::vector<double>(1000, 10), std::vector<double>(1000, 10));
  std::atomic<bool> cancel{true};
  RunControl control;
  control.cancel = &cancel;
  control.progress_every = 100;
  Scripted s({});
  CHECK(RunBacktest(bars, s, BacktestConfig{}, control).status().code() == StatusCode::kCancelled);
}

}  // namespace
}  // namespace btr
