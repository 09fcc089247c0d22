// End to end: `btrouter backtest` of sma_cross on N synthetic minute bars from a warm binary
// cache, as a user runs it (a fresh process each time, table output to /dev/null).
//
//   e2e_bench [--bars 1000000,10000000] [--repeats 5] [--btrouter PATH] [--dir DIR]
//
// Prints per size: the CSV size, the first (parsing) run, the best cached run's wall time as a
// fresh process, the cached load and load + run + metrics in process (warm memory), and the
// process's peak RSS in bytes per bar.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "bench/bench_util.h"
#include "engines/data/bar_cache.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/native_run.h"
#include "engines/catalogue/catalogue.h"

namespace btr::bench {
namespace {

struct ProcessRun {
  double seconds = 0;
  long peak_rss_kib = 0;
  int exit_code = -1;
};

ProcessRun RunProcess(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const double t0 = NowSeconds();
  const pid_t pid = fork();
  if (pid == 0) {
    if (freopen("/dev/null", "w", stdout) == nullptr) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  ProcessRun r;
  r.seconds = NowSeconds() - t0;
  r.peak_rss_kib = usage.ru_maxrss;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void RunSize(size_t n, int repeats, const std::string& binary, const std::filesystem::path& dir) {
  const std::string csv = (dir / ("gbm_" + std::to_string(n) + ".csv")).string();
  const std::string cache = (dir / "cache").string();
  if (!std::filesystem::exists(csv)) {
    if (!WriteBarsCsv(GenerateGbmBars(n), csv).ok()) std::exit(1);
  }
  std::filesystem::remove_all(cache);
  const std::vector<std::string> args = {binary,       "backtest",  "--data",      csv,
                                         "--strategy", "sma_cross", "--cache-dir", cache};
  const ProcessRun first = RunProcess(args);
  if (first.exit_code != 0) {
    std::fprintf(stderr, "btrouter failed (exit %d)\n", first.exit_code);
    std::exit(1);
  }
  double best = 1e300;
  long peak_kib = 0;
  for (int r = 0; r < repeats; ++r) {
    const ProcessRun run = RunProcess(args);
    best = std::min(best, run.seconds);
    peak_kib = std::max(peak_kib, run.peak_rss_kib);
  }
  // In process: the cached load, then the run with canonical metrics, best of the repeats.
  double best_load = 1e300, best_in_process = 1e300;
  for (int r = 0; r < repeats; ++r) {
    LoadOptions opts;
    opts.cache_dir = cache;
    const double t0 = NowSeconds();
    auto loaded = LoadBars(csv, opts);
    const double t1 = NowSeconds();
    if (!loaded.ok() || !loaded->from_cache) std::exit(1);
    auto run = RunCatalogueBacktest(loaded->bars, "sma_cross",
                                    ParamValues::Defaults(SmaCrossInfo().params), BacktestConfig{});
    const double t2 = NowSeconds();
    if (!run.ok()) std::exit(1);
    best_load = std::min(best_load, t1 - t0);
    best_in_process = std::min(best_in_process, t2 - t0);
  }
  const double nd = static_cast<double>(n);
  std::printf(
      "e2e strategy=sma_cross bars=%zu csv_bytes=%ju first_run_s=%.3f cached_run_ms=%.1f "
      "cached_load_ms=%.1f in_process_load_and_run_ms=%.1f peak_rss_mib=%.1f "
      "peak_rss_bytes_per_bar=%.1f\n",
      n, static_cast<uintmax_t>(std::filesystem::file_size(csv)), first.seconds, best * 1e3,
      best_load * 1e3, best_in_process * 1e3, static_cast<double>(peak_kib) / 1024,
      static_cast<double>(peak_kib) * 1024 / nd);
  std::fflush(stdout);
}

}  // namespace
}  // namespace btr::bench

int main(int argc, char** argv) {
  using namespace btr::bench;
  const std::filesystem::path self = std::filesystem::absolute(argv[0]).parent_path();
  const std::string binary =
      Flag(argc, argv, "btrouter", (self.parent_path() / "btrouter").string());
  const std::filesystem::path dir =
      Flag(argc, argv, "dir", (std::filesystem::temp_directory_path() / "btr-e2e-bench").string());
  std::filesystem::create_directories(dir);
  const int repeats = std::stoi(Flag(argc, argv, "repeats", "5"));
  for (size_t n : SizeList(Flag(argc, argv, "bars", "1000000,10000000"))) {
    RunSize(n, repeats, binary, dir);
  }
  return 0;
}
