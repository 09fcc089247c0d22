// The LEAN result reader over every real result under shared/fixtures/lean (three local
// `lean backtest` runs of LEAN v2.5.0.0, main JSON and summary each), plus number, time-span
// and New York clock quirks.
#include "adapters/lean/lean_result.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "engines/core/utf8.h"
#include "tests/adapters/lean/lean_test_util.h"

namespace btr::lean {
namespace {

using nlohmann::json;
using testing::JanuaryBar;
using testing::LeanJson;
using testing::Near;

TimeNs At(int y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0) {
  return DaysFromCivil(y, mo, d) * kNsPerDay + h * kNsPerHour + mi * kNsPerMinute +
         s * kNsPerSecond;
}

struct Fixture {
  const char* path;
  size_t closed_trades;
  double end_equity;    // portfolioStatistics.endEquity
  double total_return;  // (end - start) / start
  double commissions;   // tradeStatistics.totalFees
  double cagr;          // "Compounding Annual Return" (finer than the 4-decimal one)
  double max_drawdown;
  double num_trades;
  double win_rate;   // NaN without trades
  double equity[7];  // at the bars of kProbeBars
};

// Bars whose aligned equity is checked: (January day, hour, minute), New York.
constexpr unsigned kProbeBars[7][3] = {{3, 9, 30}, {3, 9, 42},  {3, 10, 50}, {3, 15, 59},
                                       {4, 9, 30}, {13, 12, 0}, {31, 15, 59}};

const double kNaN = std::nan("");

// Expected values read from the files with an independent Python script (zoneinfo for New
// York time); the summary files carry weekly candles only, hence their coarser equity.
const Fixture kFixtures[] = {
    {"buy-and-hold-spy/1654346112.json",
     0,
     104272.205,
     0.04272205,
     0,
     0.6453,
     0.031,
     0,
     kNaN,
     {99998.705, 100529.655, 99250.195, 99213.676, 99672.624, 103008.3109, 104272.205}},
    {"buy-and-hold-spy/1654346112-summary.json",
     0,
     104272.205,
     0.04272205,
     0,
     0.6453,
     0.031,
     0,
     kNaN,
     {100000, 100000, 100000, 100000, 100000, 103316.495, 104272.205}},
    {"sma-crossover/1186467672.json",
     150,
     98118.51,
     -0.0188149,
     356.06,
     -0.20234,
     0.031,
     150,
     47.0 / 150,
     {100000, 100000, 99996.28, 99516.608, 99954.292, 98399.02, 98118.51}},
    {"sma-crossover/1186467672-summary.json",
     0,
     98118.51,
     -0.0188149,
     356.06,
     -0.20234,
     0.031,
     150,
     47.0 / 150,
     {100000, 100000, 100000, 100000, 100000, 99018.77, 98272.79}},
    {"rsi-minutely/1983772575.json",
     26,
     101831.37,
     0.0183137,
     63.82,
     0.2411,
     0.026,
     26,
     17.0 / 26,
     {100000, 100000, 100165.585, 100261.45, 100261.45, 103195.8997, 101831.37}},
    {"rsi-minutely/1983772575-summary.json",
     0,
     101831.37,
     0.0183137,
     63.82,
     0.2411,
     0.026,
     26,
     17.0 / 26,
     {100000, 100000, 100000, 100000, 100000, 102789.56, 101831.37}},
};

TEST_CASE("ParseLeanResult reads every real LEAN result fixture", "[lean]") {
  const BarSeries bars = testing::January2023Minutes();
  REQUIRE(bars.size() == 20 * 390);
  for (const Fixture& f : kFixtures) {
    INFO(f.path);
    const json doc = LeanJson(f.path);
    CHECK(LeanResultError(doc).ok());
    Result<EngineRun> run = ParseLeanResult(doc, bars);
    REQUIRE(run.ok());
    REQUIRE(run->equity.size() == bars.size());
    for (int k = 0; k < 7; ++k) {
      const size_t i = JanuaryBar(bars, kProbeBars[k][0], kProbeBars[k][1], kProbeBars[k][2]);
      INFO("bar " << i);
      CHECK(run->equity[i] == Approx(f.equity[k]).epsilon(1e-12));
    }
    CHECK(run->trades.size() == f.closed_trades);
    // The position the filled orders leave open (read from the files' "orders" by a Python
    // script: the last fills of each; the summaries carry no orders).
    const std::string path = f.path;
    if (path == "buy-and-hold-spy/1654346112.json" || path == "sma-crossover/1186467672.json") {
      const bool hold = path.starts_with("buy");
      REQUIRE(run->open_trades.size() == 1);
      const TradeRecord& open = run->open_trades[0];
      CHECK(open.size == (hold ? 259 : 232));
      CHECK(open.entry_price == (hold ? 384.13 : 401.29));
      CHECK(open.entry_bar ==
            static_cast<long>(hold ? JanuaryBar(bars, 3, 9, 31) : JanuaryBar(bars, 31, 9, 33)));
      CHECK(open.is_open());
      CHECK(open.pnl == Approx((bars.close[bars.size() - 1] - open.entry_price) * open.size));
    } else {
      CHECK(run->open_trades.empty());
    }

    const std::map<std::string, double>& m = run->native.metrics;
    CHECK(m.at("equity_final") == Approx(f.end_equity).epsilon(1e-12));
    CHECK(m.at("total_return") == Approx(f.total_return).epsilon(1e-9));
    CHECK(m.at("commissions") == Approx(f.commissions).margin(1e-12));
    CHECK(m.at("cagr") == Approx(f.cagr).epsilon(1e-12));
    CHECK(m.at("max_drawdown") == Approx(f.max_drawdown).epsilon(1e-12));
    CHECK(m.at("num_trades") == f.num_trades);
    CHECK(Near(m.at("win_rate"), f.win_rate, 1e-12));
    CHECK(m.size() == 7);
    const std::map<std::string, double> direct = MapLeanStatistics(doc);
    REQUIRE(direct.size() == m.size());
    for (const auto& [key, value] : direct) CHECK(Near(m.at(key), value, 0));

    const json raw = json::parse(run->native.raw_json);
    CHECK(raw.at("statistics") == doc.at("statistics"));
    CHECK(raw.at("portfolioStatistics") == doc.at("totalPerformance").at("portfolioStatistics"));
    CHECK(raw.at("tradeStatistics") == doc.at("totalPerformance").at("tradeStatistics"));
    CHECK(run->native.conventions == LeanConventions());
    CHECK_FALSE(run->native.same_as_canonical);
  }
}

TEST_CASE("LEAN fixtures' quick facts parse as numbers", "[lean]") {
  const json bh = LeanJson("buy-and-hold-spy/1654346112.json");
  const json& s = bh.at("statistics");
  CHECK(ParseLeanNumber(s.at("Net Profit")).value() == Approx(0.04272));
  CHECK(ParseLeanNumber(s.at("Sharpe Ratio")).value() == Approx(2.948));
  CHECK(ParseLeanNumber(s.at("Total Orders")).value() == 1);
  CHECK(ParseLeanNumber(s.at("End Equity")).value() == Approx(104272.20));
  CHECK(ParseLeanNumber(s.at("Total Fees")).value() == Approx(1.30));
  CHECK(ParseLeanNumber(s.at("Estimated Strategy Capacity")).value() == 74000000.0);
  CHECK_FALSE(ParseLeanNumber(s.at("Lowest Capacity Asset")));
  CHECK(ParseLeanNumber(bh.at("runtimeStatistics").at("Return")).value() == Approx(0.0427));
  CHECK(ParseLeanNumber(bh.at("runtimeStatistics").at("Equity")).value() == Approx(104272.21));
  CHECK(ParseTimeSpanSeconds(bh.at("totalPerformance")
                                 .at("tradeStatistics")
                                 .at("averageTradeDuration")
                                 .get<std::string>()) == 0.0);

  const json sma = LeanJson("sma-crossover/1186467672.json");
  CHECK(sma.at("statistics").at("Total Orders") == "301");
  CHECK(ParseLeanNumber(sma.at("statistics").at("Win Rate")).value() == Approx(0.31));
  CHECK(ParseLeanNumber(sma.at("statistics").at("Net Profit")).value() == Approx(-0.01881));
  CHECK(ParseLeanNumber(sma.at("runtimeStatistics").at("Net Profit")).value() == Approx(-1728.37));
  CHECK(ParseLeanNumber(sma.at("runtimeStatistics").at("Fees")).value() == Approx(-357.22));
  CHECK(ParseLeanNumber(sma.at("runtimeStatistics").at("Return")).value() == Approx(-0.0188));
  const json& ts = sma.at("totalPerformance").at("tradeStatistics");
  CHECK(ts.at("totalNumberOfTrades") == 150);
  CHECK(*ParseTimeSpanSeconds(ts.at("maximumDrawdownDuration").get<std::string>()) == 91680.0);
  CHECK(*ParseTimeSpanSeconds(ts.at("averageTradeDuration").get<std::string>()) ==
        Approx(9136.8000032));

  const json rsi = LeanJson("rsi-minutely/1983772575.json");
  CHECK(ParseLeanNumber(rsi.at("statistics").at("Net Profit")).value() == Approx(0.01831));
  CHECK(ParseLeanNumber(rsi.at("statistics").at("Total Orders")).value() == 52);
}

TEST_CASE("closedTrades become btrouter trades: net pnl, New York times, bars", "[lean]") {
  const BarSeries bars = testing::January2023Minutes();
  const json doc = LeanJson("sma-crossover/1186467672.json");
  Result<EngineRun> run = ParseLeanResult(doc, bars);
  REQUIRE(run.ok());
  // {"entryTime": "2023-01-03T15:43:00Z", "entryPrice": 381.25, "direction": 0, "quantity":
  //  248.0, "exitTime": "2023-01-03T16:11:00Z", "exitPrice": 380.66, "profitLoss": -146.32,
  //  "totalFees": 2.48}: profitLoss is gross; the result's profitLoss dict books -148.8.
  const TradeRecord& t = run->trades.front();
  CHECK(t.size == 248);
  CHECK(t.entry_price == 381.25);
  CHECK(t.exit_price == 380.66);
  CHECK(t.entry_time == At(2023, 1, 3, 10, 43));
  CHECK(t.exit_time == At(2023, 1, 3, 11, 11));
  CHECK(t.entry_bar == static_cast<long>(JanuaryBar(bars, 3, 10, 43)));
  CHECK(t.exit_bar == static_cast<long>(JanuaryBar(bars, 3, 11, 11)));
  CHECK(t.commission == 2.48);
  CHECK(t.pnl == Approx(-148.8).epsilon(1e-12));
  CHECK(doc.at("profitLoss").at("2023-01-03T16:11:00Z").get<double>() == Approx(t.pnl));
  CHECK(t.return_pct == Approx(-148.8 / (248 * 381.25)).epsilon(1e-12));
  const TradeRecord& last = run->trades.back();
  CHECK(last.exit_bar == static_cast<long>(JanuaryBar(bars, 30, 15, 51)));
  // Gross profitLoss minus fees summed over the trades is the realized net profit.
  double net = 0;
  for (const TradeRecord& trade : run->trades) net += trade.pnl;
  CHECK(net == Approx(-1727.21).epsilon(1e-9));

  // rsi-minutely closes every trade: the trades' net pnl is End Equity - Start Equity.
  Result<EngineRun> rsi = ParseLeanResult(LeanJson("rsi-minutely/1983772575.json"), bars);
  REQUIRE(rsi.ok());
  net = 0;
  for (const TradeRecord& trade : rsi->trades) net += trade.pnl;
  CHECK(net == Approx(101831.37 - 100000).epsilon(1e-9));
}

json TinyResult() {
  // 2023-01-03 14:31 UTC = 09:31 New York.
  return json::parse(R"({
    "charts": {"Strategy Equity": {"series": {"Equity": {"values": [
      [1672756260, 100.0, 101.0, 99.0, 100.5],
      [1672756320, 101.0],
      {"x": 1672756440, "y": 103.0},
      [1672756500, null, null, null, null]
    ]}}}},
    "totalPerformance": {"closedTrades": [
      {"entryTime": "2023-01-03T14:31:00Z", "entryPrice": "10.00", "direction": 1,
       "quantity": "5", "exitTime": "2023-01-03T14:33:00Z", "exitPrice": 9.0,
       "profitLoss": 5.0, "totalFees": "1.5"}]},
    "statistics": []
  })");
}

TEST_CASE("open positions come from the filled orders, per symbol; bad orders are skipped",
          "[lean]") {
  BarSeries bars;
  for (unsigned m = 29; m <= 35; ++m) bars.Append(At(2023, 1, 3, 9, m), 10, 10, 10, 12, 0);
  json doc = TinyResult();
  // AAA: 10 at 100 (09:30), 10 more at 110 (09:31), 5 sold at 120 (09:32): 15 open at 105.
  // BBB: short 5, bought back: flat. CCC: long 4, sold 6 at 09:33: short 2 from the flip.
  // Skipped: a cancelled order (status 5), a non-finite value, an id past 2^53, no time.
  doc["orders"] = json::parse(R"({
    "1": {"id": 1, "symbol": {"value": "AAA"}, "quantity": 10, "price": 100, "status": 3,
          "time": "2023-01-03T14:30:00Z"},
    "2": {"id": 2, "symbol": {"value": "BBB"}, "quantity": -5, "price": 50, "status": 3,
          "time": "2023-01-03T14:30:00Z"},
    "3": {"id": 3, "symbol": {"value": "AAA"}, "quantity": 10, "price": 110, "status": 3,
          "lastFillTime": "2023-01-03T14:31:00Z", "time": "2023-01-03T14:29:00Z"},
    "4": {"id": 4, "symbol": {"value": "BBB"}, "quantity": 5, "price": 40, "status": 3,
          "time": "2023-01-03T14:31:00Z"},
    "5": {"id": 5, "symbol": {"value": "AAA"}, "quantity": -5, "price": 120, "status": 3,
          "time": "2023-01-03T14:32:00Z"},
    "6": {"id": 6, "symbol": "CCC", "quantity": 4, "price": 7, "status": "Filled",
          "time": "2023-01-03T14:32:00Z"},
    "7": {"id": 7, "symbol": "CCC", "quantity": -6, "price": 8, "status": 3,
          "time": "2023-01-03T14:33:00Z"},
    "8": {"id": 8, "symbol": {"value": "AAA"}, "quantity": 99, "price": 1, "status": 5,
          "time": "2023-01-03T14:33:00Z"},
    "9": {"id": 9, "symbol": {"value": "AAA"}, "quantity": 1e308, "price": 1e308, "status": 3,
          "time": "2023-01-03T14:33:00Z"},
    "10": {"id": 1e300, "symbol": {"value": "DDD"}, "quantity": 1, "price": 1, "status": 3,
           "time": "2023-01-03T14:34:00Z"},
    "11": {"id": 11, "symbol": {"value": "EEE"}, "quantity": 1, "price": 1, "status": 3}
  })");
  Result<EngineRun> run = ParseLeanResult(doc, bars);
  REQUIRE(run.ok());
  REQUIRE(run->open_trades.size() == 3);  // AAA, CCC, DDD (its id is ignored, not the fill)
  const TradeRecord& aaa = run->open_trades[0];
  CHECK(aaa.size == 15);
  CHECK(aaa.entry_price == Approx(105));
  CHECK(aaa.entry_bar == 1);  // opened from flat at 09:30
  CHECK(aaa.is_open());
  CHECK(aaa.pnl == Approx((12 - 105) * 15.0));
  const TradeRecord& ccc = run->open_trades[1];
  CHECK(ccc.size == -2);
  CHECK(ccc.entry_price == 8);
  CHECK(ccc.entry_bar == 4);  // the flip at 09:33
  CHECK(run->open_trades[2].size == 1);
}

