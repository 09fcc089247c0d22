#include "engines/spec_json.h"

#include <catch2/catch.hpp>
#include <limits>

#include "engines/data/bars.h"
#include "engines/metrics/metrics.h"
#include "engines/metrics/metrics_json.h"
#include "engines/native/native_engine.h"
#include "engines/spec_bounds.h"

namespace btr {
namespace {

using nlohmann::json;

json Body() {
  return json::parse(R"({"engine": "native",
    "strategy": {"name": "sma_cross", "params": {"fast": 10, "slow": 20, "long_only": true}},
    "dataset": "ds_1", "cash": 5000, "commission": 0.002, "finalize_trades": true})");
}

TEST_CASE("a spec round-trips through JSON and hashes stably") {
  Result<BacktestSpec> spec = SpecFromJson(Body());
  REQUIRE(spec.ok());
  CHECK(spec->strategy.name == "sma_cross");
  CHECK(spec->strategy.params.at("long_only") == 1);
  CHECK(spec->cash == 5000);
  CHECK(spec->margin == 1);  // default
  CHECK(spec->finalize_trades);
  Result<BacktestSpec> again = SpecFromJson(SpecToJson(*spec));
  REQUIRE(again.ok());
  CHECK(SpecHash(*again) == SpecHash(*spec));
  json other = Body();
  other["cash"] = 5001;
  CHECK(SpecHash(*SpecFromJson(other)) != SpecHash(*spec));
  CHECK(
      SpecFromJson(json::parse(R"({"strategy": "buy_and_hold", "dataset": "d"})"))->strategy.name ==
      "buy_and_hold");
}

TEST_CASE("spec errors name the field") {
  auto error = [](const std::string& text) {
    return SpecFromJson(json::parse(text)).status().message();
  };
  CHECK(error(R"([1, 2])").rfind("body:", 0) == 0);
  CHECK(error(R"({"dataset": "d"})").rfind("strategy: required", 0) == 0);
  CHECK(error(R"({"strategy": {"name": "x"}})").rfind("dataset: required", 0) == 0);
  CHECK(error(R"({"strategy": {"name": "x", "params": {"fast": "ten"}}, "dataset": "d"})")
            .rfind("strategy.params.fast:", 0) == 0);
  CHECK(error(R"({"strategy": "x", "dataset": "d", "cash": "lots"})")
            .rfind("cash: expected a number", 0) == 0);
  CHECK(error(R"({"strategy": "x", "dataset": "d", "hedging": 1})")
            .rfind("hedging: expected true or false", 0) == 0);
  CHECK(error(R"({"strategy": "x", "dataset": "d", "casj": 1})").rfind("casj: unknown field", 0) ==
        0);
  CHECK(error(R"({"strategy": {"name": "x", "parms": {}}, "dataset": "d"})")
            .rfind("strategy.parms: unknown", 0) == 0);
  CHECK(error(R"({"strategy": "x", "dataset": "d", "fallback": ["native", 3]})")
            .rfind("fallback[1]:", 0) == 0);
}

TEST_CASE("numeric settings are bounded; the error names the field and the range") {
  auto parse = [](const std::string& field, double value) {
    json body = Body();
    body[field] = value;
    return SpecFromJson(body).status();
  };
  // The probe's case: a cash whose equity would overflow to inf.
  const Status huge = parse("cash", 1e308);
  REQUIRE(huge.code() == StatusCode::kInvalidArgument);
  CHECK(huge.message() == "cash: expected initial cash in (0, 1e+12], got 1e+308");
  CHECK(parse("cash", 1e12).ok());
  CHECK(!parse("cash", 1.000001e12).ok());
  CHECK(!parse("cash", 0).ok());
  CHECK(parse("commission", -0.1).ok());
  CHECK(parse("commission", 0.1).message().rfind("commission: expected", 0) == 0);
  CHECK(parse("commission_fixed", 1e9).ok());
  CHECK(parse("commission_fixed", 2e9).message().find("in [0, 1e+09], got 2e+09") !=
        std::string::npos);
  CHECK(parse("commission_fixed", -1).message().rfind("commission_fixed:", 0) == 0);
  CHECK(!parse("spread", 1).ok());
  CHECK(parse("margin", 1e-4).ok());
  CHECK(parse("margin", 1e-300).message().rfind("margin: expected", 0) == 0);
  // Every bound of the table: the edges are in or out as declared.
  for (const SettingBounds& b : SpecSettingBounds()) {
    INFO(b.field);
    CHECK(parse(std::string(b.field), b.min).ok() == b.min_inclusive);
    CHECK(parse(std::string(b.field), b.max).ok() == b.max_inclusive);
    CHECK(!parse(std::string(b.field), b.max * 2 + 1).ok());
  }
  // Strategy parameters: any number a strategy could mean, never one past 1e12.
  json body = Body();
  body["strategy"]["params"]["fast"] = 1e300;
  CHECK(SpecFromJson(body).status().message().rfind("strategy.params.fast: expected a number in",
                                                    0) == 0);
}

TEST_CASE("spec errors quote a long value or name in a short excerpt") {
  // The API accepts bodies of megabytes: an error used to echo the whole value back.
  const std::string big(100000, 'x');
  const std::string value_error =
      SpecFromJson({{"strategy", "x"}, {"dataset", "d"}, {"cash", big}}).status().message();
  CHECK(value_error == "cash: expected a number, got \"" + std::string(76, 'x') + "...");
  const std::string key_error =
      SpecFromJson({{"strategy", "x"}, {"dataset", "d"}, {big, 1}}).status().message();
  CHECK(key_error == std::string(77, 'x') + "...: unknown field");
  // The cut keeps whole characters: the text stays valid UTF-8.
  const std::string accents = "\"" + std::string(74, 'a') + "\xc3\xa9\xc3\xa9\xc3\xa9\"";
  const std::string cut =
      SpecFromJson(json::parse(R"({"strategy": "x", "dataset": "d", "margin": )" + accents + "}"))
          .status()
          .message();
  CHECK(cut == "margin: expected a number, got \"" + std::string(74, 'a') + "\xc3\xa9...");
}

BarSeries Wave() {
  BarSeries b;
  for (int i = 0; i < 400; ++i) {
    const double c = 100 + 10 * std::sin(i / 9.0);
    b.Append(static_cast<TimeNs>(i) * kNsPerDay, c, c + 1, c - 1, c, 0);
  }
  return b;
}

TEST_CASE("the native engine runs specs and rejects bad ones with InvalidArgument") {
  NativeEngine engine;
  CHECK(engine.name() == "native");
  CHECK(engine.capabilities().strategies.size() == 7);
  BacktestSpec spec = *SpecFromJson(Body());
  const BarSeries bars = Wave();
  double last_progress = -1;
  RunContext context;
  context.progress = [&](double f, std::string_view) { last_progress = f; };
  Result<EngineRun> run = engine.Run(spec, bars, context);
  REQUIRE(run.ok());
  CHECK(run->equity.size() == 400);
  CHECK(run->trades.size() > 0);
  CHECK(run->open_trades.empty());  // finalize_trades
  CHECK(last_progress == 1.0);

  BacktestSpec bad = spec;
  bad.strategy.name = "nope";
  CHECK(engine.Run(bad, bars, {}).status().message().rfind("strategy.name: unknown strategy", 0) ==
        0);
  bad = spec;
  bad.strategy.params["fast"] = 2.5;
  CHECK(
      engine.Run(bad, bars, {}).status().message().rfind("strategy.params: parameter 'fast'", 0) ==
      0);
  bad = spec;
  bad.margin = 3;
  CHECK(engine.Run(bad, bars, {}).status().message().rfind("margin:", 0) == 0);
  std::atomic<bool> cancel{true};
  RunContext cancelled;
  cancelled.cancel = &cancel;
  BarSeries big;
  for (int i = 0; i < 100000; ++i)
    big.Append(static_cast<TimeNs>(i) * kNsPerMinute, 10, 11, 9, 10, 0);
  CHECK(engine.Run(spec, big, cancelled).status().code() == StatusCode::kCancelled);
  NativeEngine small(NativeEngineOptions{100});
  CHECK(small.Run(spec, bars, {}).status().message().find("limit of 100 bars") !=
        std::string::npos);
}

TEST_CASE("the widest valid settings keep every canonical metric a number or null") {
  // Most cash, most leverage, costliest orders: the results stay finite, and whatever is not
  // (an annualized return past a double) is written as null, never as a string.
  NativeEngine engine;
  json body = Body();
  body["cash"] = 1e12;
  body["margin"] = 1e-4;
  body["commission"] = 0.0999;
  body["commission_fixed"] = 1e9;
  body["spread"] = 0.5;
  const BarSeries bars = Wave();
  for (const char* strategy : {"sma_cross", "buy_and_hold", "rsi_reversion"}) {
    body["strategy"] = {{"name", strategy}};
    Result<BacktestSpec> spec = SpecFromJson(body);
    REQUIRE(spec.ok());
    Result<EngineRun> run = engine.Run(*spec, bars, {});
    REQUIRE(run.ok());
    MetricsInput input;
    input.equity = run->equity;
    input.close = bars.close;
    input.time = bars.time;
    input.trades = run->trades;
    input.first_trading_bar = run->warmup_bars;
    const json metrics = MetricsToJson(ComputeMetrics(input));
    for (const auto& [key, value] : metrics.items()) {
      INFO(strategy << " " << key << " = " << value.dump());
      if (key == "start" || key == "end" || key == "conventions") continue;
      CHECK((value.is_number() || value.is_null()));
    }
    CHECK(metrics["equity_peak"].is_number());
    CHECK(metrics["equity_final"].is_number());
  }
}

TEST_CASE("MetricNumber writes NaN and infinities as null") {
  CHECK(MetricNumber(1.5) == json(1.5));
  CHECK(MetricNumber(std::numeric_limits<double>::infinity()).is_null());
  CHECK(MetricNumber(-std::numeric_limits<double>::infinity()).is_null());
  CHECK(MetricNumber(std::numeric_limits<double>::quiet_NaN()).is_null());
}

}  // namespace
}  // namespace btr
