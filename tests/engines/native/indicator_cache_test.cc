#include <catch2/catch.hpp>
#include <string>

#include "engines/native/strategy/strategy.h"

namespace btr {
namespace {

// A series of `n` copies of `v`, counting the computations.
std::function<Series()> Make(size_t n, double v, int* computed) {
  return [n, v, computed] {
    ++*computed;
    return Series(n, v);
  };
}

TEST_CASE("IndicatorCache computes a key once and shares it") {
  IndicatorCache cache(1 << 20);
  int computed = 0;
  auto a = cache.GetOrCompute("a", Make(100, 1, &computed));
  auto again = cache.GetOrCompute("a", Make(100, 2, &computed));
  CHECK(computed == 1);
  CHECK(a.get() == again.get());
  CHECK((*again)[0] == 1);
  CHECK(cache.bytes() == 100 * sizeof(double));
}

TEST_CASE("IndicatorCache evicts the least recently used; handed-out series stay valid") {
  const size_t n = 100, bytes = n * sizeof(double);
  IndicatorCache cache(3 * bytes);  // room for three series
  int computed = 0;
  auto a = cache.GetOrCompute("a", Make(n, 1, &computed));
  cache.GetOrCompute("b", Make(n, 2, &computed));
  cache.GetOrCompute("c", Make(n, 3, &computed));
  cache.GetOrCompute("a", Make(n, 1, &computed));  // a is now the most recent
  CHECK(computed == 3);
  cache.GetOrCompute("d", Make(n, 4, &computed));  // evicts b, the least recent
  CHECK(computed == 4);
  CHECK(cache.bytes() == 3 * bytes);
  cache.GetOrCompute("a", Make(n, 1, &computed));
  cache.GetOrCompute("c", Make(n, 3, &computed));
  CHECK(computed == 4);  // a and c were kept
  cache.GetOrCompute("b", Make(n, 2, &computed));
  CHECK(computed == 5);  // b had gone
  // `a` may be evicted later, but the pointer handed out keeps the series.
  for (int k = 0; k < 5; ++k) cache.GetOrCompute("x" + std::to_string(k), Make(n, 9, &computed));
  CHECK((*a)[n - 1] == 1);
  CHECK(cache.bytes() <= 3 * bytes);
}

TEST_CASE("IndicatorCache does not keep a series larger than itself") {
  IndicatorCache cache(10 * sizeof(double));
  int computed = 0;
  auto big = cache.GetOrCompute("big", Make(11, 5, &computed));
  CHECK((*big)[10] == 5);
  CHECK(cache.bytes() == 0);
  cache.GetOrCompute("big", Make(11, 5, &computed));
  CHECK(computed == 2);
}

}  // namespace
}  // namespace btr
