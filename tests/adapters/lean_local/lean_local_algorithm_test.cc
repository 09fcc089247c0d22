// LeanLocalEngine running an algorithm's own Python source (BacktestSpec::algorithm) on the fake
// LEAN launcher, which imports the project's main.py against a small stand-in for LEAN's Python
// API (tests/fakes/lean_shim) and drives it bar by bar over the LEAN-format data the adapter
// wrote. The checks compute what the algorithm must have done from the bars themselves: the
// files, parameters and data must reach the algorithm, and its results must come back aligned.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "adapters/lean_local/lean_local_engine.h"
#include "tests/adapters/lean_local/lean_local_test_util.h"

namespace btr {
namespace {

using testing::TempDir;
using testing::lean_local::FakeCommand;
using testing::lean_local::Goog;
using testing::lean_local::LeftOver;
using testing::lean_local::Make;
using testing::lean_local::Options;

// Buys `fraction` of the portfolio on the first bar and holds (LEAN's snake_case API).
constexpr const char* kBuyAndHold = R"(from AlgorithmImports import *


class BuyAndHold(QCAlgorithm):
    def initialize(self):
        self.set_cash(10000)
        self.symbol = self.add_equity(self.get_parameter("ticker"), Resolution.DAILY).symbol
        self.fraction = self.get_parameter("fraction", 0.5)

    def on_data(self, data):
        if not self.portfolio.invested:
            self.set_holdings(self.symbol, self.fraction)
            self.debug(f"buying at close {data[self.symbol].close}")
)";

// Long while the fast SMA is above the slow one (PascalCase API, a helper module in a folder).
constexpr const char* kSmaMain = R"(from AlgorithmImports import *
from signals.rules import wants_long


class SmaTrend(QCAlgorithm):
    def Initialize(self):
        self.SetCash(25000)
        self.AddEquity("GOOG", Resolution.Daily)
        self.fast = self.SMA("GOOG", int(self.GetParameter("fast")))
        self.slow = self.SMA("GOOG", int(self.GetParameter("slow")))

    def OnData(self, data):
        if not self.slow.IsReady:
            return
        if wants_long(self.fast.Current.Value, self.slow.Current.Value):
            if not self.Portfolio["GOOG"].Invested:
                self.SetHoldings("GOOG", 1)
        elif self.Portfolio.Invested:
            self.Liquidate("GOOG")
)";

constexpr const char* kRules = R"(def wants_long(fast, slow):
    return fast > slow
)";

BacktestSpec AlgorithmSpec(std::map<std::string, std::string> files,
                           std::map<std::string, std::string> parameters) {
  BacktestSpec spec;
  spec.engine = "lean_local";
  spec.algorithm.language = "python";
  spec.algorithm.files = std::move(files);
  spec.algorithm.parameters = std::move(parameters);
  return spec;
}

double SmaAt(const BarSeries& bars, size_t i, size_t n) {
  double sum = 0;
  for (size_t k = i + 1 - n; k <= i; ++k) sum += bars.close[k];
  return sum / n;
}

// LEAN's default equity fee: $0.005 a share, at least $1, at most 0.5% of the value.
double IbFee(double quantity, double price) {
  const double q = std::fabs(quantity);
  return std::min(std::max(1.0, 0.005 * q), 0.005 * q * price);
}

TEST_CASE("lean_local algorithm: its files and parameters reach LEAN, its equity comes back",
          "[lean_local][algorithm]") {
  TempDir tmp;
  const LeanLocalOptions options = Options(tmp, FakeCommand());
  auto engine = Make(options);
  const BarSeries bars = Goog();
  std::vector<std::string> log;
  RunContext context;
  context.log = [&](std::string_view line) { log.emplace_back(line); };
  const BacktestSpec spec = AlgorithmSpec({{"main.py", kBuyAndHold}}, {{"fraction", "0.75"}});
  REQUIRE(engine->Validate(spec).ok());
  Result<EngineRun> run = engine->Run(spec, bars, context);
  REQUIRE(run.ok());

  // Bought on the first bar's close signal, filled at the second bar's open, held to the end.
  const double quantity = std::floor(10000 * 0.9975 * 0.75 / bars.close[0]);
  const double cash = 10000 - quantity * bars.open[1] - IbFee(quantity, bars.open[1]);
  REQUIRE(run->equity.size() == bars.size());
  CHECK(run->equity[0] == Approx(10000));
  for (size_t i : {size_t{1}, size_t{100}, bars.size() - 1}) {
    INFO("bar " << i);
    CHECK(run->equity[i] == Approx(cash + quantity * bars.close[i]).margin(0.01));
  }
  CHECK(run->trades.empty());  // still open: LEAN lists closed trades only
  // The position the filled order left open, read back from LEAN's orders.
  REQUIRE(run->open_trades.size() == 1);
  CHECK(run->open_trades[0].size == quantity);
  CHECK(run->open_trades[0].entry_bar == 1);
  CHECK(run->open_trades[0].entry_price == Approx(bars.open[1]));
  CHECK(run->warmup_bars == 0);
  // The algorithm's own Debug line, in LEAN's log.
  CHECK(std::any_of(log.begin(), log.end(), [](const std::string& l) {
    return l.find("Debug: buying at close") != std::string::npos;
  }));
  CHECK(LeftOver(options) == 0);
}

