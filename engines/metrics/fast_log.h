// Vectorized element-wise math for the canonical metrics.
//
// LogInPlace: natural logarithm of every element, vectorized where the CPU allows.
// On x86-64 CPUs with AVX2 and FMA it works four at a time: a group of four values within 2^-4
// of 1 (the bar-to-bar growth factors the metrics take logs of) gets ln(1 + d) = 2 atanh(d /
// (2 + d)) by its series (within a few ulp), any other group glibc's libmvec (_ZGVdN4v_log, the Vector Function ABI
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

// From index `from`, the first index whose value is >= `bound` (values.size() when none);
// `*min` becomes the least of itself and the values before that index (NaN values change
// nothing, as std::min(*min, NaN) keeps *min). Four at a time with AVX2; min is exact, so the
// result is the scalar loop's whatever the order.
size_t MinUntilAtLeast(std::span<const double> values, size_t from, double bound, double* min);

}  // namespace btr
