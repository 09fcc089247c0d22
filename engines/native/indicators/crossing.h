// FirstCrossing: where two lines next cross, the scan behind crossing strategies' skipping of
// quiet bars (Strategy::NextActiveBar).
#pragma once

#include <cstddef>
#include <span>

namespace btr {

// The first j in [from, end), j >= 1, where `a` crosses `b` either way: a[j-1] < b[j-1] and
// a[j] > b[j], or b[j-1] < a[j-1] and b[j] > a[j] (NaN never crosses; backtesting.lib.crossover
// in both directions); `end` when none. Four bars per step with AVX2 where the CPU has it.
// REQUIRES: end <= a.size() == b.size(). Thread-safe.
size_t FirstCrossing(std::span<const double> a, std::span<const double> b, size_t from,
                     size_t end);

}  // namespace btr
