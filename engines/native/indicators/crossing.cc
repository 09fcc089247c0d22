#include "engines/native/indicators/crossing.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace btr {
namespace {

bool CrossesAt(const double* a, const double* b, size_t j) {
  const double a0 = a[j - 1], b0 = b[j - 1], a1 = a[j], b1 = b[j];
  return ((a0 < b0) & (a1 > b1)) | ((b0 < a0) & (b1 > a1));
}

size_t ScanScalar(const double* a, const double* b, size_t j, size_t end) {
  while (j < end && !CrossesAt(a, b, j)) ++j;
  return j;
}

#if defined(__x86_64__)
// Ordered comparisons (_CMP_LT_OQ, _CMP_GT_OQ) are false on NaN, as the scalar ones.
__attribute__((target("avx2"))) size_t ScanAvx2(const double* a, const double* b, size_t j,
                                                  size_t end) {
  for (; j + 4 <= end; j += 4) {
    const __m256d a0 = _mm256_loadu_pd(a + j - 1), b0 = _mm256_loadu_pd(b + j - 1);
    const __m256d a1 = _mm256_loadu_pd(a + j), b1 = _mm256_loadu_pd(b + j);
    const __m256d up =
        _mm256_and_pd(_mm256_cmp_pd(a0, b0, _CMP_LT_OQ), _mm256_cmp_pd(a1, b1, _CMP_GT_OQ));
    const __m256d down =
        _mm256_and_pd(_mm256_cmp_pd(b0, a0, _CMP_LT_OQ), _mm256_cmp_pd(b1, a1, _CMP_GT_OQ));
    const int mask = _mm256_movemask_pd(_mm256_or_pd(up, down));
    if (mask != 0) return j + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
  return ScanScalar(a, b, j, end);
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

}  // namespace

size_t FirstCrossing(std::span<const double> a, std::span<const double> b, size_t from,
                     size_t end) {
  const size_t j = std::max<size_t>(from, 1);
  if (j >= end) return end;
#if defined(__x86_64__)
  if (HasAvx2()) return ScanAvx2(a.data(), b.data(), j, end);
#endif
  return ScanScalar(a.data(), b.data(), j, end);
}

}  // namespace btr
