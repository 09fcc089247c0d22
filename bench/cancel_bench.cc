// Cancel latency of a running native job, in process: JobService on a SQLite store in a temp
// folder, a synthetic dataset, sma_cross. Submits, waits until the job runs, cancels, and
// measures the time until the job's status is cancelled. Prints p50/max over the repeats.
//
//   cancel_bench [--bars 5000000] [--repeats 10] [--delay-ms 30]
// --delay-ms is the wait between "running" and the cancel: short delays land in the dataset load
// (which is not interruptible), longer ones in the bar loop.
#include <algorithm>
#include <filesystem>
#include <thread>

#include "bench/bench_util.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/native_engine.h"
#include "services/jobs/job_service.h"
#include "services/store/sqlite_store.h"

int main(int argc, char** argv) {
  using namespace btr;
  using namespace btr::bench;
  const size_t bars = std::stoul(Flag(argc, argv, "bars", "5000000"));
  const int repeats = std::stoi(Flag(argc, argv, "repeats", "10"));
  const int delay_ms = std::stoi(Flag(argc, argv, "delay-ms", "30"));
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "btr-cancel-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string csv = (dir / "bars.csv").string();
  if (!WriteBarsCsv(GenerateGbmBars(bars), csv).ok()) return 1;
  auto store = std::move(SqliteStore::Open((dir / "btrouter.db").string())).value();
  DatasetRecord d;
  d.id = "ds_bench";
  d.tenant = "bench";
  d.name = "gbm";
  d.sha256 = "-";
  d.path = csv;
  d.bars = bars;
  if (!store->PutDataset(d).ok()) return 1;
  EngineRegistry engines;
  if (!engines.Register(std::make_unique<NativeEngine>()).ok()) return 1;
  SystemClock clock;
  JobServiceOptions options;
  options.workers = 1;
  options.cache_dir = (dir / "cache").string();
  JobService jobs(store.get(), &engines, &clock, options);
  if (!jobs.Start().ok()) return 1;

  std::vector<double> latencies_ms;
  for (int r = 0; r < repeats; ++r) {
    BacktestSpec spec;
    spec.strategy.name = "sma_cross";
    spec.dataset = d.id;
    spec.cash = 10000 + r;
    const std::string id = jobs.Submit("bench", spec, "")->job.id;
    while (jobs.Get("bench", id)->status != JobStatus::kRunning) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    const double t0 = NowSeconds();
    if (!jobs.Cancel("bench", id).ok()) return 1;
    JobStatus status = JobStatus::kRunning;
    while (!IsTerminal(status = jobs.Get("bench", id)->status)) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    latencies_ms.push_back((NowSeconds() - t0) * 1e3);
    if (status != JobStatus::kCancelled) {
      std::printf("note: job %s ended %s before the cancel\n", id.c_str(),
                  std::string(JobStatusName(status)).c_str());
    }
  }
  jobs.Stop();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf("cancel_latency bars=%zu delay_ms=%d repeats=%d p50_ms=%.2f max_ms=%.2f\n", bars,
              delay_ms, repeats, latencies_ms[latencies_ms.size() / 2], latencies_ms.back());
  std::filesystem::remove_all(dir);
  return 0;
}
