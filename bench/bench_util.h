// Small helpers shared by the benchmarks: wall-clock timing, peak RSS, flag parsing.
// Benchmarks print figures; they never assert on them.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace btr::bench {

inline double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A /proc/self/status field in KiB ("VmHWM" = peak resident set size), or -1.
inline long ProcStatusKiB(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
        line[field.size()] == ':') {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

// Resets the peak RSS counter so VmHWM measures from now on (Linux >= 4.0).
inline void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// "--name value" from argv, or the default.
inline std::string Flag(int argc, char** argv, std::string_view name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == std::string("--") + std::string(name)) return argv[i + 1];
  }
  return fallback;
}

inline std::vector<size_t> SizeList(const std::string& text) {
  std::vector<size_t> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t comma = text.find(',', pos);
    out.push_back(std::stoul(text.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace btr::bench