TEST_CASE("ParseLeanResult aligns candle, line and object points and reads shorts", "[lean]") {
  BarSeries bars;
  for (unsigned m = 29; m <= 35; ++m) bars.Append(At(2023, 1, 3, 9, m), 10, 10, 10, 10, 0);
  Result<EngineRun> run = ParseLeanResult(TinyResult(), bars);
  REQUIRE(run.ok());
  // Bar 09:29 ends 09:30, before every point: the first candle's open. Bar 09:30 ends at 09:31.
  const std::vector<double> expected = {100.0, 100.5, 101.0, 101.0, 103.0, 103.0, 103.0};
  CHECK(std::vector<double>(run->equity.begin(), run->equity.end()) == expected);
  REQUIRE(run->trades.size() == 1);
  const TradeRecord& t = run->trades[0];
  CHECK(t.size == -5);
  CHECK(t.entry_bar == 2);  // 09:31 is the start of the third bar
  CHECK(t.exit_bar == 4);
  CHECK(t.pnl == 3.5);
  CHECK(t.return_pct == Approx(3.5 / 50));
  CHECK(json::parse(run->native.raw_json) ==
        json::parse(R"({"statistics": {}, "portfolioStatistics": {}, "tradeStatistics": {}})"));
  CHECK(run->native.metrics.empty());
}

