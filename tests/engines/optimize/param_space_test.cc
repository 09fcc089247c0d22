#include <catch2/catch.hpp>

#include "engines/optimize/constraint_expr.h"
#include "engines/optimize/param_space.h"

namespace btr {
namespace {

const std::vector<std::string> kNames = {"fast", "slow", "k"};

bool Holds(const std::string& text, std::vector<double> values) {
  Result<ConstraintExpr> c = ConstraintExpr::Parse(text, kNames);
  REQUIRE(c.ok());
  return c->Holds(values);
}

TEST_CASE("Constraints compare arithmetic over parameters with the usual precedence") {
  CHECK(Holds("fast < slow", {5, 10, 0}));
  CHECK_FALSE(Holds("fast < slow", {10, 10, 0}));
  CHECK(Holds("fast <= slow", {10, 10, 0}));
  CHECK(Holds("slow >= 2 * fast + 5", {5, 15, 0}));   // 15 >= 15
  CHECK_FALSE(Holds("slow >= 2 * fast + 5", {6, 15, 0}));
  CHECK(Holds("slow - fast * 2 == 1", {3, 7, 0}));    // * binds tighter than -
  CHECK(Holds("(slow - fast) * 2 == 8", {3, 7, 0}));
  CHECK(Holds("-fast > -slow", {1, 2, 0}));
  CHECK(Holds("k != 0.5", {0, 0, 0.25}));
  CHECK(Holds("k*1e1 == 2.5", {0, 0, 0.25}));
  CHECK_FALSE(Holds("fast / k > 0", {0, 0, 0}));  // 0 / 0 is NaN: never holds
}

TEST_CASE("A bad constraint names what is wrong and where") {
  auto error = [](const std::string& text) {
    Result<ConstraintExpr> c = ConstraintExpr::Parse(text, kNames);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == StatusCode::kInvalidArgument);
    return c.status().message();
  };
  CHECK_THAT(error("fast < slwo"), Catch::Contains("unknown parameter 'slwo'") &&
                                       Catch::Contains("fast, slow, k"));
  CHECK_THAT(error("fast + slow"), Catch::Contains("expected a comparison"));
  CHECK_THAT(error("fast < slow )"), Catch::Contains("unexpected ')'"));
  CHECK_THAT(error("(fast < slow"), Catch::Contains("expected ')'") ||
                                        Catch::Contains("expected a comparison"));
  CHECK_THAT(error("fast <"), Catch::Contains("unexpected end"));
  CHECK_THAT(error(std::string(100, '(') + "fast" + std::string(100, ')') + " < 1"),
             Catch::Contains("nested too deeply"));
}

TEST_CASE("Ranges include their max and read decimal steps as typed") {
  Result<std::vector<double>> ints = RangeValues("space.fast", 5, 50, 5);
  REQUIRE(ints.ok());
  CHECK(*ints == std::vector<double>{5, 10, 15, 20, 25, 30, 35, 40, 45, 50});
  Result<std::vector<double>> tenths = RangeValues("space.k", 0.1, 0.5, 0.1);
  REQUIRE(tenths.ok());
  CHECK(*tenths == std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5});
  CHECK(RangeValues("x", 1, 2, 5)->size() == 1);
  CHECK_THAT(RangeValues("space.fast", 5, 1, 1).status().message(), Catch::Contains("max must be >= min"));
  CHECK_THAT(RangeValues("space.fast", 1, 5, 0).status().message(), Catch::Contains("step must be > 0"));
  CHECK_THAT(RangeValues("space.fast", 1, 1e9, 1).status().message(),
             Catch::Contains("at most 10000"));
}

TEST_CASE("Grid points are row-major, last axis fastest, with fixed parameters kept") {
  Result<ParamSpace> space = ParamSpace::Create(
      "sma_cross", {{"fast", {5, 10}}, {"slow", {20, 30, 40}}}, {{"sl_pct", 0.05}}, {});
  REQUIRE(space.ok());
  CHECK(space->grid_size() == 6);
  CHECK(space->AxisValuesAt(0) == std::vector<double>{5, 20});
  CHECK(space->AxisValuesAt(2) == std::vector<double>{5, 40});
  CHECK(space->AxisValuesAt(3) == std::vector<double>{10, 20});
  const ParamValues p = space->ParamsAt(4);
  CHECK(p.Get("fast") == 10);
  CHECK(p.Get("slow") == 30);
  CHECK(p.Get("sl_pct") == 0.05);
}

