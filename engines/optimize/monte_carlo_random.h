// The Monte Carlo module's pseudo-random numbers: xoshiro256** seeded through SplitMix64
// (Blackman and Vigna), with integer and unit draws written out here instead of the standard
// library's distributions, whose algorithms differ between standard libraries. The same seed
// gives the same numbers on every platform and compiler, so a simulation is reproducible from
// the seed it reports.
//
// Value types; not thread-safe (one generator per thread).
#pragma once

#include <cstdint>

namespace btr {

// SplitMix64: a 64-bit state advanced by the golden-ratio increment; used to expand one seed
// into xoshiro's 256-bit state.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// 128-bit products for the bounded draws (a GCC and Clang extension).
namespace random_detail {
__extension__ typedef unsigned __int128 Uint128;
}  // namespace random_detail

class Xoshiro256 {
 public:
  // The state is four SplitMix64 outputs of `seed` (never all zero).
  explicit Xoshiro256(uint64_t seed) {
    SplitMix64 expand(seed);
    for (uint64_t& word : state_) word = expand.Next();
  }

  // The xoshiro256** output.
  uint64_t Next() {
    const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
    const uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = RotateLeft(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1): the top 53 bits.
  double NextUnit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, bound), without modulo bias (Lemire's multiply-and-reject).
  // REQUIRES: bound > 0.
  uint64_t NextBelow(uint64_t bound) {
    using random_detail::Uint128;
    Uint128 product = static_cast<Uint128>(Next()) * bound;
    uint64_t low = static_cast<uint64_t>(product);
    if (low < bound) {
      const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
      while (low < threshold) {
        product = static_cast<Uint128>(Next()) * bound;
        low = static_cast<uint64_t>(product);
      }
    }
    return static_cast<uint64_t>(product >> 64);
  }

 private:
  static uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t state_[4];
};

}  // namespace btr
