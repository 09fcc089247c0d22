// Vectorized element-wise math for the canonical metrics.
//
// LogInPlace: natural logarithm of every element, vectorized where the CPU allows.
// On x86-64 CPUs with AVX2 and FMA it works four at a time: a group of four values within 2^-7
// of 1 (the bar-to-bar growth factors the metrics take logs of) gets the series of ln(1 + d)
// to d^9 (about 1 ulp), any other group glibc's libmvec (_ZGVdN4v_log, the Vector Function ABI
// variant of log, at most 4 ulp); the last n % 4 values and other CPUs get std::log. The bits
// depend only on a value and its position in the span, so the same series gives the same
// logs. The canonical metrics take a log per bar. Thread-safe.
#pragma once

#include <span>

namespace btr {

void LogInPlace(std::span<double> values);

// out[j] = values[j + 1] / values[j] for j = 0..N-2, four at a time with AVX2 (IEEE division is
// exact, so the bits are the scalar loop's). REQUIRES: out.size() >= values.size() - 1.
void AdjacentRatios(std::span<const double> values, std::span<double> out);

}  // namespace btr