// Applies `edit` to a copy of the buy-and-hold result and returns the parse error.
template <typename Edit>
Status ParseError(Edit edit) {
  json doc = LeanJson("sma-crossover/1186467672.json");
  edit(doc);
  Result<EngineRun> run = ParseLeanResult(doc, testing::January2023Minutes());
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInternal);
  return run.status();
}

TEST_CASE("ParseLeanResult names the member of a malformed result", "[lean]") {
  auto contains = [](const Status& s, const std::string& what) {
    INFO(s.message());
    CHECK(s.message().find(what) != std::string::npos);
  };
  contains(ParseError([](json& d) { d.erase("charts"); }), "LEAN result: charts: missing");
  contains(ParseError([](json& d) { d["charts"]["Strategy Equity"]["series"].erase("Equity"); }),
           "charts.\"Strategy Equity\".series.Equity: missing");
  contains(ParseError([](json& d) {
             d["charts"]["Strategy Equity"]["series"]["Equity"]["values"] = json::object();
           }),
           "charts.\"Strategy Equity\".series.Equity.values: missing or not an array");
  contains(
      ParseError([](json& d) {
        d["charts"]["Strategy Equity"]["series"]["Equity"]["values"][3] = json::array({1, 2, 3});
      }),
      "charts.\"Strategy Equity\".series.Equity.values[3]: expected [t, value]");
  contains(ParseError([](json& d) {
             d["charts"]["Strategy Equity"]["series"]["Equity"]["values"] = json::array();
           }),
           "no equity points");
  contains(ParseError([](json& d) {
             d["totalPerformance"]["closedTrades"][3]["entryTime"] = "yesterday";
           }),
           "totalPerformance.closedTrades[3].entryTime: expected an ISO-8601 UTC time");
  contains(
      ParseError([](json& d) { d["totalPerformance"]["closedTrades"][7].erase("profitLoss"); }),
      "totalPerformance.closedTrades[7].profitLoss: expected a number, got nothing");
  contains(ParseError([](json& d) { d["totalPerformance"]["closedTrades"][0]["direction"] = 7; }),
           "totalPerformance.closedTrades[0].direction");
  contains(ParseError([](json& d) { d["totalPerformance"]["closedTrades"] = "none"; }),
           "totalPerformance.closedTrades: expected an array");
  contains(ParseError([](json& d) { d["totalPerformance"] = 5; }), "totalPerformance: expected");
  contains(ParseError([](json& d) { d["statistics"] = "n/a"; }), "statistics: expected an object");
  contains(ParseError([](json& d) { d["totalPerformance"]["tradeStatistics"] = json::array({1}); }),
           "totalPerformance.tradeStatistics: expected an object");
  Result<EngineRun> not_object = ParseLeanResult(json::array(), testing::January2023Minutes());
  CHECK(not_object.status().code() == StatusCode::kInternal);
}

