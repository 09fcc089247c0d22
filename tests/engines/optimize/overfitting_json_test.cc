#include "engines/optimize/overfitting_json.h"

#include <catch2/catch.hpp>
#include <limits>
#include <vector>

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST_CASE("DSR JSON carries every field and writes undefined numbers as null") {
  DeflatedSharpe d;
  d.n_trials = 100;
  d.n_effective = 40.5;
  d.sharpe = 0.1;
  d.dsr = kNaN;
  d.z = std::numeric_limits<double>::infinity();
  const nlohmann::json j = ToJson(d);
  for (const char* key : {"n_trials", "n_effective", "sharpe", "sharpe_variance", "expected_max",
                          "sr0", "z", "dsr", "psr0", "n_obs", "skew", "kurtosis"}) {
    CHECK(j.contains(key));
  }
  CHECK(j["n_effective"] == 40.5);
  CHECK(j["dsr"].is_null());
  CHECK(j["z"].is_null());
}

TEST_CASE("PBO JSON: summary always, per-combination samples on request") {
  PboResult p;
  p.trials = 3;
  p.blocks = 2;
  p.combinations = 2;
  p.pbo = 0.5;
  p.logits = {0.3, -0.7};
  p.winner_is_sharpe = {0.2, kNaN};
  p.winner_oos_sharpe = {0.1, 0.0};
  p.degradation_slope = kNaN;
  p.histogram_edges = {-1, 0, 1};
  p.histogram_counts = {1, 1};
  const nlohmann::json brief = ToJson(p);
  CHECK(brief["pbo"] == 0.5);
  CHECK(brief["degradation"]["slope"].is_null());
  CHECK(brief["logit_histogram"]["counts"] == nlohmann::json::array({1, 1}));
  CHECK_FALSE(brief.contains("logits"));
  const nlohmann::json full = ToJson(p, true);
  CHECK(full["logits"].size() == 2);
  CHECK(full["winner_is_sharpe"][1].is_null());
}

TEST_CASE("plateau JSON names parameters and their values") {
  const std::vector<GridAxis> axes = {{"fast", {5, 10, 20}}, {"slow", {50, 100}}};
  const std::vector<double> objective = {1, 2, 3, 4, 6, kNaN};
  const Result<PlateauReport> r = AnalyzePlateau(axes, objective);
  REQUIRE(r.ok());
  const nlohmann::json j = ToJson(*r, axes);
  CHECK(j["best"]["index"] == 4);
  CHECK(j["best"]["params"] == nlohmann::json({{"fast", 20.0}, {"slow", 50.0}}));
  CHECK(j["best"]["value"] == 6.0);
  CHECK(j["best_at_edge"] == true);
  CHECK(j["edges"] == nlohmann::json::array({{{"param", "fast"}, {"side", "max"}}}));
  CHECK(j["sensitivity"]["slow"].is_null());  // (20, 100) is NaN: one finite point on the slice
  CHECK(j["sensitivity"]["fast"] == 3.0);
  CHECK(j["plateau"]["neighbours"] == 2);  // (10, 50) and (10, 100); (20, 100) is NaN
}

}  // namespace
}  // namespace btr
