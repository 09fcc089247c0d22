#include "engines/metrics/fast_log.h"

#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>

// glibc libmvec, AVX2 variant (declared for AVX2 so that clang accepts the vector argument).
extern "C" __attribute__((target("avx2"))) __m256d _ZGVdN4v_log(__m256d x);

namespace btr {
namespace {

// ln(1 + d) for |d| < 2^-7 as its series to d^9 (the next term is below 2^-63 |d|), in Horner
// form with fused multiply-adds: about 1 ulp, and several times cheaper than a general log.
__attribute__((target("avx2,fma"))) __m256d Log1pSmall(__m256d d) {
  __m256d p = _mm256_set1_pd(1.0 / 9);
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(-1.0 / 8));
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(1.0 / 7));
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(-1.0 / 6));
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(1.0 / 5));
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(-1.0 / 4));
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(1.0 / 3));
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(-1.0 / 2));
  p = _mm256_fmadd_pd(p, d, _mm256_set1_pd(1.0));
  return _mm256_mul_pd(p, d);
}

// Four at a time: values within 2^-7 of 1 (the bar-to-bar growth factors the metrics take logs
// of, nearly always) by the series of ln(1 + d), d = x - 1 (exact there), others by libmvec.
__attribute__((target("avx2,fma"))) void LogAvx2(double* v, size_t n) {
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d near = _mm256_set1_pd(0x1p-7);
  const __m256d magnitude = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffff));
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d x = _mm256_loadu_pd(v + i);
    const __m256d d = _mm256_sub_pd(x, one);
    const __m256d small = _mm256_cmp_pd(_mm256_and_pd(d, magnitude), near, _CMP_LT_OQ);
    _mm256_storeu_pd(v + i, _mm256_movemask_pd(small) == 0xF ? Log1pSmall(d) : _ZGVdN4v_log(x));
  }
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
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
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