TEST_CASE("lean_local algorithm: trades follow the code on the dataset as the ticker it names",
          "[lean_local][algorithm]") {
  TempDir tmp;
  auto engine = Make(Options(tmp, FakeCommand()));
  const BarSeries bars = Goog();
  BacktestSpec spec = AlgorithmSpec({{"main.py", kSmaMain}, {"signals/rules.py", kRules}},
                                    {{"fast", "10"}, {"slow", "30"}, {"ticker", "GOOG"}});
  spec.cash = 25000;
  Result<EngineRun> run = engine->Run(spec, bars, {});
  REQUIRE(run.ok());

  // Replay the rule on the bars: a decision on bar i fills at bar i + 1's open.
  struct Expected {
    size_t entry, exit;
  };
  std::vector<Expected> expected;
  bool long_now = false;
  size_t entry = 0;
  for (size_t i = 29; i + 1 < bars.size(); ++i) {
    const bool wants = SmaAt(bars, i, 10) > SmaAt(bars, i, 30);
    if (wants && !long_now) {
      long_now = true;
      entry = i + 1;
    } else if (!wants && long_now) {
      long_now = false;
      expected.push_back({entry, i + 1});
    }
  }
  REQUIRE(expected.size() > 5);
  REQUIRE(run->trades.size() == expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    INFO("trade " << k);
    const TradeRecord& t = run->trades[k];
    CHECK(static_cast<size_t>(t.entry_bar) == expected[k].entry);
    CHECK(static_cast<size_t>(t.exit_bar) == expected[k].exit);
    CHECK(t.entry_price == Approx(bars.open[t.entry_bar]));
    CHECK(t.exit_price == Approx(bars.open[t.exit_bar]));
    CHECK(t.size > 0);
    const double fees = IbFee(t.size, t.entry_price) + IbFee(t.size, t.exit_price);
    CHECK(t.pnl == Approx((t.exit_price - t.entry_price) * t.size - fees).margin(0.02));
  }
}

TEST_CASE("lean_local algorithm: an exception in the code fails the run with its message",
          "[lean_local][algorithm]") {
  TempDir tmp;
  const LeanLocalOptions options = Options(tmp, FakeCommand());
  const std::string broken = std::string(kBuyAndHold) +
                             "        if self.time.year == 2007:\n"
                             "            raise ValueError('no trading in 2007')\n";
  Result<EngineRun> run = Make(options)->Run(AlgorithmSpec({{"main.py", broken}}, {}), Goog(), {});
  REQUIRE_FALSE(run.ok());
  // The code's own error is the request's fault: not counted against the engine's health.
  CHECK(run.status().code() == StatusCode::kInvalidArgument);
  INFO(run.status().message());
  CHECK(run.status().message().rfind("algorithm: ", 0) == 0);
  CHECK(run.status().message().find("ValueError") != std::string::npos);
  CHECK(run.status().message().find("no trading in 2007") != std::string::npos);
  CHECK(LeftOver(options) == 0);
}

TEST_CASE("lean_local algorithm: what it refuses, naming the field", "[lean_local][algorithm]") {
  TempDir tmp;
  auto engine = Make(Options(tmp, FakeCommand()));
  BacktestSpec csharp = AlgorithmSpec({{"Main.cs", "class A {}"}}, {});
  csharp.algorithm.language = "csharp";
  Status refused = engine->Validate(csharp);
  CHECK(refused.code() == StatusCode::kInvalidArgument);
  CHECK(refused.message().rfind("algorithm.language:", 0) == 0);

  for (const char* ticker : {"../etc", ".", "..", "1ABC", ""}) {
    INFO(ticker);
    const BacktestSpec spec = AlgorithmSpec({{"main.py", kBuyAndHold}}, {{"ticker", ticker}});
    CHECK(engine->Validate(spec).message().rfind("algorithm.parameters.ticker:", 0) == 0);
    Result<EngineRun> bad_ticker = engine->Run(spec, Goog(), {});
    REQUIRE_FALSE(bad_ticker.ok());
    CHECK(bad_ticker.status().message().rfind("algorithm.parameters.ticker:", 0) == 0);
  }
  BacktestSpec with_fees = AlgorithmSpec({{"main.py", kBuyAndHold}}, {});
  with_fees.commission = 0.001;
  CHECK(engine->Validate(with_fees).message().rfind("commission:", 0) == 0);
  CHECK(engine->capabilities().languages == std::vector<std::string>{"python"});

  // Off unless the operator turns it on: then no language, and a spec naming the engine is
  // refused before anything runs.
  LeanLocalOptions off = Options(tmp, FakeCommand());
  off.algorithm_source = false;
  auto closed = Make(off);
  CHECK(closed->capabilities().languages.empty());
  const Status refused_off = closed->Validate(AlgorithmSpec({{"main.py", kBuyAndHold}}, {}));
  CHECK(refused_off.code() == StatusCode::kInvalidArgument);
  CHECK(refused_off.message().find("engines.lean_local.algorithm_source") != std::string::npos);
}

}  // namespace
}  // namespace btr
