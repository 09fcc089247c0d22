// The btrouter binary, run as a user would: real processes, real files.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engines/data/sha256.h"
#include "tests/cli/run_binary.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::ReadFile;

using testing::Near;
using testing::Outcome;
using testing::Run;
using testing::SharedDir;
using testing::SplitCsvLine;
using testing::TempDir;

std::string Goog() { return SharedDir() + "/data/GOOG.csv"; }

TEST_CASE("backtest --format json gives backtesting.py's trades and statistics") {
  TempDir tmp;
  const Outcome o = Run({"backtest", "--data", Goog(), "--strategy", "sma_cross", "--commission",
                         "0.002", "--format", "json", "--cache-dir", tmp.Path("cache")},
                        tmp);
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  const nlohmann::json doc = nlohmann::json::parse(o.out);
  const std::string ref =
      std::string(BTR_SOURCE_DIR) + "/tests/parity/reference/goog_sma_cross_comm";
  std::ifstream trades_in(ref + "/trades.csv");
  std::string line;
  std::getline(trades_in, line);
  const std::vector<std::string> header = SplitCsvLine(line);
  size_t k = 0;
  while (std::getline(trades_in, line)) {
    const std::vector<std::string> cells = SplitCsvLine(line);
    REQUIRE(k < doc["trades"].size());
    const nlohmann::json& t = doc["trades"][k++];
    for (size_t c = 0; c < header.size(); ++c) {
      if (header[c] == "size" || header[c] == "entry_price" || header[c] == "exit_price") {
        CHECK(t[header[c]].get<double>() == std::stod(cells[c]));
      } else if (header[c] == "entry_bar" || header[c] == "exit_bar") {
        CHECK(t[header[c]].get<long>() == std::stol(cells[c]));
      } else if (header[c] == "pnl" || header[c] == "return_pct" || header[c] == "commission") {
        CHECK(Near(t[header[c]].get<double>(), std::stod(cells[c]), 1e-9));
      }
    }
  }
  CHECK(k == doc["trades"].size());
  CHECK(doc["open_trades"].size() == 1);
  std::ifstream stats_in(ref + "/stats.json");
  const nlohmann::json stats = nlohmann::json::parse(stats_in);
  const nlohmann::json& m = doc["metrics"];
  CHECK(Near(m["total_return"].get<double>() * 100, stats["Return [%]"].get<double>(), 1e-9));
  CHECK(Near(m["sharpe_ratio"].get<double>(), stats["Sharpe Ratio"].get<double>(), 1e-9));
  CHECK(
      Near(m["max_drawdown"].get<double>() * -100, stats["Max. Drawdown [%]"].get<double>(), 1e-9));
  CHECK(Near(m["commissions"].get<double>(), stats["Commissions [$]"].get<double>(), 1e-9));
  CHECK(m["num_trades"].get<double>() == stats["# Trades"].get<double>());
  CHECK(m["conventions"]["annualization_periods"] == 252.0);
  CHECK(doc["run"]["data_sha256"] ==
        "60e961a567490b157f71888df9e6afb36190a34a40a6286aa38988e2343f1b1a");
}

TEST_CASE("backtest --out writes trades, equity and metrics files") {
  TempDir tmp;
  const Outcome o = Run({"backtest", "--data", Goog(), "--strategy", "rsi_reversion", "--out",
                         tmp.Path("out"), "--no-cache"},
                        tmp);
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  CHECK(o.out.find("sharpe_ratio") != std::string::npos);
  const std::string equity = ReadFile(tmp.Path("out/equity.csv"));
  CHECK(std::count(equity.begin(), equity.end(), '\n') == 2149);  // header + 2148 bars
  const std::string trades = ReadFile(tmp.Path("out/trades.csv"));
  CHECK(trades.rfind("size,entry_bar,exit_bar", 0) == 0);
  CHECK(std::count(trades.begin(), trades.end(), '\n') == 1 + 9);  // 9 closed trades
  const nlohmann::json metrics = nlohmann::json::parse(ReadFile(tmp.Path("out/metrics.json")));
  CHECK(metrics["num_trades"] == 9.0);
}

