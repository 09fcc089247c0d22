#include "engines/metrics/fast_log.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>

// glibc libmvec, AVX2 variant (declared for AVX2 so that clang accepts the vector argument).
extern "C" __attribute__((target("avx2"))) __m256d _ZGVdN4v_log(__m256d x);

namespace btr {
namespace {

// ln(1 + d) for |d| < 2^-4 as 2 atanh(u), u = d / (2 + d) (|u| < 2^-4.9): the odd series of
// atanh to u^13 (the next term is below 2^-69 |u|), in Horner form in u^2 with fused
// multiply-adds: within a few ulp, and several times cheaper than a general log.
__attribute__((target("avx2,fma"))) __m256d Log1pSmall(__m256d d) {
  const __m256d u = _mm256_div_pd(d, _mm256_add_pd(_mm256_set1_pd(2.0), d));
  const __m256d w = _mm256_mul_pd(u, u);
  __m256d p = _mm256_set1_pd(1.0 / 13);
  p = _mm256_fmadd_pd(p, w, _mm256_set1_pd(1.0 / 11));
  p = _mm256_fmadd_pd(p, w, _mm256_set1_pd(1.0 / 9));
  p = _mm256_fmadd_pd(p, w, _mm256_set1_pd(1.0 / 7));
  p = _mm256_fmadd_pd(p, w, _mm256_set1_pd(1.0 / 5));
  p = _mm256_fmadd_pd(p, w, _mm256_set1_pd(1.0 / 3));
  p = _mm256_mul_pd(p, w);  // w/3 + w^2/5 + ...: small, so 1 + p rounds once
  const __m256d two_u = _mm256_add_pd(u, u);
  return _mm256_fmadd_pd(two_u, p, two_u);
}

// Four at a time: values within 2^-4 of 1 (the bar-to-bar growth factors the metrics take logs
// of, nearly always) by the series of atanh, d = x - 1 (exact there), others by libmvec.
__attribute__((target("avx2,fma"))) void LogAvx2(double* v, size_t n) {
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d near = _mm256_set1_pd(0x1p-4);
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

__attribute__((target("avx2"))) size_t MinUntilAtLeastAvx2(const double* v, size_t from, size_t n,
                                                           double bound, double* min) {
  const __m256d limit = _mm256_set1_pd(bound);
  __m256d lanes = _mm256_set1_pd(*min);
  size_t j = from;
  for (; j + 4 <= n; j += 4) {
    const __m256d x = _mm256_loadu_pd(v + j);
    if (_mm256_movemask_pd(_mm256_cmp_pd(x, limit, _CMP_GE_OQ)) != 0) break;
    lanes = _mm256_min_pd(x, lanes);  // a NaN x leaves the lane as it was
  }
  double lane[4];
  _mm256_storeu_pd(lane, lanes);
  double m = *min;
  for (double l : lane) m = std::min(m, l);
  for (; j < n && !(v[j] >= bound); ++j) m = std::min(m, v[j]);
  *min = m;
  return j;
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

size_t MinUntilAtLeast(std::span<const double> values, size_t from, double bound, double* min) {
  if (HasAvx2()) return MinUntilAtLeastAvx2(values.data(), from, values.size(), bound, min);
  size_t j = from;
  for (; j < values.size() && !(values[j] >= bound); ++j) *min = std::min(*min, values[j]);
  return j;
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

size_t MinUntilAtLeast(std::span<const double> values, size_t from, double bound, double* min) {
  size_t j = from;
  for (; j < values.size() && !(values[j] >= bound); ++j) *min = std::min(*min, values[j]);
  return j;
}

}  // namespace btr

#endif
