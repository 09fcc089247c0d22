// Helpers shared by the test binaries: where the shared sample data lives, temp folders,
// tolerant float comparison and CSV line splitting.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace btr {

// The shared sample data folder: $BTR_SHARED_DIR, else <source>/../shared.
inline std::string SharedDir() {
  if (const char* dir = std::getenv("BTR_SHARED_DIR"); dir != nullptr && *dir != '\0') return dir;
  return std::string(BTR_SOURCE_DIR) + "/../shared";
}

// |a - b| <= rel * max(|a|, |b|) + 1e-12; NaN equals NaN and infinities must match exactly.
inline bool Near(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + 1e-12;
}

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

// A fresh temporary folder, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("btr-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace btr
