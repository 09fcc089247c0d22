// SHA-256 digests (OpenSSL libcrypto, EVP API), as lower-case hex. Used to identify datasets:
// every run records the sha256 of the bytes it read.
// Thread-safe: each call or Sha256 object has its own state.
#pragma once

#include <string>
#include <string_view>

#include "engines/core/status.h"

namespace btr {

// The 64-character lower-case hex digest of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// The hex digest of a file's bytes, read in 1 MiB chunks. Errors: kNotFound when the file does
// not exist, kInvalidArgument when it cannot be read ("<path>: cannot open: ...").
Result<std::string> Sha256File(const std::string& path);

// Incremental hashing: Update() any number of times, then FinishHex() once.
// Move-only; not synchronized.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // The digest of everything passed to Update(). REQUIRES: called once.
  std::string FinishHex();

 private:
  void* ctx_;  // EVP_MD_CTX*, owned
};

}  // namespace btr
