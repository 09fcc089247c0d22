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

__attribute__((target("avx2"))) void RatiosAvx2(const double* v, double* out, size_t n) {
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    _mm256_storeu_pd(out + j, _mm256_div_pd(_mm256_loadu_pd(v + j + 1), _mm256_loadu_pd(v + j)));
  }
  for (; j < n; ++j) out[j] = v[j + 1] / v[j];
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

void AdjacentRatios(std::span<const double> values, std::span<double> out) {
  if (values.size() < 2) return;
  if (HasAvx2()) return RatiosAvx2(values.data(), out.data(), values.size() - 1);
  for (size_t j = 0; j + 1 < values.size(); ++j) out[j] = values[j + 1] / values[j];
}

}  // namespace btr

#else

namespace btr {

void LogInPlace(std::span<double> values) {
  for (double& v : values) v = std::log(v);
}

void AdjacentRatios(std::span<const double> values, std::span<double> out) {
  for (size_t j = 0; j + 1 < values.size(); ++j) out[j] = values[j + 1] / values[j];
}

}  // namespace btr

#endif
