// Random: injected randomness (ids, jitter), so tests can run on a fixed seed. SystemRandom
// draws from a generator per thread seeded by the OS; SeededRandom repeats its sequence for a
// seed. Both are thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace btr {

class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t Next() = 0;
  // A number in [0, 1).
  double NextUnit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
};

class SystemRandom final : public Random {
 public:
  uint64_t Next() override {
    static thread_local std::mt19937_64 generator(std::random_device{}());
    return generator();
  }
};

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : generator_(seed) {}
  uint64_t Next() override {
    std::lock_guard<std::mutex> lock(mu_);
    return generator_();
  }

 private:
  std::mutex mu_;
  std::mt19937_64 generator_;  // guarded by mu_
};

// The process's SystemRandom.
inline Random& DefaultRandom() {
  static SystemRandom random;
  return random;
}

// `prefix` + 20 hex digits (80 random bits): job, dataset and request ids.
inline std::string NewId(std::string_view prefix, Random& random = DefaultRandom()) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  const uint64_t a = random.Next(), b = random.Next();
  for (int k = 0; k < 16; ++k) id += kHex[(a >> (4 * k)) & 0xf];
  for (int k = 0; k < 4; ++k) id += kHex[(b >> (4 * k)) & 0xf];
  return id;
}

}  // namespace btr