TEST_CASE("strategies lists the catalogue with parameters") {
  TempDir tmp;
  const Outcome o = Run({"strategies", "--format", "json"}, tmp);
  REQUIRE(o.exit_code == 0);
  const nlohmann::json list = nlohmann::json::parse(o.out);
  std::vector<std::string> names;
  for (const auto& s : list) names.push_back(s["name"]);
  CHECK(names == std::vector<std::string>{"sma_cross", "rsi_reversion", "ema_cross", "macd_cross",
                                          "bollinger_reversion", "donchian_breakout",
                                          "buy_and_hold"});
  CHECK(list[0]["params"][0]["name"] == "fast");
  CHECK(list[0]["params"][0]["default"] == 10.0);
  const Outcome table = Run({"strategies"}, tmp);
  CHECK(table.out.find("--param period=14") != std::string::npos);
}

TEST_CASE("gen-data reproduces the recipe's sha256") {
  TempDir tmp;
  const Outcome o = Run({"gen-data", "--bars", "100000", "--out", tmp.Path("gbm.csv")}, tmp);
  REQUIRE(o.exit_code == 0);
  Result<std::string> sha = Sha256File(tmp.Path("gbm.csv"));
  REQUIRE(sha.ok());
  CHECK(*sha == "bc603d002489c8be646df9b874d04a0bc8d57ad4a815b8da86844cba329e1812");
}

// Each bad input: a non-zero exit and one message that names the culprit.
TEST_CASE("bad input gets one clear message and a non-zero exit") {
  TempDir tmp;
  std::ofstream(tmp.Path("bad.csv")) << "time,open,high,low,close\n"
                                     << "2020-01-01,1,2,0.5,1.5\n"
                                     << "2020-01-02,1,2,0.5,abc\n";
  std::ofstream(tmp.Path("backwards.csv")) << "date,open,high,low,close\n"
                                           << "2020-01-02,1,2,0.5,1.5\n"
                                           << "2020-01-01,1,2,0.5,1.5\n";
  const std::string data = tmp.Path("bad.csv");
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"backtest", "--data", tmp.Path("missing.csv"), "--strategy", "sma_cross"}, "missing.csv"},
      {{"backtest", "--data", data, "--strategy", "sma_cross", "--no-cache"}, "bad.csv:3"},
      {{"backtest", "--data", data, "--strategy", "sma_cross", "--no-cache"}, "'close'"},
      {{"backtest", "--data", tmp.Path("backwards.csv"), "--strategy", "sma_cross", "--no-cache"},
       "backwards.csv:3"},
      {{"backtest", "--data", Goog(), "--strategy", "nope"}, "unknown strategy 'nope'"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--param", "speed=3"},
       "unknown parameter 'speed'"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--param", "fast=abc"},
       "parameter 'fast': expected an integer"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--param", "fast=2.5"},
       "parameter 'fast'"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--param", "fast=0"},
       "parameter 'fast': expected an integer in [1, 100000]"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--param", "fast=30"},
       "must be below 'slow'"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--cash", "ten"}, "--cash"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--cash", "-5"}, "--cash"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--cash", "1e308"},
       "--cash: expected initial cash in (0, 1e+12], got 1e+308"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--commission-fixed", "1e300"},
       "--commission-fixed: expected cash per order in [0, 1e+09]"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--margin", "1e-300"},
       "--margin: expected a margin ratio"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--margin", "2"}, "--margin"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--commission", "0.5"},
       "--commission"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--format", "xml"}, "--format"},
      {{"backtest", "--data", Goog(), "--strategy", "sma_cross", "--frobnicate"}, "--frobnicate"},
      {{"backtest", "--strategy", "sma_cross"}, "--data"},
      {{"gen-data", "--bars", "x", "--out", tmp.Path("g.csv")}, "--bars"},
      {{"explode"}, "unknown command 'explode'"},
  };
  for (const Case& c : cases) {
    const Outcome o = Run(c.args, tmp);
    INFO(c.args[c.args.size() - 1] << " -> " << o.err);
    CHECK(o.exit_code == 2);
    CHECK(o.err.find(c.expected) != std::string::npos);
    CHECK(o.out.empty());
  }
}

}  // namespace
}  // namespace btr
