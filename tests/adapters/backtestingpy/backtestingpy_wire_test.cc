#include "adapters/backtestingpy/backtestingpy_wire.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

namespace btr::backtestingpy {
namespace {

using nlohmann::json;

BarSeries ThreeBars() {
  BarSeries bars;
  bars.time = {1'000'000'000'000'000'000, 1'000'086'400'000'000'000, 1'000'172'800'000'000'000};
  bars.open = {0.1, 1.0 / 3.0, 100.25};
  bars.high = {0.2, 2.0 / 3.0, 101.5};
  bars.low = {0.05, 0.3, 99.0};
  bars.close = {0.15, 0.5, 1e-7};
  bars.volume = {10, 0, 12345678901.0};
  return bars;
}

HttpResponse Reply(long code, std::string body) {
  HttpResponse r;
  r.code = code;
  r.body = std::move(body);
  return r;
}

TEST_CASE("run request: typed params with defaults, settings, bit-exact bars", "[wire]") {
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";
  spec.strategy.params = {{"fast", 5}, {"long_only", 1}};
  spec.commission = 0.002;
  spec.commission_fixed = 1.5;
  spec.trade_on_close = true;
  const BarSeries bars = ThreeBars();
  Result<std::string> body = BuildRunRequest(spec, bars);
  REQUIRE(body.ok());
  const json doc = json::parse(*body);
  CHECK(doc["strategy"] == "sma_cross");
  CHECK(doc["params"]["fast"].is_number_integer());
  CHECK(doc["params"]["fast"] == 5);
  CHECK(doc["params"]["slow"] == 20);  // default filled in
  CHECK(doc["params"]["long_only"] == true);
  CHECK(doc["params"]["sl_pct"].is_number_float());
  CHECK(doc["settings"]["commission"] == 0.002);
  CHECK(doc["settings"]["commission_fixed"] == 1.5);
  CHECK(doc["settings"]["trade_on_close"] == true);
  CHECK(doc["settings"]["hedging"] == false);
  for (const char* column : {"open", "high", "low", "close", "volume"}) {
    REQUIRE(doc["data"][column].size() == 3);
  }
  for (size_t i = 0; i < 3; ++i) {
    CHECK(doc["data"]["time"][i].get<int64_t>() == bars.time[i]);
    const double open = doc["data"]["open"][i].get<double>();
    CHECK(std::memcmp(&open, &bars.open[i], sizeof open) == 0);
    const double close = doc["data"]["close"][i].get<double>();
    CHECK(std::memcmp(&close, &bars.close[i], sizeof close) == 0);
  }
}

TEST_CASE("run request: the run key travels only when there is one", "[wire]") {
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";
  const json keyed = json::parse(*BuildRunRequest(spec, ThreeBars(), "bt_1.2.backtestingpy"));
  CHECK(keyed["run_key"] == "bt_1.2.backtestingpy");
  CHECK_FALSE(json::parse(*BuildRunRequest(spec, ThreeBars())).contains("run_key"));
}

TEST_CASE("run request: the window travels as inclusive ns bounds, only when set", "[wire]") {
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";
  CHECK_FALSE(json::parse(*BuildRunRequest(spec, ThreeBars())).contains("start"));
  CHECK_FALSE(json::parse(*BuildRunRequest(spec, ThreeBars())).contains("end"));
  // 1'000'000'000 s after the epoch is 2001-09-09T01:46:40Z.
  spec.start = "2001-09-09T01:46:40Z";
  spec.end = "2001-09-10";  // the whole day: up to its last nanosecond
  const json doc = json::parse(*BuildRunRequest(spec, ThreeBars()));
  CHECK(doc["start"].get<int64_t>() == 1'000'000'000'000'000'000);
  const int64_t next_midnight = (1'000'000'000 / 86400 + 2) * int64_t{86400} * 1'000'000'000;
  CHECK(doc["end"].get<int64_t>() == next_midnight - 1);
  spec.start = "";
  CHECK_FALSE(json::parse(*BuildRunRequest(spec, ThreeBars())).contains("start"));
  spec.start = "2001-09-11";
  CHECK(BuildRunRequest(spec, ThreeBars())
            .status()
            .message()
            .rfind("start: 2001-09-11 is after", 0) == 0);
}

TEST_CASE("history lookup: the job with the key, or none", "[wire]") {
  const std::string both = R"({"backtests": [
      {"id": "a1", "run_key": "k.1.backtestingpy", "status": "running"},
      {"id": "b2", "run_key": "k.2.backtestingpy", "status": "cancelled"},
      {"id": "c3", "run_key": null, "status": "done"}]})";
  // A service that does not filter by run_key answers every job: only the key's counts.
  Result<HistoryEntry> found = FindJobByRunKey(Reply(200, both), "k.2.backtestingpy");
  REQUIRE(found.ok());
  CHECK(found->id == "b2");
  CHECK(found->status == "cancelled");
  Result<HistoryEntry> none = FindJobByRunKey(Reply(200, both), "k.3.backtestingpy");
  REQUIRE(none.ok());
  CHECK(none->id.empty());
  CHECK(FindJobByRunKey(Reply(200, R"({"backtests": {}})"), "k").status().code() ==
        StatusCode::kInternal);
  CHECK(FindJobByRunKey(Reply(200, R"({"backtests": [{"run_key": "k"}]})"), "k").status().code() ==
        StatusCode::kInternal);
}

