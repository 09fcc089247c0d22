// What the fuzz targets share: the input as text, and a contract check that aborts (libFuzzer
// then reports a crash and writes the input as the reproducer) when a parser breaks a promise
// of its header, beyond what the sanitizers see.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace btr::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Aborts with `what` on stderr unless `ok`.
inline void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "contract broken: %s\n", what);
  std::abort();
}

// True when `message` can go into a JSON answer as it is: nlohmann::json::dump() throws on
// invalid UTF-8, and messages become JSON fields (problem answers, a job's error).
inline bool DumpsAsJson(const std::string& message) {
  try {
    return !nlohmann::json(message).dump().empty();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Error messages quote bad values in short excerpts: a message never grows with the input.
inline constexpr size_t kMaxMessageBytes = 4096;

}  // namespace btr::fuzz
