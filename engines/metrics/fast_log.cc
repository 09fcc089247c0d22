#include "engines/metrics/fast_log.h"

#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>

// glibc libmvec, AVX2 variant (declared for AVX2 so that clang accepts the vector argument).
extern "C" __attribute__((target("avx2"))) __m256d _ZGVdN4v_log(__m256d x);

namespace btr {
namespace {

__attribute__((target("avx2"))) void LogAvx2(double* v, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(v + i, _ZGVdN4v_log(_mm256_loadu_pd(v + i)));
  for (; i < n; ++i) v[i] = std::log(v[i]);
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

}  // namespace

void LogInPlace(std::span<double> values) {
  if (HasAvx2()) return LogAvx2(values.data(), values.size());
  for (double& v : values) v = std::log(v);
}

}  // namespace btr

#else

namespace btr {

void LogInPlace(std::span<double> values) {
  for (double& v : values) v = std::log(v);
}

}  // namespace btr

#endif
