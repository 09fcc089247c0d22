// Helpers shared by the test binaries: the shared sample-data folder, self-cleaning temp
// folders, tolerant float comparison and CSV line splitting.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace btr::testing {

// The shared folder (sample data, reference files): $BTR_SHARED_DIR, else next to the source tree.
inline std::string SharedDir() {
  const char* env = std::getenv("BTR_SHARED_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  return std::string(BTR_SOURCE_DIR) + "/../shared";
}

inline std::string SharedData(const std::string& relative) {
  return SharedDir() + "/data/" + relative;
}

// The interpreter for Python fakes and services: Debian's (whose pandas and numpy come from
// apt) when present, else the first python3 on PATH.
inline std::string Python() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// A fresh folder under the system temp folder, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("btr_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Path(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

  // Writes `bytes` to Path(name) and returns that path.
  std::string Write(const std::string& name, std::string_view bytes) const {
    const std::string p = Path(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }

 private:
  std::filesystem::path path_;
};

// The whole file as bytes ("" when it cannot be read).
// Sets environment variables (e.g. BTR__SECTION__KEY for a server child) for its lifetime, and
// removes them again. Not thread-safe: the environment is the process's.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::vector<std::pair<std::string, std::string>> vars)
      : vars_(std::move(vars)) {
    for (const auto& [name, value] : vars_) setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : vars_) unsetenv(name.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

// Sets the process umask for its lifetime (e.g. 0, to show that modes do not depend on it), and
// restores the previous one. Not thread-safe: the umask is the process's.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t previous_;
};

// The permission bits of `path` (0644, 0700, ...); -1 when it cannot be stat'ed.
inline int PermissionBits(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// |a - b| <= rel * max(|a|, |b|) + 1e-12; NaN equals NaN and infinities must match exactly.
inline bool Near(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + 1e-12;
}

// Splits a CSV line on commas (no quoting), dropping a trailing carriage return.
inline std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells(1);
  for (char c : line) {
    if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

}  // namespace btr::testing
