// Vectorized element-wise math for the canonical metrics.
//
// LogInPlace: natural logarithm of every element, vectorized where the CPU allows.
// On x86-64 CPUs with AVX2 it calls glibc's libmvec (_ZGVdN4v_log, the Vector Function ABI
// variant of log, at most 4 ulp from the exact result); elsewhere std::log. Four times fewer
// calls matter for the canonical metrics, which take two logs per bar. Thread-safe.
#pragma once

#include <span>

namespace btr {

void LogInPlace(std::span<double> values);

// out[j] = values[j + 1] / values[j] for j = 0..N-2, four at a time with AVX2 (IEEE division is
// exact, so the bits are the scalar loop's). REQUIRES: out.size() >= values.size() - 1.
void AdjacentRatios(std::span<const double> values, std::span<double> out);

}  // namespace btr
