#include "engines/spec_json.h"

#include <catch2/catch.hpp>

#include "engines/data/bars.h"
#include "engines/native/native_engine.h"

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

}  // namespace
}  // namespace btr