TEST_CASE("ParseLeanResult quotes a bad point in whole characters (found by fuzzing)", "[lean]") {
  // The excerpt of a point was cut at 57 bytes, inside a character here: the message was not
  // valid UTF-8 and a job failing with it could not be answered as JSON.
  std::string name;
  for (int i = 0; i < 30; ++i) name += "\xc3\xa9";
  const json result = {
      {"charts", {{"Strategy Equity", {{"series", {{"Equity", {{"values", {{name, 1, 2}}}}}}}}}}}};
  const Result<EngineRun> run = ParseLeanResult(result, testing::January2023Minutes());
  REQUIRE_FALSE(run.ok());
  const std::string message = run.status().message();
  CHECK(IsValidUtf8(message));
  std::string shown = "[\"";
  for (int i = 0; i < 27; ++i) shown += "\xc3\xa9";
  CHECK(message.find("got " + shown + "...") != std::string::npos);
}

TEST_CASE("LeanResultError detects runtime errors", "[lean]") {
  json doc = LeanJson("buy-and-hold-spy/1654346112.json");
  CHECK(LeanResultError(doc).ok());
  doc["state"]["Status"] = "RuntimeError";
  doc["state"]["RuntimeError"] = "Intentional Failure\n";
  doc["state"]["StackTrace"] = "\n  at on_data in main.py: line 12\n  at <module>\n";
  Status s = LeanResultError(doc);
  CHECK(s.code() == StatusCode::kInternal);
  CHECK(s.message() ==
        "LEAN run ended with status 'RuntimeError': Intentional Failure (at on_data in main.py: "
        "line 12)");

  doc["state"]["Status"] = "Completed";  // an error text alone also fails the run
  CHECK_FALSE(LeanResultError(doc).ok());
  doc["state"]["RuntimeError"] = "";
  doc["state"]["StackTrace"] = "";
  CHECK(LeanResultError(doc).ok());
  doc["state"]["Status"] = "Stopped";
  CHECK(LeanResultError(doc).message() == "LEAN run ended with status 'Stopped'");
  doc.erase("state");  // cloud results carry the error elsewhere
  CHECK(LeanResultError(doc).ok());
}

