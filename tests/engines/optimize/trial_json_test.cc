#include "engines/optimize/trial_json.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

namespace btr {
namespace {

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST_CASE("Trials survive JSON bit for bit; NaN as NaN, infinities as themselves") {
  TrialResult a;
  a.point = 17;
  a.objective = 0.1 + 0.2;  // not a short decimal
  a.metrics = {1.0 / 3.0, -0.0, 1e-310, HUGE_VAL, -HUGE_VAL, std::nan(""), 123456789.123456789};
  a.daily = {250, 0.000123456789, 0.5, -0.25, 3.75};
  a.blocks = {{10, 0.1, 0.2, 0.3, 0.4}, {11, -0.1, 0.2, -0.3, 0.4}};
  TrialResult b;
  b.point = 18;
  b.objective = std::nan("");
  b.status = Status::InvalidArgument("an invalid order");
  const std::string text = TrialsToJson({a, b}).dump();
  Result<std::vector<TrialResult>> back = TrialsFromJson(nlohmann::json::parse(text));
  REQUIRE(back.ok());
  REQUIRE(back->size() == 2);
  const TrialResult& x = (*back)[0];
  CHECK(x.point == 17);
  CHECK(SameBits(x.objective, a.objective));
  REQUIRE(x.metrics.size() == a.metrics.size());
  for (size_t i = 0; i < a.metrics.size(); ++i) {
    INFO(i);
    if (std::isnan(a.metrics[i])) {
      CHECK(std::isnan(x.metrics[i]));
    } else {
      CHECK(SameBits(x.metrics[i], a.metrics[i]));
    }
  }
  CHECK(SameBits(x.daily.mean, a.daily.mean));
  CHECK(SameBits(x.daily.m4, a.daily.m4));
  REQUIRE(x.blocks.size() == 2);
  CHECK(SameBits(x.blocks[1].m3, -0.3));
  CHECK(x.status.ok());
  const TrialResult& y = (*back)[1];
  CHECK(std::isnan(y.objective));
  CHECK_FALSE(y.status.ok());
  CHECK(y.status.message() == "an invalid order");
  CHECK(y.metrics.empty());
}

TEST_CASE("Malformed trials are refused with the trial named") {
  using nlohmann::json;
  CHECK_FALSE(TrialsFromJson(json::object()).ok());
  Result<std::vector<TrialResult>> bad =
      TrialsFromJson(json::parse(R"([[1, 0.5, [1], [1,0,0,0,0], [], null], [2, "x", [], [1,0,0,0,0], [], null]])"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("trials[1]") == 0);
}

}  // namespace
}  // namespace btr
