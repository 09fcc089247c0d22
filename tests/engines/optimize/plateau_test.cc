#include "engines/optimize/plateau.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

GridAxis Axis(const char* name, size_t count) {
  GridAxis a;
  a.name = name;
  for (size_t i = 0; i < count; ++i) a.values.push_back(10.0 * static_cast<double>(i + 1));
  return a;
}

// A rows × cols grid (axis "a" rows, axis "b" columns, b fastest) from f(row, col).
template <typename F>
std::vector<double> Surface(size_t rows, size_t cols, F f) {
  std::vector<double> out;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j)
      out.push_back(f(static_cast<double>(i), static_cast<double>(j)));
  }
  return out;
}

TEST_CASE("a single peak in the middle of the grid") {
  // f = −(i − 2)² − (j − 2)² on 5 × 5: the peak 0 at (2, 2) = index 12.
  const std::vector<GridAxis> axes = {Axis("a", 5), Axis("b", 5)};
  const auto f =
      Surface(5, 5, [](double i, double j) { return -(i - 2) * (i - 2) - (j - 2) * (j - 2); });
  PlateauOptions opts;
  opts.absolute_tolerance = 1.0;
  const Result<PlateauReport> r = AnalyzePlateau(axes, f, opts);
  REQUIRE(r.ok());
  CHECK(r->points == 25);
  CHECK(r->finite_points == 25);
  CHECK(r->best == 12);
  CHECK(r->best_coordinates == std::vector<size_t>{2, 2});
  CHECK(r->best_value == 0);
  CHECK_FALSE(r->best_at_edge);
  CHECK(r->local_maxima == 1);
  // Hypercube: the peak 0, four face neighbours at −1, four diagonals at −2.
  CHECK(r->neighbourhood_points == 9);
  CHECK(r->neighbourhood_mean == Approx(-12.0 / 9));
  CHECK(r->neighbourhood_worst == -2);
  CHECK(r->robust_best == 12);
  // Tolerance max(10 % of 0, 1) = 1: the four face neighbours are within it, the diagonals not.
  CHECK(r->tolerance == 1);
  CHECK(r->plateau_neighbours == 8);
  CHECK(r->plateau_share == 0.5);
  // Slice along either axis: −4, −1, 0, −1, −4: the steepest step is 3.
  CHECK(r->sensitivity == std::vector<double>{3, 3});
}

TEST_CASE("a peak at the edge of the searched range") {
  // f = i + j on 3 × 4: best at (2, 3), the last value of both axes.
  const std::vector<GridAxis> axes = {Axis("fast", 3), Axis("slow", 4)};
  const Result<PlateauReport> r =
      AnalyzePlateau(axes, Surface(3, 4, [](double i, double j) { return i + j; }));
  REQUIRE(r.ok());
  CHECK(r->best == 11);
  CHECK(r->best_at_edge);
  REQUIRE(r->best_edges.size() == 2);
  CHECK(r->best_edges[0].axis == 0);
  CHECK(r->best_edges[0].at_last);
  CHECK(r->best_edges[1].axis == 1);
  CHECK(r->local_maxima == 1);
  // Clipped hypercube at the corner: (1,2)=3, (1,3)=4, (2,2)=4, (2,3)=5.
  CHECK(r->neighbourhood_points == 4);
  CHECK(r->neighbourhood_mean == 4);
  CHECK(r->sensitivity == std::vector<double>{1, 1});

  // Minimizing the same surface: best at (0, 0), the first values.
  PlateauOptions minimize;
  minimize.direction = ObjectiveDirection::kMinimize;
  const Result<PlateauReport> m =
      AnalyzePlateau(axes, Surface(3, 4, [](double i, double j) { return i + j; }), minimize);
  REQUIRE(m.ok());
  CHECK(m->best == 0);
  REQUIRE(m->best_edges.size() == 2);
  CHECK_FALSE(m->best_edges[0].at_last);
  CHECK(m->neighbourhood_worst == 2);  // the largest value near (0, 0): (1, 1)
  CHECK(m->robust_best == 0);

  // An axis of two values is not a range whose edge means anything.
  const std::vector<GridAxis> short_axes = {Axis("flag", 2), Axis("slow", 4)};
  const Result<PlateauReport> s = AnalyzePlateau(
      short_axes, Surface(2, 4, [](double i, double j) { return i - (j - 1) * (j - 1); }));
  REQUIRE(s.ok());
  CHECK(s->best == 5);  // (1, 1)
  CHECK_FALSE(s->best_at_edge);
}

TEST_CASE("a flat plateau: no strict local maximum, and the robust best is its centre") {
  // 5 × 5 of zeros with a 3 × 3 block of ones at rows/cols 1..3. The raw argmax is the first
  // one in row-major order, (1, 1); only (2, 2) has a hypercube full of ones.
  const std::vector<GridAxis> axes = {Axis("a", 5), Axis("b", 5)};
  const auto f = Surface(
      5, 5, [](double i, double j) { return (i >= 1 && i <= 3 && j >= 1 && j <= 3) ? 1.0 : 0.0; });
  const Result<PlateauReport> r = AnalyzePlateau(axes, f);
  REQUIRE(r.ok());
  CHECK(r->best == 6);
  CHECK(r->local_maxima == 0);
  CHECK(r->robust_best == 12);
  CHECK(r->robust_best_neighbourhood_mean == 1);
  CHECK(r->robust_best_value == 1);
  // Around (1, 1): (1,2), (2,1), (2,2) are ones, 5 zeros: 3 of 8 within 10 % of 1.
  CHECK(r->plateau_share == Approx(3.0 / 8));
  CHECK(r->neighbourhood_mean == Approx(4.0 / 9));
  CHECK(r->neighbourhood_worst == 0);
}