TEST_CASE("ParseLeanNumber handles LEAN's string formats", "[lean]") {
  struct Case {
    const char* text;
    double value;
  };
  const Case good[] = {
      {"4.272%", 0.04272},
      {"1.23 %", 0.0123},
      {"-1.88 %", -0.0188},
      {"$1,234.56", 1234.56},
      {"-$1.30", -1.30},
      {"$-1.30", -1.30},
      {"$-1,728.37", -1728.37},
      {"\xC2\xA4"
       "100,000.00",
       100000},
      {"0.6453", 0.6453},
      {"301", 301},
      {"$74000000.00", 7.4e7},
      {"3.100%", 0.031},
      {"0%", 0},
      {"-0.087", -0.087},
      {"104272.20", 104272.2},
      {"1E-05", 1e-5},
      {"($1.30)", -1.30},
      {" 2.5 ", 2.5},
      {"+3", 3},
      {".5", 0.5},
      {"1,000,000", 1e6},
  };
  for (const Case& c : good) {
    INFO(c.text);
    const std::optional<double> v = ParseLeanNumber(json(c.text));
    REQUIRE(v);
    CHECK(*v == Approx(c.value).epsilon(1e-15));
  }
  for (const char* bad : {"", " ", "SPY R735QTJ8XC9X", "abc", "1,00", "10,0000", ",100", "--1",
                          "$$1", "1.2.3", "%", "$", "nan", "inf", "11k", "1 000"}) {
    INFO(bad);
    CHECK_FALSE(ParseLeanNumber(json(bad)));
  }
  CHECK(*ParseLeanNumber(json(2.5)) == 2.5);
  CHECK(*ParseLeanNumber(json(301)) == 301);
  CHECK_FALSE(ParseLeanNumber(json(nullptr)));
  CHECK_FALSE(ParseLeanNumber(json(true)));
  CHECK_FALSE(ParseLeanNumber(json::array({1})));
}

