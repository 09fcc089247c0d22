// The catalogue's JSON (GET /v1/strategies, `btrouter strategies --format json`): values typed
// as each parameter is declared.
#include "engines/catalogue/catalogue_json.h"

#include <catch2/catch.hpp>

#include "engines/catalogue/catalogue.h"

namespace btr {
namespace {

TEST_CASE("catalogue JSON types each parameter's default and range as declared") {
  size_t ints = 0, floats = 0, bools = 0;
  for (const StrategyInfo& info : StrategyCatalogue()) {
    const nlohmann::json entry = StrategyToJson(info);
    REQUIRE(entry["params"].size() == info.params.size());
    for (size_t k = 0; k < info.params.size(); ++k) {
      const ParamSpec& spec = info.params[k];
      const nlohmann::json& p = entry["params"][k];
      INFO(info.name << "." << spec.name << ": " << p.dump());
      CHECK(p["name"] == spec.name);
      CHECK(p["type"] == ParamTypeName(spec.type));
      switch (spec.type) {
        case ParamType::kInt:
          ++ints;
          CHECK(p["default"].is_number_integer());
          CHECK(p["min"].is_number_integer());
          CHECK(p["max"].is_number_integer());
          CHECK(p["default"].get<double>() == spec.default_value);
          CHECK(p["max"].get<double>() == spec.max);
          break;
        case ParamType::kFloat:
          ++floats;
          CHECK(p["default"].is_number_float());
          CHECK(p["min"].get<double>() == spec.min);
          CHECK(p["max"].get<double>() == spec.max);
          break;
        case ParamType::kBool:
          ++bools;
          CHECK(p["default"].is_boolean());
          CHECK(p["default"].get<bool>() == (spec.default_value != 0));
          CHECK(p["min"] == 0);
          CHECK(p["max"] == 1);
          break;
      }
    }
  }
  CHECK(ints > 0);
  CHECK(floats > 0);
  CHECK(bools > 0);
  // The text form a client sees: "default":10, not 10.0.
  CHECK(StrategyToJson(*FindStrategy("sma_cross"))["params"][0].dump().find("\"default\":10,") !=
        std::string::npos);
}

}  // namespace
}  // namespace btr