TEST_CASE("two separated peaks: a sharp high one and a broad lower one") {
  // One axis: a spike of 5 at index 1 and a hill 3, 3.5, 3 around index 5.
  const std::vector<GridAxis> axes = {Axis("window", 9)};
  const std::vector<double> f = {0, 5, 0, 0, 3, 3.5, 3, 0, 0};
  const Result<PlateauReport> r = AnalyzePlateau(axes, f);
  REQUIRE(r.ok());
  CHECK(r->best == 1);
  CHECK(r->local_maxima == 2);
  CHECK(r->neighbourhood_mean == Approx(5.0 / 3));
  CHECK(r->neighbourhood_worst == 0);
  CHECK(r->plateau_share == 0);
  // Hypercube means: index 5 has (3 + 3.5 + 3) / 3 = 3.1667 > 5/3.
  CHECK(r->robust_best == 5);
  CHECK(r->robust_best_neighbourhood_mean == Approx(9.5 / 3));
  CHECK(r->robust_best_neighbourhood_worst == 3);
  CHECK(r->sensitivity[0] == 5);
}

TEST_CASE("NaN holes are ignored by every quantity") {
  // 3 × 3, centre best at 10, with holes at (0, 1) and (2, 2):
  //   1   NaN  2
  //   4   10   6
  //   3   5    NaN
  const std::vector<GridAxis> axes = {Axis("a", 3), Axis("b", 3)};
  const std::vector<double> f = {1, kNaN, 2, 4, 10, 6, 3, 5, kNaN};
  const Result<PlateauReport> r = AnalyzePlateau(axes, f);
  REQUIRE(r.ok());
  CHECK(r->finite_points == 7);
  CHECK(r->best == 4);
  CHECK(r->neighbourhood_points == 7);
  CHECK(r->neighbourhood_mean == Approx(31.0 / 7));
  CHECK(r->neighbourhood_worst == 1);
  CHECK(r->plateau_neighbours == 6);
  CHECK(r->plateau_share == 0);
  // Local maxima: 10 only; 2 at (0, 2) has finite face neighbours 6 only (its left is NaN) and
  // loses; 3 at (2, 0) loses to 4.
  CHECK(r->local_maxima == 1);
  // Slices through the centre: along a (the middle column) NaN, 10, 5 → 5; along b (the middle
  // row) 4, 10, 6 → 6.
  CHECK(r->sensitivity == std::vector<double>{5, 6});

  // A gap of two steps along a slice divides by two: 0, NaN, 8 → 4 per step.
  const Result<PlateauReport> gap = AnalyzePlateau({Axis("x", 3)}, std::vector<double>{0, kNaN, 8});
  REQUIRE(gap.ok());
  CHECK(gap->sensitivity[0] == 4);
  // A lone finite point: its own plateau is undefined, the slice has no step.
  const Result<PlateauReport> lone =
      AnalyzePlateau({Axis("x", 3)}, std::vector<double>{kNaN, 1, kNaN});
  REQUIRE(lone.ok());
  CHECK(std::isnan(lone->plateau_share));
  CHECK(std::isnan(lone->sensitivity[0]));
  CHECK(lone->local_maxima == 1);
}

TEST_CASE("a three-parameter grid counts face and diagonal neighbours in 3-D") {
  // 3 × 3 × 3 of ones with 2 at the centre (index 13): 26 neighbours, none within 10 % of 2.
  const std::vector<GridAxis> axes = {Axis("a", 3), Axis("b", 3), Axis("c", 3)};
  std::vector<double> f(27, 1.0);
  f[13] = 2;
  const Result<PlateauReport> r = AnalyzePlateau(axes, f);
  REQUIRE(r.ok());
  CHECK(r->best == 13);
  CHECK(r->best_coordinates == std::vector<size_t>{1, 1, 1});
  CHECK(r->plateau_neighbours == 26);
  CHECK(r->plateau_share == 0);
  CHECK(r->neighbourhood_points == 27);
  CHECK(r->neighbourhood_mean == Approx(28.0 / 27));
  CHECK(r->local_maxima == 1);
  CHECK(GridCoordinates(axes, 23) == std::vector<size_t>{2, 1, 2});  // 2·9 + 1·3 + 2
}

TEST_CASE("plateau analysis rejects malformed grids") {
  CHECK(!AnalyzePlateau({}, std::vector<double>{}).ok());
  CHECK(AnalyzePlateau({Axis("a", 3)}, std::vector<double>{1, 2})
            .status()
            .message()
            .find("objective") == 0);
  GridAxis empty;
  empty.name = "fast";
  CHECK(AnalyzePlateau({empty}, std::vector<double>{}).status().message().find("'fast'") !=
        std::string::npos);
  CHECK(AnalyzePlateau({Axis("a", 2)}, std::vector<double>{kNaN, kNaN}).status().code() ==
        StatusCode::kInvalidArgument);
  PlateauOptions negative;
  negative.relative_tolerance = -0.1;
  CHECK(!AnalyzePlateau({Axis("a", 2)}, std::vector<double>{1, 2}, negative).ok());
}

}  // namespace
}  // namespace btr
