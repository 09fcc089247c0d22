// LaneSum: a sum of many doubles in four interleaved lanes, so that consecutive additions do
// not wait on one another (a sequential sum is bound by the latency of one add per value).
// Lane k sums the terms i = k, k+4, k+8, ...; the result is (lane0 + lane1) + (lane2 + lane3).
// Deterministic for given terms and count, but not the same bits as a sequential sum.
#pragma once

#include <cstddef>

namespace btr {

// The sum of term(i) for i in [0, n). `term` is called once per i, in increasing order per lane.
template <typename Term>
double LaneSum(size_t n, Term term) {
  double lane[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    lane[0] += term(i);
    lane[1] += term(i + 1);
    lane[2] += term(i + 2);
    lane[3] += term(i + 3);
  }
  for (size_t k = 0; i < n; ++i, ++k) lane[k] += term(i);
  return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

}  // namespace btr