TEST_CASE("run request: the catalogue rejects bad strategies before anything is sent", "[wire]") {
  BacktestSpec spec;
  spec.strategy.name = "sma_cross";
  spec.strategy.params = {{"fast", 30}, {"slow", 20}};
  Result<std::string> body = BuildRunRequest(spec, ThreeBars());
  CHECK(body.status().code() == StatusCode::kInvalidArgument);
  CHECK(body.status().message().rfind("strategy.params", 0) == 0);
  spec.strategy = {"nope", {}};
  CHECK(BuildRunRequest(spec, ThreeBars()).status().message().rfind("strategy.name", 0) == 0);
}

TEST_CASE("reply status: 4xx invalid with the service's field, 5xx unavailable", "[wire]") {
  Status bad = ReplyStatus(
      Reply(
          400,
          R"({"error":{"code":"invalid_argument","message":"must be > 0","field":"settings.cash"}})"),
      "POST /backtest/run");
  CHECK(bad.code() == StatusCode::kInvalidArgument);
  CHECK(bad.message().find("settings.cash: must be > 0") != std::string::npos);
  CHECK(bad.message().find("HTTP 400") != std::string::npos);
  Status down = ReplyStatus(Reply(502, "<html>bad gateway</html>"), "GET /health");
  CHECK(down.code() == StatusCode::kUnavailable);
  CHECK(down.message().find("<html>bad gateway</html>") != std::string::npos);
  CHECK(ReplyStatus(Reply(413, ""), "x").message().find("empty answer") != std::string::npos);
}

TEST_CASE("job parsing: states, errors, malformed answers", "[wire]") {
  Result<RemoteJob> running =
      ParseJob(Reply(200, R"({"id":"a","status":"running","progress":0.25})"));
  REQUIRE(running.ok());
  CHECK(running->state == JobState::kRunning);
  CHECK(running->progress == 0.25);
  Result<RemoteJob> failed = ParseJob(Reply(
      200, R"({"id":"a","status":"failed","error":{"code":"invalid_argument","message":"m"}})"));
  REQUIRE(failed.ok());
  CHECK(failed->error_code == "invalid_argument");
  CHECK(ParseJob(Reply(200, R"({"id":"a","status":"done"})")).status().code() ==
        StatusCode::kInternal);
  CHECK(ParseJob(Reply(200, R"({"id":"a","status":"exploded"})")).status().code() ==
        StatusCode::kInternal);
  Status truncated = ParseJob(Reply(200, R"({"id":"a","stat)")).status();
  CHECK(truncated.code() == StatusCode::kInternal);
  CHECK(truncated.message().find(R"({"id":"a","stat)") != std::string::npos);
  CHECK(ParseAccepted(Reply(202, R"({"id":""})")).status().code() == StatusCode::kInternal);
  CHECK(*ParseAccepted(Reply(202, R"({"id":"abc","status":"queued"})")) == "abc");
}

TEST_CASE("result parsing: equity, trades with bar times, stats mapped", "[wire]") {
  const BarSeries bars = ThreeBars();
  json result = {{"equity", {10000.0, 10100.0, 9900.0}},
                 {"trades",
                  {{{"size", -3},
                    {"entry_bar", 1},
                    {"exit_bar", 2},
                    {"entry_price", 0.5},
                    {"exit_price", 0.4},
                    {"sl", nullptr},
                    {"tp", 0.1},
                    {"pnl", 0.3},
                    {"return_pct", 0.2},
                    {"commission", 0},
                    {"entry_time", "ignored"},
                    {"exit_time", "ignored"},
                    {"tag", nullptr}}}},
                 {"open_trades",
                  {{{"size", 2},
                    {"entry_bar", 2},
                    {"exit_bar", nullptr},
                    {"entry_price", 1.0},
                    {"pnl", -1.0},
                    {"return_pct", "NaN"}}}},
                 {"warmup_bars", 1},
                 {"stats", {{"Return [%]", -1.0}, {"Max. Drawdown [%]", -1.98}, {"SQN", "NaN"}}}};
  Result<EngineRun> run = ParseRunResult(result, bars);
  REQUIRE(run.ok());
  CHECK(run->equity[1] == 10100.0);
  REQUIRE(run->trades.size() == 1);
  CHECK(run->trades[0].size == -3);
  CHECK(run->trades[0].entry_time == bars.time[1]);
  CHECK(run->trades[0].exit_time == bars.time[2]);
  CHECK(std::isnan(run->trades[0].sl));
  CHECK(run->trades[0].tp == 0.1);
  REQUIRE(run->open_trades.size() == 1);
  CHECK(run->open_trades[0].is_open());
  CHECK(std::isnan(run->open_trades[0].return_pct));
  CHECK(run->warmup_bars == 1);
  CHECK(run->native.metrics.at("total_return") == -0.01);
  CHECK(run->native.metrics.at("max_drawdown") == 0.0198);
  CHECK(std::isnan(run->native.metrics.at("sqn")));

  json short_equity = result;
  short_equity["equity"] = {1.0, 2.0};
  CHECK(ParseRunResult(short_equity, bars).status().message().find("one number per bar") !=
        std::string::npos);
  json bad_trade = result;
  bad_trade["trades"][0].erase("exit_bar");
  CHECK(ParseRunResult(bad_trade, bars).status().message().find("result.trades") !=
        std::string::npos);
}

}  // namespace
}  // namespace btr::backtestingpy
