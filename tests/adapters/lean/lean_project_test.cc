// AlgorithmParameters, CatalogueWarmup, WriteLeanData (round trips through the LEAN loader and
// byte comparison with LEAN's own sample data) and the embedded algorithm source.
#include "adapters/lean/lean_project.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "engines/data/csv_loader.h"
#include "engines/data/lean_loader.h"
#include "engines/data/zip_reader.h"
#include "tests/adapters/lean/lean_test_util.h"

namespace btr::lean {
namespace {

using testing::SharedData;
using testing::TempDir;

BarSeries Load(const std::string& name) {
  Result<BarSeries> bars = LoadCsvFile(SharedData(name));
  REQUIRE(bars.ok());
  return std::move(bars).value();
}

BacktestSpec Spec(const std::string& strategy) {
  BacktestSpec spec;
  spec.engine = "lean_local";
  spec.strategy.name = strategy;
  return spec;
}

void RequireSameBars(const BarSeries& a, const BarSeries& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("bar " << i);
    REQUIRE(a.time[i] == b.time[i]);
    REQUIRE(a.open[i] == b.open[i]);
    REQUIRE(a.high[i] == b.high[i]);
    REQUIRE(a.low[i] == b.low[i]);
    REQUIRE(a.close[i] == b.close[i]);
    REQUIRE(a.volume[i] == b.volume[i]);
  }
}

std::string Entry(const std::string& zip_path) {
  Result<ZipReader> zip = ZipReader::Open(zip_path);
  REQUIRE(zip.ok());
  REQUIRE(zip->entries().size() == 1);
  Result<std::string> text = zip->Extract(zip->entries()[0]);
  REQUIRE(text.ok());
  return *text;
}

Status ParamsError(const BacktestSpec& spec, const BarSeries& bars) {
  Result<std::map<std::string, std::string>> p = AlgorithmParameters(spec, bars);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == StatusCode::kInvalidArgument);
  return p.status();
}

TEST_CASE("AlgorithmParameters for sma_cross on GOOG daily", "[lean]") {
  const BarSeries goog = Load("GOOG.csv");
  BacktestSpec spec = Spec("sma_cross");
  spec.commission = 0.002;
  spec.strategy.params["fast"] = 5;
  Result<std::map<std::string, std::string>> p = AlgorithmParameters(spec, goog);
  REQUIRE(p.ok());
  const std::map<std::string, std::string> expected = {
      {"strategy", "sma_cross"},
      {"fast", "5"},
      {"slow", "20"},
      {"long_only", "false"},
      {"sl_pct", "0"},
      {"tp_pct", "0"},
      {"cash", "10000"},
      {"commission", "0.002"},
      {"commission_fixed", "0"},
      {"spread", "0"},
      {"margin", "1"},
      {"trade_on_close", "false"},
      {"exclusive_orders", "false"},
      {"hedging", "false"},
      {"finalize_trades", "false"},
      {"ticker", "BTRDATA"},
      {"resolution", "daily"},
      {"extended_hours", "false"},
      {"start", "2004-08-19"},
      {"end", "2013-03-01"},
      {"bars", "2148"},
      {"warmup", "19"},
      {"last_bar", "2013-03-01T00:00:00"},
      {"finalize_bar", "2013-02-28T00:00:00"},
  };
  CHECK(*p == expected);

  spec = Spec("bollinger_reversion");
  spec.strategy.params["k"] = 1.5;
  spec.cash = 12345.678;
  spec.margin = 0.5;
  spec.finalize_trades = true;
  p = AlgorithmParameters(spec, goog);
  REQUIRE(p.ok());
  CHECK(p->at("k") == "1.5");
  CHECK(p->at("period") == "20");
  CHECK(p->at("cash") == "12345.678");
  CHECK(p->at("margin") == "0.5");
  CHECK(p->at("finalize_trades") == "true");
  CHECK(p->count("fast") == 0);
}

