// CSV ingest benchmark: writes the N-bar synthetic GBM CSV (shared/reference/gbm_recipe.md) to a
// temporary folder, then times LoadCsvFile and a load from the binary bar cache. Prints figures
// only, one line each:
//   csv_write bars=N bytes=B s=...
//   csv_ingest bars=N bytes=B best_s=... bars_per_s=... mb_per_s=...
//   cache_build bars=N s=...
//   cache_load bars=N best_ms=...
//   peak_rss_mb=...
// Usage: csv_ingest_bench [--bars N] [--repeats R]   (defaults 1000000 and 5)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include "engines/data/bar_cache.h"
#include "engines/data/csv_loader.h"
#include "engines/data/gbm_generator.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Peak resident set size in MiB (VmHWM), or -1 when /proc is unavailable.
double PeakRssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return -1;
}

bool ParseCount(const char* text, long min, long* out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < min) return false;
  *out = v;
  return true;
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--bars N (>= 1, default 1000000)] [--repeats R (>= 1, default 5)]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long bars = 1'000'000;
  long repeats = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--bars" && i + 1 < argc) {
      if (!ParseCount(argv[++i], 1, &bars)) return Usage(argv[0]);
    } else if (arg == "--repeats" && i + 1 < argc) {
      if (!ParseCount(argv[++i], 1, &repeats)) return Usage(argv[0]);
    } else {
      return Usage(argv[0]);
    }
  }

  std::random_device rd;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("btr_csv_ingest_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  const std::string csv = (dir / "gbm.csv").string();
  int rc = 0;
  {
    auto t0 = std::chrono::steady_clock::now();
    const btr::BarSeries generated = btr::GenerateGbmBars(static_cast<size_t>(bars));
    const double generate_s = Seconds(t0);
    t0 = std::chrono::steady_clock::now();
    const btr::Status written = btr::WriteBarsCsv(generated, csv);
    const double write_s = Seconds(t0);
    if (!written.ok()) {
      std::fprintf(stderr, "%s\n", written.ToString().c_str());
      rc = 1;
    } else {
      const auto bytes = std::filesystem::file_size(csv);
      std::printf("gbm_generate bars=%ld s=%.4f\n", bars, generate_s);
      std::printf("csv_write bars=%ld bytes=%ju s=%.4f\n", bars, static_cast<uintmax_t>(bytes),
                  write_s);

      double best = std::numeric_limits<double>::infinity();
      for (long r = 0; r < repeats && rc == 0; ++r) {
        t0 = std::chrono::steady_clock::now();
        btr::Result<btr::BarSeries> loaded = btr::LoadCsvFile(csv);
        best = std::min(best, Seconds(t0));
        if (!loaded.ok() || loaded->size() != static_cast<size_t>(bars)) {
          std::fprintf(stderr, "load failed: %s\n", loaded.status().ToString().c_str());
          rc = 1;
        }
      }
      if (rc == 0) {
        std::printf("csv_ingest bars=%ld bytes=%ju best_s=%.4f bars_per_s=%.0f mb_per_s=%.1f\n",
                    bars, static_cast<uintmax_t>(bytes), best, static_cast<double>(bars) / best,
                    static_cast<double>(bytes) / 1e6 / best);
      }

      btr::LoadOptions opts;
      opts.cache_dir = (dir / "cache").string();
      t0 = std::chrono::steady_clock::now();
      btr::Result<btr::LoadedBars> built = btr::LoadBars(csv, opts);
      const double build_s = Seconds(t0);
      if (rc == 0 && built.ok()) std::printf("cache_build bars=%ld s=%.4f\n", bars, build_s);
      best = std::numeric_limits<double>::infinity();
      for (long r = 0; r < repeats && rc == 0; ++r) {
        t0 = std::chrono::steady_clock::now();
        btr::Result<btr::LoadedBars> cached = btr::LoadBars(csv, opts);
        best = std::min(best, Seconds(t0));
        if (!cached.ok() || !cached->from_cache) {
          std::fprintf(stderr, "cache load failed: %s\n", cached.status().ToString().c_str());
          rc = 1;
        }
      }
      if (rc == 0) std::printf("cache_load bars=%ld best_ms=%.2f\n", bars, best * 1e3);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::printf("peak_rss_mb=%.1f\n", PeakRssMb());
  return rc;
}
