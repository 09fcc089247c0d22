// Trade-for-trade and statistic-for-statistic agreement of the native engine with
// backtesting.py 0.6.6. The cases are tests/parity/cases.json; the reference outputs under
// tests/parity/reference/ were produced by running backtesting.py 0.6.6 itself
// (tests/parity/make_reference.py, see reference/MANIFEST.json).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engines/data/csv_loader.h"
#include "engines/data/gbm_generator.h"
#include "engines/metrics/backtestingpy_stats.h"
#include "engines/native/native_run.h"
#include "engines/catalogue/catalogue.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::Near;
using testing::SharedDir;
using testing::SplitCsvLine;
using testing::TempDir;

using nlohmann::json;

std::string ParityDir() { return std::string(BTR_SOURCE_DIR) + "/tests/parity"; }

// A CSV file as rows of column name -> text.
std::vector<std::map<std::string, std::string>> ReadCsvRows(const std::string& path) {
  std::vector<std::map<std::string, std::string>> rows;
  std::ifstream in(path);
  if (!in) return rows;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header = SplitCsvLine(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells = SplitCsvLine(line);
    std::map<std::string, std::string> row;
    for (size_t k = 0; k < header.size() && k < cells.size(); ++k) row[header[k]] = cells[k];
    rows.push_back(std::move(row));
  }
  return rows;
}

double Num(const std::string& text) { return text.empty() ? std::nan("") : std::stod(text); }

BarSeries LoadCaseData(const std::string& data) {
  if (data.rfind("gbm:", 0) == 0) return GenerateGbmBars(std::stoul(data.substr(4)));
  Result<BarSeries> bars = LoadCsvFile(SharedDir() + "/data/" + data);
  REQUIRE(bars.ok());
  return std::move(bars).value();
}

BacktestConfig CaseConfig(const json& c) {
  BacktestConfig config;
  config.broker.cash = c.at("cash").get<double>();
  const json& commission = c.at("commission");
  if (commission.is_object()) {
    config.broker.commission_fixed = commission.at("fixed").get<double>();
    config.broker.commission_relative = commission.at("relative").get<double>();
  } else {
    config.broker.commission_relative = commission.get<double>();
  }
  config.broker.spread = c.at("spread").get<double>();
  config.broker.margin = c.at("margin").get<double>();
  config.broker.trade_on_close = c.at("trade_on_close").get<bool>();
  config.broker.exclusive_orders = c.at("exclusive_orders").get<bool>();
  config.broker.hedging = c.at("hedging").get<bool>();
  config.finalize_trades = c.at("finalize_trades").get<bool>();
  return config;
}

ParamValues CaseParams(const json& c) {
  const StrategyInfo* info = FindStrategy(c.at("strategy").get<std::string>());
  REQUIRE(info != nullptr);
  ParamValues params = ParamValues::Defaults(info->params);
  for (const auto& [name, value] : c.at("params").items()) {
    const double v = value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
    REQUIRE(params.SetNumber(info->params, name, v).ok());
  }
  return params;
}

void CompareTrades(const std::vector<TradeRecord>& ours,
                   const std::vector<std::map<std::string, std::string>>& ref, bool open) {
  REQUIRE(ours.size() == ref.size());
  for (size_t k = 0; k < ours.size(); ++k) {
    INFO((open ? "open trade " : "trade ") << k);
    const auto& r = ref[k];
    CHECK(ours[k].size == Num(r.at("size")));
    CHECK(ours[k].entry_bar == std::stol(r.at("entry_bar")));
    CHECK(ours[k].entry_price == Num(r.at("entry_price")));
    CHECK(Near(ours[k].sl, Num(r.at("sl")), 1e-12));
    CHECK(Near(ours[k].tp, Num(r.at("tp")), 1e-12));
    CHECK(Near(ours[k].pnl, Num(r.at("pnl")), 1e-9));
    CHECK(Near(ours[k].return_pct, Num(r.at("return_pct")), 1e-9));
    if (open) continue;
    CHECK(ours[k].exit_bar == std::stol(r.at("exit_bar")));
    CHECK(ours[k].exit_price == Num(r.at("exit_price")));
    CHECK(Near(ours[k].commission, Num(r.at("commission")), 1e-9));
  }
}

// The library's statistics, mapped to canonical keys by the module the Backtesting.py adapter
// uses (engines/metrics/backtestingpy_stats.h), against ours.
void CompareStats(const Metrics& m, const json& stats) {
  std::map<std::string, double> ours;
  for (const auto& [key, value] : MetricsFields(m)) ours[std::string(key)] = value;
  const std::map<std::string, double> theirs = MapBacktestingPyStats(stats);
  CHECK(theirs.size() >= 29);  // every numeric statistic (Commissions only when charged)
  for (const auto& [key, value] : theirs) {
    INFO("statistic " << key);
    CHECK(Near(ours.at(key), value, 1e-9));
  }
  if (theirs.count("commissions") == 0) CHECK(m.commissions == 0);
  CHECK(FormatIsoTime(m.start) == stats.at("Start").get<std::string>());
  CHECK(FormatIsoTime(m.end) == stats.at("End").get<std::string>());
}

void CompareEquity(std::span<const double> equity, const std::string& path) {
  const auto rows = ReadCsvRows(path);
  REQUIRE(rows.size() == equity.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!Near(equity[i], Num(rows[i].at("equity")), 1e-9)) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("native engine matches backtesting.py 0.6.6 on every reference case", "[parity]") {
  std::ifstream in(ParityDir() + "/cases.json");
  REQUIRE(in);
  const json cases = json::parse(in);
  REQUIRE(cases.size() >= 20);
  for (const json& c : cases) {
    const std::string id = c.at("id").get<std::string>();
    DYNAMIC_SECTION(id) {
      const std::string ref_dir = ParityDir() + "/reference/" + id;
      const BarSeries bars = LoadCaseData(c.at("data").get<std::string>());
      Result<NativeRun> run = RunCatalogueBacktest(bars, c.at("strategy").get<std::string>(),
                                                   CaseParams(c), CaseConfig(c));
      REQUIRE(run.ok());
      CompareTrades(run->output.trades, ReadCsvRows(ref_dir + "/trades.csv"), false);
      CompareTrades(run->output.open_trades, ReadCsvRows(ref_dir + "/open_trades.csv"), true);
      std::ifstream stats_in(ref_dir + "/stats.json");
      REQUIRE(stats_in);
      CompareStats(run->metrics, json::parse(stats_in));
      if (std::ifstream(ref_dir + "/equity.csv"))
        CompareEquity(run->output.equity, ref_dir + "/equity.csv");
    }
  }
}

}  // namespace
}  // namespace btr
