// The pure parts of the QuantConnect Cloud adapter: the data module, the parameters, the
// reading of backtest objects (reference/qc_lean.md §1.6) and the assembled result.
#include "adapters/qc_cloud/qc_wire.h"

#include <catch2/catch.hpp>

namespace btr::qc {
namespace {

using nlohmann::json;

BarSeries TwoDays() {
  BarSeries bars;
  bars.Append(DaysFromCivil(2013, 10, 7) * kNsPerDay, 167.43, 168.45, 167.25, 167.42, 81489219);
  bars.Append(DaysFromCivil(2013, 10, 8) * kNsPerDay, 167.1, 167.5, 0.1, 1e-7, 0);
  bars.has_volume = true;
  return bars;
}

TEST_CASE("qc wire: the data module holds one CSV line per bar", "[qc_cloud]") {
  const std::string source = DataModuleSource(TwoDays());
  CHECK(source.find("CSV = \"\"\"time,open,high,low,close,volume\n"
                    "2013-10-07 00:00:00,167.43,168.45,167.25,167.42,81489219\n"
                    "2013-10-08 00:00:00,167.1,167.5,0.1,1e-07,0\n"
                    "\"\"\"\n") != std::string::npos);
  CHECK(source.rfind("# btrouter bars", 0) == 0);
  BarSeries no_volume = TwoDays();
  no_volume.has_volume = false;
  CHECK(DataModuleSource(no_volume).find(",167.42,0\n") != std::string::npos);
}

TEST_CASE("qc wire: parameters name the data module", "[qc_cloud]") {
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";
  spec.strategy.params = {{"fast", 3}, {"slow", 5}};
  BarSeries bars;
  for (int day = 7; day <= 11; ++day) {
    bars.Append(DaysFromCivil(2013, 10, day) * kNsPerDay, 167.43, 168.45, 167.25, 167.42, 100);
  }
  Result<std::map<std::string, std::string>> parameters = CloudParameters(spec, bars);
  INFO(parameters.status().ToString());
  REQUIRE(parameters.ok());
  CHECK(parameters->at("data_module") == "btrdata");
  CHECK(parameters->at("strategy") == "sma_cross");
  spec.strategy.name = "no_such_strategy";
  CHECK(CloudParameters(spec, bars).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("qc wire: backtest states", "[qc_cloud]") {
  BacktestState queued = ReadBacktestState(
      json::parse(R"({"status":"In Queue...","completed":false,"progress":0,"statistics":[]})"));
  CHECK(queued.phase == BacktestPhase::kRunning);
  CHECK(queued.progress == 0);

  BacktestState running = ReadBacktestState(json::parse(
      R"({"status":"Running: 42%","completed":false,"progress":0.42,"error":null,
          "stacktrace":null,"hasInitializeError":false,"statistics":[],
          "runtimeStatistics":{"Equity":"$1"}})"));
  CHECK(running.phase == BacktestPhase::kRunning);
  CHECK(running.progress == Approx(0.42));
  // Progress from the status text when the number is missing.
  CHECK(ReadBacktestState(json::parse(R"({"status":"Running: 7%"})")).progress == Approx(0.07));
  // completed without statistics as an object is not done yet (lean-cli's rule).
  CHECK(ReadBacktestState(json::parse(R"({"status":"Completed.","completed":true,"progress":1,
                                          "statistics":[],"runtimeStatistics":{}})"))
            .phase == BacktestPhase::kRunning);

  BacktestState done = ReadBacktestState(json::parse(
      R"({"status":"Completed.","completed":true,"progress":1,"statistics":{"Net Profit":"1%"},
          "runtimeStatistics":{},"totalPerformance":{"closedTrades":[]}})"));
  CHECK(done.phase == BacktestPhase::kCompleted);
  CHECK(done.progress == 1);
  CHECK(done.has_total_performance);

  BacktestState failed = ReadBacktestState(json::parse(
      R"({"status":"Runtime Error","completed":true,"progress":1,
          "error":"\n  Intentional Failure\n  more","stacktrace":"  at x"})"));
  CHECK(failed.phase == BacktestPhase::kFailed);
  CHECK(failed.error == "Intentional Failure");
  BacktestState init = ReadBacktestState(
      json::parse(R"({"status":"Running: 0%","hasInitializeError":true,"error":""})"));
  CHECK(init.phase == BacktestPhase::kFailed);
  CHECK(init.error == "the algorithm failed to initialize");
  CHECK(
      ReadBacktestState(json::parse(R"({"status":"Completed.","stacktrace":"boom\nat"})")).error ==
      "boom");
  // Odd member types never throw.
  CHECK(ReadBacktestState(json::parse(R"({"completed":"yes","progress":"x","error":5})")).phase ==
        BacktestPhase::kRunning);
}

TEST_CASE("qc wire: the assembled result has LEAN's shape", "[qc_cloud]") {
  const json backtest = json::parse(
      R"({"statistics":{"Total Orders":"2"},"runtimeStatistics":{"Equity":"$1"},
          "totalPerformance":{"closedTrades":[]},"status":"Completed."})");
  const json chart = json::parse(R"({"name":"Strategy Equity","series":{}})");
  const json result =
      AssembleResult(backtest, chart,
                     {json::parse(R"({"id":1,"quantity":5})"), json::parse(R"({"id":"7"})"),
                      json::parse(R"({"quantity":1})")});
  CHECK(result["statistics"]["Total Orders"] == "2");
  CHECK(result["runtimeStatistics"]["Equity"] == "$1");
  CHECK(result["totalPerformance"].contains("closedTrades"));
  CHECK(result["charts"]["Strategy Equity"] == chart);
  CHECK(result["orders"]["1"]["quantity"] == 5);
  CHECK(result["orders"].contains("7"));
  CHECK(result["orders"].contains("3"));
  CHECK_FALSE(result.contains("status"));
}

TEST_CASE("qc wire: a result error quoting the token is redacted (found by fuzzing)",
          "[qc_cloud]") {
  // The LEAN reader quotes the bad member; in a cloud answer that may be the token echoed back,
  // and the job's error would have carried it.
  const QcReplyReader reader("0f1e2d-token");
  const json backtest = json::parse(R"({"totalPerformance": {"closedTrades": [
      {"entryTime": "2023-01-03T05:000f1e2d-token:00Z", "exitTime": "2023-01-10T05:00:00Z"}]}})");
  const json chart = json::parse(R"({"series": {"Equity": {"values": [[1381104000, 100]]}}})");
  const Result<EngineRun> run = ReadCloudRun(reader, backtest, chart, {}, TwoDays());
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInternal);
  CHECK(run.status().message() ==
        "LEAN result: totalPerformance.closedTrades[0].entryTime: expected an ISO-8601 UTC "
        "time, got \"2023-01-03T05:00<redacted>:00Z\"");
}

TEST_CASE("qc wire: FirstLine", "[qc_cloud]") {
  CHECK(FirstLine("") == "");
  CHECK(FirstLine("\n \n  a b \nc") == "a b");
  CHECK(FirstLine("single") == "single");
}

}  // namespace
}  // namespace btr::qc
