// The "algorithm" member of a backtest spec (engines/spec_algorithm.h) through SpecFromJson.
#include "engines/spec_algorithm.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "engines/spec_json.h"

namespace btr {
namespace {

TEST_CASE("algorithm spec JSON: round trip and the errors that name the field", "[algorithm]") {
  const nlohmann::json body = {{"engine", "lean_local"},
                               {"dataset", "ds_1"},
                               {"algorithm",
                                {{"language", "Py"},
                                 {"files", {{"main.py", "x = 1\n"}, {"lib/util.py", ""}}},
                                 {"parameters", {{"fast", 10}, {"name", "a"}, {"on", true}}}}}};
  Result<BacktestSpec> spec = SpecFromJson(body);
  REQUIRE(spec.ok());
  CHECK(spec->algorithm.language == "python");
  CHECK(spec->algorithm.files.size() == 2);
  CHECK(spec->algorithm.parameters.at("fast") == "10");
  CHECK(spec->algorithm.parameters.at("on") == "true");
  CHECK(spec->strategy.name.empty());
  const nlohmann::json stored = SpecToJson(*spec);
  CHECK_FALSE(stored.contains("strategy"));
  Result<BacktestSpec> again = SpecFromJson(stored);
  REQUIRE(again.ok());
  CHECK(SpecToJson(*again) == stored);
  CHECK(SpecHash(*again) == SpecHash(*spec));

  struct Case {
    nlohmann::json algorithm;
    nlohmann::json extra;
    const char* field;
  };
  const std::vector<Case> cases = {
      {{{"language", "ruby"}, {"files", {{"main.py", ""}}}}, {}, "algorithm.language:"},
      {{{"language", "python"}, {"files", nlohmann::json::object()}}, {}, "algorithm.files:"},
      {{{"language", "python"}, {"files", {{"algo.py", ""}}}}, {}, "algorithm.files:"},
      {{{"language", "python"}, {"files", {{"../main.py", ""}}}}, {}, "algorithm.files.../"},
      {{{"language", "python"}, {"files", {{"/main.py", ""}}}}, {}, "algorithm.files./main"},
      {{{"language", "python"}, {"files", {{"main.py", 3}}}}, {}, "algorithm.files.main.py:"},
      {{{"language", "csharp"}, {"files", {{"main.py", ""}}}}, {}, "algorithm.files:"},
      {{{"language", "python"}, {"files", {{"main.py", ""}}}, {"parameters", {{"a", {1}}}}},
       {},
       "algorithm.parameters.a:"},
      {{{"language", "python"}, {"files", {{"main.py", ""}}}, {"code", ""}}, {}, "algorithm.code:"},
      {{{"language", "python"}, {"files", {{"main.py", ""}, {"config.json", "{}"}}}},
       {},
       "algorithm.files.config.json:"},
      {{{"language", "python"}, {"files", {{"main.py", ""}, {"a.py", ""}, {"a.py/b.py", ""}}}},
       {},
       "algorithm.files.a.py/b.py:"},
      {{{"language", "python"}, {"files", {{"main.py", ""}}}},
       {{"strategy", "sma_cross"}},
       "strategy:"},
      {{{"language", "python"}, {"files", {{"main.py", ""}}}},
       {{"commission", 0.001}},
       "commission:"},
  };
  for (const Case& c : cases) {
    nlohmann::json request = {{"dataset", "ds_1"}, {"algorithm", c.algorithm}};
    if (c.extra.is_object()) request.update(c.extra);
    INFO(request.dump());
    Result<BacktestSpec> refused = SpecFromJson(request);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message().rfind(c.field, 0) == 0);
  }
}

}  // namespace
}  // namespace btr