TEST_CASE("ParseTimeSpanSeconds reads .NET TimeSpans", "[lean]") {
  CHECK(*ParseTimeSpanSeconds("00:28:00") == 1680);
  CHECK(*ParseTimeSpanSeconds("1.01:28:00") == 91680);
  CHECK(*ParseTimeSpanSeconds("02:32:16.8000032") == Approx(9136.8000032).epsilon(1e-15));
  CHECK(*ParseTimeSpanSeconds("-00:00:01") == -1);
  CHECK(*ParseTimeSpanSeconds("12.00:00:00") == 12 * 86400);
  CHECK(*ParseTimeSpanSeconds("00:00:00") == 0);
  for (const char* bad :
       {"", "abc", "24:00:00", "00:60:00", "00:00:60", "1.:00:00", "00:00:00.", "00:00:00x", "5"}) {
    INFO(bad);
    CHECK_FALSE(ParseTimeSpanSeconds(bad));
  }
}

TEST_CASE("UtcToNewYork and NewYorkToUtc follow the US DST rules", "[lean]") {
  constexpr TimeNs kSecond = kNsPerSecond;
  // 2006 (1987-2006 rules): DST from Sun 2 Apr 02:00 EST to Sun 29 Oct 02:00 EDT.
  CHECK(UtcToNewYork(At(2006, 4, 2, 6, 59, 59)) == At(2006, 4, 2, 1, 59, 59));
  CHECK(UtcToNewYork(At(2006, 4, 2, 7)) == At(2006, 4, 2, 3));
  CHECK(UtcToNewYork(At(2006, 10, 29, 5, 59, 59)) == At(2006, 10, 29, 1, 59, 59));
  CHECK(UtcToNewYork(At(2006, 10, 29, 6)) == At(2006, 10, 29, 1));
  CHECK(UtcToNewYork(At(2006, 3, 12, 12)) == At(2006, 3, 12, 7));  // not yet the 2007 rule
  CHECK(UtcToNewYork(At(2006, 11, 3, 12)) == At(2006, 11, 3, 7));  // already EST
  // 2023 (2007+ rules): DST from Sun 12 Mar 02:00 EST to Sun 5 Nov 02:00 EDT.
  CHECK(UtcToNewYork(At(2023, 3, 12, 6, 59, 59)) == At(2023, 3, 12, 1, 59, 59));
  CHECK(UtcToNewYork(At(2023, 3, 12, 7)) == At(2023, 3, 12, 3));
  CHECK(UtcToNewYork(At(2023, 11, 5, 5, 59, 59)) == At(2023, 11, 5, 1, 59, 59));
  CHECK(UtcToNewYork(At(2023, 11, 5, 6)) == At(2023, 11, 5, 1));
  CHECK(UtcToNewYork(At(2023, 4, 2, 7)) == At(2023, 4, 2, 3));
  // The fixtures' first chart point, 1672549200 = 2023-01-01T05:00:00Z: New York midnight.
  CHECK(UtcToNewYork(1672549200 * kSecond) == At(2023, 1, 1));

  // Back: the spring gap reads as EST, the repeated autumn hour as its first (EDT) pass.
  CHECK(NewYorkToUtc(At(2023, 3, 12, 1, 59, 59)) == At(2023, 3, 12, 6, 59, 59));
  CHECK(NewYorkToUtc(At(2023, 3, 12, 2, 30)) == At(2023, 3, 12, 7, 30));
  CHECK(NewYorkToUtc(At(2023, 3, 12, 3)) == At(2023, 3, 12, 7));
  CHECK(NewYorkToUtc(At(2023, 11, 5, 1, 30)) == At(2023, 11, 5, 5, 30));
  CHECK(NewYorkToUtc(At(2023, 11, 5, 2)) == At(2023, 11, 5, 7));
  CHECK(NewYorkToUtc(At(2006, 4, 2, 3)) == At(2006, 4, 2, 7));
  CHECK(NewYorkToUtc(At(2006, 10, 29, 0, 59)) == At(2006, 10, 29, 4, 59));
  CHECK(NewYorkToUtc(At(2006, 10, 29, 2)) == At(2006, 10, 29, 7));
  // Wall-clock round trips every 15 minutes through 2006 and 2023: only the four quarter hours
  // of the spring gap (02:00-02:45, which do not exist) come back different.
  for (int year : {2006, 2023}) {
    int moved = 0;
    for (TimeNs w = At(year, 1, 1); w < At(year + 1, 1, 1); w += 15 * kNsPerMinute) {
      if (UtcToNewYork(NewYorkToUtc(w)) != w) {
        ++moved;
        CHECK(ToCivil(w).hour == 2);
        CHECK(UtcToNewYork(NewYorkToUtc(w)) == w + kNsPerHour);
      }
    }
    CHECK(moved == 4);
  }
}

}  // namespace
}  // namespace btr::lean
