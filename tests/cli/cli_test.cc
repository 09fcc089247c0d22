// The btrouter binary, run as a user would: real processes, real files.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
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

// A decimal as typed by people: 30.0 -> "30", 0.99 -> "0.99".
std::string Short(const nlohmann::json& number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", number.get<double>());
  return buf;
}

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
  CHECK(o.out.find("Sharpe ratio") != std::string::npos);
  const std::string equity = ReadFile(tmp.Path("out/equity.csv"));
  CHECK(std::count(equity.begin(), equity.end(), '\n') == 2149);  // header + 2148 bars
  const std::string trades = ReadFile(tmp.Path("out/trades.csv"));
  CHECK(trades.rfind("size,entry_bar,exit_bar", 0) == 0);
  CHECK(std::count(trades.begin(), trades.end(), '\n') == 1 + 9);  // 9 closed trades
  const nlohmann::json metrics = nlohmann::json::parse(ReadFile(tmp.Path("out/metrics.json")));
  CHECK(metrics["num_trades"] == 9.0);
}

TEST_CASE("strategies lists the catalogue with typed parameters and their ranges") {
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
  CHECK(list[0]["params"][0].dump().find("\"default\":10,") != std::string::npos);
  const Outcome table = Run({"strategies"}, tmp);
  REQUIRE(table.exit_code == 0);
  // Every parameter typed as declared in JSON, and in the table with its default and range.
  size_t seen = 0;
  for (const auto& s : list) {
    for (const auto& p : s["params"]) {
      INFO(s["name"] << "." << p["name"]);
      const std::string type = p["type"];
      std::string range;
      if (type == "int") {
        CHECK(p["default"].is_number_integer());
        CHECK(p["min"].is_number_integer());
        CHECK(p["max"].is_number_integer());
        range = "[" + p["min"].dump() + ", " + p["max"].dump() + "]";
      } else if (type == "bool") {
        CHECK(p["default"].is_boolean());
        range = "true|false";
      } else {
        CHECK(type == "float");
        CHECK(p["default"].is_number());
        range = "[" + Short(p["min"]) + ", " + Short(p["max"]) + "]";
      }
      const std::string def =
          p["default"].is_number_float() ? Short(p["default"]) : p["default"].dump();
      const std::string param = "--param " + p["name"].get<std::string>() + "=" + def + " ";
      const size_t section = table.out.find(s["name"].get<std::string>() + "\n");
      const size_t at = table.out.find(param, section);
      REQUIRE(at != std::string::npos);
      const std::string line = table.out.substr(at, table.out.find('\n', at) - at);
      CHECK(line.find(" " + type + " ") != std::string::npos);
      CHECK(line.find(range) != std::string::npos);
      ++seen;
    }
  }
  CHECK(seen == 16);
  CHECK(table.out.find("(no parameters)") != std::string::npos);  // buy_and_hold
}

// The table of a known run: every value as backtesting.py's stats give it, in people's units.
TEST_CASE("backtest table: labels for people, values in their units, durations in days") {
  TempDir tmp;
  const Outcome o = Run({"backtest", "--data", Goog(), "--strategy", "sma_cross", "--commission",
                         "0.002", "--cache-dir", tmp.Path("cache")},
                        tmp);
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  std::ifstream stats_in(std::string(BTR_SOURCE_DIR) +
                         "/tests/parity/reference/goog_sma_cross_comm/stats.json");
  const nlohmann::json stats = nlohmann::json::parse(stats_in);
  // The value of a row, with thousands separators removed.
  auto row = [&](const std::string& label) {
    const size_t at = o.out.find("\n  " + label + "  ");
    if (at == std::string::npos) return std::string("(no row '" + label + "')");
    const size_t start = o.out.find_first_not_of(' ', at + 3 + label.size());
    std::string value = o.out.substr(start, o.out.find('\n', start) - start);
    value.erase(std::remove(value.begin(), value.end(), ','), value.end());
    return value;
  };
  auto fixed = [](double v, const char* unit) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f%s", v, unit);
    return std::string(buf);
  };
  // Drawdowns are the positive fractions of the JSON (backtesting.py prints them negative).
  CHECK(row("Max drawdown") == fixed(-stats["Max. Drawdown [%]"].get<double>(), " %"));
  CHECK(row("Average drawdown") == fixed(-stats["Avg. Drawdown [%]"].get<double>(), " %"));
  CHECK(row("Total return") == fixed(stats["Return [%]"].get<double>(), " %"));
  CHECK(row("Final equity") == fixed(stats["Equity Final [$]"].get<double>(), ""));
  CHECK(row("Commissions") == fixed(stats["Commissions [$]"].get<double>(), ""));
  auto days = [&](const char* key) {
    const double d = stats[key]["seconds"].get<double>() / 86400;
    REQUIRE(d == std::floor(d));  // daily bars: whole days
    return std::to_string(static_cast<long>(d)) + " days";
  };
  CHECK(row("Duration") == days("Duration"));
  CHECK(row("Longest drawdown") == days("Max. Drawdown Duration"));
  CHECK(row("Average trade length") == days("Avg. Trade Duration"));
  CHECK(row("Trades") == std::to_string(stats["# Trades"].get<long>()));
  CHECK(o.out.find("_s ") == std::string::npos);  // no JSON key as a label
  CHECK(o.out.find("max_drawdown") == std::string::npos);
  // Wall times in a unit that fits: never "0.0 ms".
  const size_t ran = o.out.find("ran in ");
  REQUIRE(ran != std::string::npos);
  const std::string took = o.out.substr(ran + 7, o.out.find('\n', ran) - ran - 7);
  INFO(took);
  CHECK(std::regex_match(took, std::regex("[1-9][0-9]{0,2} µs|[1-9][0-9.]* ms|[1-9][0-9.]* s")));
}

TEST_CASE("-h works like --help for btrouter and every command; so does `btrouter help CMD`") {
  TempDir tmp;
  const Outcome overview = Run({"--help"}, tmp);
  REQUIRE(overview.exit_code == 0);
  CHECK(overview.out.find("usage: btrouter <command>") != std::string::npos);
  CHECK(Run({"-h"}, tmp).out == overview.out);
  CHECK(Run({"help"}, tmp).out == overview.out);
  const Outcome bare = Run({}, tmp);
  CHECK(bare.exit_code == 2);
  CHECK(bare.err == overview.out);
  for (const std::string command :
       {"backtest", "strategies", "gen-data", "serve", "keys", "openapi", "upload", "datasets",
        "submit", "status", "watch", "result", "list", "cancel", "logs", "engines", "compare",
        "monte-carlo"}) {
    const Outcome help = Run({command, "--help"}, tmp);
    INFO(command << ": " << help.err);
    CHECK(help.exit_code == 0);
    CHECK(help.out.rfind("usage: btrouter " + command, 0) == 0);
    const Outcome h = Run({command, "-h"}, tmp);
    CHECK(h.exit_code == 0);
    CHECK(h.out == help.out);
    const Outcome via_help = Run({"help", command}, tmp);
    CHECK(via_help.exit_code == 0);
    CHECK(via_help.out == help.out);
  }
  CHECK(Run({"keys", "create", "-h"}, tmp).exit_code == 0);
  const Outcome unknown = Run({"help", "explode"}, tmp);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown command 'explode'") != std::string::npos);
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