TEST_CASE("CatalogueWarmup is the native strategy's warm-up", "[lean]") {
  const BarSeries goog = Load("GOOG.csv");
  const std::pair<const char*, size_t> cases[] = {
      {"sma_cross", 19},     {"ema_cross", 25},           {"macd_cross", 33},
      {"rsi_reversion", 14}, {"bollinger_reversion", 19}, {"donchian_breakout", 20},
      {"buy_and_hold", 0}};
  for (const auto& [name, w] : cases) {
    INFO(name);
    Result<size_t> warmup = CatalogueWarmup(Spec(name), goog);
    REQUIRE(warmup.ok());
    CHECK(*warmup == w);
  }
  CHECK(CatalogueWarmup(Spec("nope"), goog).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("AlgorithmParameters refuses what the LEAN algorithm cannot honour", "[lean]") {
  const BarSeries goog = Load("GOOG.csv");
  auto starts = [](const Status& s, const std::string& prefix) {
    INFO(s.message());
    CHECK(s.message().rfind(prefix, 0) == 0);
  };
  BacktestSpec spec = Spec("sma_cross");
  spec.hedging = true;
  starts(ParamsError(spec, goog), "hedging: ");
  spec = Spec("sma_cross");
  spec.trade_on_close = true;
  starts(ParamsError(spec, goog), "trade_on_close: ");
  spec = Spec("sma_cross");
  spec.commission = -0.001;
  starts(ParamsError(spec, goog), "commission: ");
  spec = Spec("sma_cross");
  spec.commission_fixed = -1;
  starts(ParamsError(spec, goog), "commission_fixed: ");
  spec = Spec("sma_cross");
  spec.margin = 0;
  starts(ParamsError(spec, goog), "margin: ");
  spec = Spec("sma_cross");
  spec.cash = 0;
  starts(ParamsError(spec, goog), "cash: ");
  spec = Spec("sma_cross");
  spec.spread = -0.01;
  starts(ParamsError(spec, goog), "spread: ");
  starts(ParamsError(Spec("no_such"), goog), "strategy.name: ");
  spec = Spec("sma_cross");
  spec.strategy.params["fast"] = 30;  // not below slow
  starts(ParamsError(spec, goog), "strategy.params: ");
  spec.strategy.params = {{"speed", 1}};
  starts(ParamsError(spec, goog), "strategy.params: ");

  // Bars LEAN cannot hold unchanged.
  CHECK(ParamsError(Spec("sma_cross"), Load("EURUSD.csv")).message() ==
        "dataset: LEAN engines need daily or minute bars, got a median bar spacing of 3600 s");
  starts(ParamsError(Spec("sma_cross"), Load("BTCUSD.csv")),
         "dataset: LEAN engines need daily or minute bars");
  BarSeries odd = goog;
  odd.close[17] = 105.33001;
  CHECK(ParamsError(Spec("sma_cross"), odd).message() ==
        "dataset: bar 17 (2004-09-14T00:00:00): close 105.33001 is not a whole number of "
        "deci-cents; LEAN stores prices as integers of 1/10000 (at most 4 decimals, at least "
        "0.0001)");
  BarSeries weekend;
  for (unsigned d = 1; d <= 12; ++d) {
    weekend.Append(DaysFromCivil(2021, 1, d) * kNsPerDay, 10, 11, 9, 10, 1);
  }
  CHECK(ParamsError(Spec("sma_cross"), weekend).message() ==
        "dataset: bar 1 (2021-01-02T00:00:00) falls on a Saturday; LEAN's US-equity calendar has "
        "no weekend sessions, so LEAN would skip it");
  BarSeries night;
  const TimeNs day = DaysFromCivil(2013, 10, 7) * kNsPerDay;
  for (int m = 0; m < 5; ++m)
    night.Append(day + (3 * 60 + 58 + m) * kNsPerMinute, 10, 10, 10, 10, 0);
  starts(ParamsError(Spec("sma_cross"), night),
         "dataset: bar 0 (2013-10-07T03:58:00) lies outside 04:00-20:00 New York time");
  BarSeries one;
  one.Append(day, 10, 10, 10, 10, 0);
  CHECK(ParamsError(Spec("buy_and_hold"), one).message() ==
        "dataset: LEAN engines need at least 2 bars, got 1");
  BarSeries noon;
  for (unsigned d = 7; d <= 11; ++d) {
    noon.Append(DaysFromCivil(2013, 10, d) * kNsPerDay + 12 * kNsPerHour, 10, 10, 10, 10, 0);
  }
  starts(ParamsError(Spec("sma_cross"), noon), "dataset: bar 0 (2013-10-07T12:00:00): daily bars");
}

TEST_CASE("WriteLeanData writes GOOG as LEAN daily data that loads back identically", "[lean]") {
  const BarSeries goog = Load("GOOG.csv");
  TempDir dir;
  REQUIRE(WriteLeanData(goog, dir.path()).ok());
  const std::string usa = dir.Path("equity/usa");
  Result<BarSeries> back = LoadLeanDailyZip(usa + "/daily/btrdata.zip");
  REQUIRE(back.ok());
  CHECK(back->symbol == "BTRDATA");
  RequireSameBars(*back, goog);
  const std::string csv = Entry(usa + "/daily/btrdata.zip");
  CHECK(csv.rfind("20040819 00:00,1000000,1040600,959600,1003400,22351900\n", 0) == 0);
  CHECK(testing::ReadFile(usa + "/map_files/btrdata.csv") ==
        "20040819,btrdata,Q\n20501231,btrdata,Q\n");
  CHECK(testing::ReadFile(usa + "/factor_files/btrdata.csv") == "20040819,1,1,1\n20501231,1,1,0\n");
}

TEST_CASE("WriteLeanData reproduces LEAN's own SPY files byte for byte", "[lean]") {
  TempDir dir;
  const std::string spy = SharedData("lean/equity/usa");
  // Daily: 5,849 rows 1998-2021 (LEAN's file has no final newline).
  Result<BarSeries> daily = LoadLeanDailyZip(spy + "/daily/spy.zip");
  REQUIRE(daily.ok());
  REQUIRE(WriteLeanData(*daily, dir.path()).ok());
  CHECK(Entry(dir.Path("equity/usa/daily/btrdata.zip")) == Entry(spy + "/daily/spy.zip") + "\n");

  // Minute: five days of 04:00-19:59 bars, one zip per day.
  Result<BarSeries> minute = LoadLeanMinuteDir(spy + "/minute/spy");
  REQUIRE(minute.ok());
  REQUIRE(WriteLeanData(*minute, dir.path()).ok());
  CHECK_FALSE(std::filesystem::exists(dir.Path("equity/usa/daily/btrdata.zip")));  // replaced
  Result<BarSeries> back = LoadLeanMinuteDir(dir.Path("equity/usa/minute/btrdata"));
  REQUIRE(back.ok());
  CHECK(back->symbol == "BTRDATA");
  RequireSameBars(*back, *minute);
  for (const char* date :
       {"20131004", "20131007", "20131008", "20131009", "20131010", "20131011"}) {
    INFO(date);
    const std::string ours =
        dir.Path(std::string("equity/usa/minute/btrdata/") + date + "_trade.zip");
    Result<ZipReader> zip = ZipReader::Open(ours);
    REQUIRE(zip.ok());
    CHECK(zip->entries()[0].name == std::string(date) + "_btrdata_minute_trade.csv");
    CHECK(Entry(ours) == Entry(spy + "/minute/spy/" + date + "_trade.zip") + "\n");
  }
  CHECK(testing::ReadFile(dir.Path("equity/usa/map_files/btrdata.csv")) ==
        "20131004,btrdata,Q\n20501231,btrdata,Q\n");

  // The parameters of a minute run: extended hours, since the files start at 04:00.
  Result<std::map<std::string, std::string>> p =
      AlgorithmParameters(Spec("rsi_reversion"), *minute);
  REQUIRE(p.ok());
  CHECK(p->at("resolution") == "minute");
  CHECK(p->at("extended_hours") == "true");
  CHECK(p->at("start") == "2013-10-04");
  CHECK(p->at("end") == "2013-10-11");
  CHECK(p->at("warmup") == "14");
  CHECK(p->at("last_bar") == "2013-10-11T19:59:00");
}

TEST_CASE("WriteLeanData writes a small regular-session minute series", "[lean]") {
  BarSeries bars;
  for (unsigned d : {7u, 8u}) {
    const TimeNs day = DaysFromCivil(2013, 10, d) * kNsPerDay;
    for (int m = 0; m < 30; ++m) {
      // Prices from whole deci-cents (a sum such as 174.43 + 0.0003 is off by an ulp).
      const double k = 1674300 + 10000 * d + m;
      bars.Append(day + 9 * kNsPerHour + (30 + m) * kNsPerMinute, k / 1e4, (k + 100) / 1e4,
                  (k - 100) / 1e4, k / 1e4, m == 3 ? 2.5 : 1000 + m);
    }
  }
  TempDir dir;
  REQUIRE(WriteLeanData(bars, dir.path()).ok());
  Result<BarSeries> back = LoadLeanMinuteDir(dir.Path("equity/usa/minute/btrdata"));
  REQUIRE(back.ok());
  RequireSameBars(*back, bars);
  const std::string csv = Entry(dir.Path("equity/usa/minute/btrdata/20131007_trade.zip"));
  CHECK(csv.rfind("34200000,1744300,1744400,1744200,1744300,1000\n", 0) == 0);
  CHECK(csv.find("\n34380000,1744303,1744403,1744203,1744303,2.5\n") != std::string::npos);
  Result<std::map<std::string, std::string>> p = AlgorithmParameters(Spec("sma_cross"), bars);
  REQUIRE(p.ok());
  CHECK(p->at("extended_hours") == "false");
  CHECK(p->at("finalize_bar") == "2013-10-08T09:58:00");
  CHECK(WriteLeanData(bars, "/proc/no/such/dir").code() == StatusCode::kInternal);
}

TEST_CASE("AlgorithmSource is adapters/lean/algorithm/main.py", "[lean]") {
  const std::string file =
      testing::ReadFile(std::string(BTR_SOURCE_DIR) + "/adapters/lean/algorithm/main.py");
  REQUIRE_FALSE(file.empty());
  CHECK(AlgorithmSource() == file);
  CHECK(AlgorithmSource().find("class BtrouterCatalogueAlgorithm(QCAlgorithm):") !=
        std::string_view::npos);
  CHECK(AlgorithmSource().find("BTR_PROGRESS") != std::string_view::npos);
}

}  // namespace
}  // namespace btr::lean