TEST_CASE("Constraints and the strategy's own rules exclude points") {
  // sma_cross requires fast < slow itself; the constraint adds slow - fast >= 10.
  Result<ParamSpace> space =
      ParamSpace::Create("sma_cross", {{"fast", {10, 20, 30}}, {"slow", {20, 30}}}, {},
                         {"slow - fast >= 10"});
  REQUIRE(space.ok());
  std::vector<size_t> admissible;
  for (size_t i = 0; i < space->grid_size(); ++i) {
    if (space->Admissible(i)) admissible.push_back(i);
  }
  // (10,20) (10,30) (20,30) pass; (20,20) (30,20) (30,30) do not.
  CHECK(admissible == std::vector<size_t>{0, 1, 3});
  Result<std::vector<size_t>> grid = SelectPoints(*space, SearchMethod::kGrid, 0, 1);
  REQUIRE(grid.ok());
  CHECK(*grid == admissible);
}

TEST_CASE("A space names the field of a bad parameter") {
  auto error = [](std::vector<ParamAxis> axes, std::map<std::string, double> fixed = {},
                  std::vector<std::string> constraints = {}) {
    Result<ParamSpace> s = ParamSpace::Create("sma_cross", axes, fixed, constraints);
    REQUIRE_FALSE(s.ok());
    return s.status().message();
  };
  CHECK_THAT(error({{"fats", {1, 2}}}), Catch::Contains("space.fats") && Catch::Contains("unknown parameter"));
  CHECK_THAT(error({{"fast", {1.5}}}), Catch::Contains("space.fast"));
  CHECK_THAT(error({{"fast", {5, 5}}}), Catch::Contains("listed twice"));
  CHECK_THAT(error({{"fast", {5}}}, {{"fast", 3}}), Catch::Contains("params.fast"));
  CHECK_THAT(error({{"fast", {5}}}, {}, {"fast < nope"}), Catch::Contains("constraints[0]"));
  CHECK_THAT(ParamSpace::Create("nope", {{"fast", {5}}}, {}, {}).status().message(),
             Catch::Contains("nope"));
}

TEST_CASE("Random selection is a seeded subset of the admissible points, in grid order") {
  std::vector<double> fast, slow;
  for (int v = 2; v <= 40; ++v) fast.push_back(v);
  for (int v = 10; v <= 100; v += 2) slow.push_back(v);
  Result<ParamSpace> space = ParamSpace::Create("sma_cross", {{"fast", fast}, {"slow", slow}}, {}, {});
  REQUIRE(space.ok());
  Result<std::vector<size_t>> a = SelectPoints(*space, SearchMethod::kRandom, 50, 7);
  Result<std::vector<size_t>> b = SelectPoints(*space, SearchMethod::kRandom, 50, 7);
  Result<std::vector<size_t>> c = SelectPoints(*space, SearchMethod::kRandom, 50, 8);
  REQUIRE(a.ok());
  CHECK(a->size() == 50);
  CHECK(*a == *b);
  CHECK(*a != *c);
  CHECK(std::is_sorted(a->begin(), a->end()));
  CHECK(std::adjacent_find(a->begin(), a->end()) == a->end());
  for (size_t p : *a) CHECK(space->Admissible(p));
  Result<std::vector<size_t>> all = SelectPoints(*space, SearchMethod::kGrid, 0, 0);
  Result<std::vector<size_t>> tenth = SelectPoints(*space, SearchMethod::kRandom, 0.1, 3);
  CHECK(tenth->size() == static_cast<size_t>(std::ceil(all->size() * 0.1)));
  CHECK_THAT(SelectPoints(*space, SearchMethod::kRandom, 2.5, 1).status().message(),
             Catch::Contains("max_tries"));
}

}  // namespace
}  // namespace btr
