// LogInPlace: natural logarithm of every element, vectorized where the CPU allows.
// On x86-64 CPUs with AVX2 it calls glibc's libmvec (_ZGVdN4v_log, the Vector Function ABI
// variant of log, at most 4 ulp from the exact result); elsewhere std::log. Four times fewer
// calls matter for the canonical metrics, which take two logs per bar. Thread-safe.
#pragma once

#include <span>

namespace btr {

void LogInPlace(std::span<double> values);

}  // namespace btr
