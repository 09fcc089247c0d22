#include "engines/optimize/sweep.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "engines/metrics/metrics.h"
#include "engines/native/strategies/native_strategies.h"

namespace btr {
namespace {

// What every trial of one sweep shares (read-only while the threads run, but the cache).
struct SweepShared {
  const BarSeries& bars;
  const ParamSpace& space;
  const SweepOptions& options;
  size_t objective_index;
  std::vector<size_t> day_ends;
  MetricsBasis metrics_basis;
  IndicatorCache cache;
  const std::atomic<bool>* cancel;
};

// One trial; Cancelled only when the sweep was cancelled during it.
// `equity_storage`: the worker's reusable curve memory (RunControl::equity_storage).
Status RunTrial(SweepShared& s, size_t point, std::vector<double>* returns,
                Column<double>* equity_storage, TrialResult* trial) {
  trial->point = point;
  Result<std::unique_ptr<Strategy>> created =
      CreateStrategy(s.space.strategy(), s.space.ParamsAt(point));
  if (!created.ok()) {
    trial->status = created.status();
    return Status::Ok();
  }
  (*created)->UseIndicatorCache(&s.cache);
  RunControl control;
  control.cancel = s.cancel;
  control.equity_storage = equity_storage;
  Result<BacktestOutput> output = RunBacktest(s.bars, **created, s.options.config, control);
  if (!output.ok()) {
    if (output.status().code() == StatusCode::kCancelled) return output.status();
    trial->status = output.status();
    return Status::Ok();
  }
  // Exactly RunCatalogueBacktest's metrics input (engines/native/native_run.cc).
  MetricsInput in;
  in.time = s.bars.time;
  in.equity = output->equity;
  in.close = s.bars.close;
  in.first_trading_bar = output->warmup_bars;
  in.trades = output->trades;
  RecordTrial(ComputeMetrics(in, s.metrics_basis), output->equity, s.day_ends, s.options,
              s.objective_index, returns, trial);
  *equity_storage = std::move(output->equity);
  return Status::Ok();
}

}  // namespace

Status CheckSweepOptions(const SweepOptions& options) {
  BTR_RETURN_IF_ERROR(options.config.broker.Validate());
  if (options.blocks > 24 || options.blocks % 2 != 0) {
    return Status::InvalidArgument("blocks: expected an even number from 2 to 24, or 0 for none");
  }
  if (!(options.min_trades >= 0)) return Status::InvalidArgument("min_trades: expected >= 0");
  return Status::Ok();
}

std::vector<size_t> DayEnds(const BarSeries& bars) {
  std::vector<size_t> ends;
  const size_t n = bars.size();
  for (size_t i = 0; i < n; ++i) {
    if (i + 1 == n || bars.time[i] / kNsPerDay != bars.time[i + 1] / kNsPerDay) ends.push_back(i);
  }
  return ends;
}

void RecordTrial(const Metrics& metrics, std::span<const double> equity,
                 std::span<const size_t> day_ends, const SweepOptions& options,
                 size_t objective_index, std::vector<double>* returns, TrialResult* trial) {
  const auto fields = MetricsFields(metrics);
  trial->metrics.reserve(fields.size());
  for (const auto& field : fields) trial->metrics.push_back(field.second);
  if (metrics.num_trades >= options.min_trades) {
    trial->objective = trial->metrics[objective_index];
    if (!std::isfinite(trial->objective)) trial->objective = std::nan("");
  }
  returns->resize(day_ends.empty() ? 0 : day_ends.size() - 1);
  for (size_t d = 1; d < day_ends.size(); ++d) {
    const double before = equity[day_ends[d - 1]];
    (*returns)[d - 1] = before > 0 ? equity[day_ends[d]] / before - 1 : 0;  // 0 once ruined
  }
  if (options.blocks == 0 || returns->size() < options.blocks) {
    trial->daily = Moments::Of(*returns);
    return;
  }
  // The blocks, then all the returns as the blocks merged with the remainder CSCV drops.
  trial->blocks = BlockMoments(*returns, options.blocks);
  const std::span<const double> all(*returns);
  trial->daily = Moments::Of(all.first(all.size() % options.blocks));
  for (const Moments& b : trial->blocks) trial->daily = Moments::Merge(trial->daily, b);
}

const std::vector<std::string>& MetricKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const auto& field : MetricsFields(Metrics{})) out.emplace_back(field.first);
    return out;
  }();
  return keys;
}

Result<size_t> MetricIndex(const std::string& field, const std::string& key) {
  const auto& keys = MetricKeys();
  auto it = std::find(keys.begin(), keys.end(), key);
  if (it != keys.end()) return static_cast<size_t>(it - keys.begin());
  std::string known;
  for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
  return Status::InvalidArgument(field + ": unknown metric '" + key + "' (metrics: " + known + ")");
}

Result<std::vector<TrialResult>> RunSweep(const BarSeries& bars, const ParamSpace& space,
                                          std::span<const size_t> points,
                                          const SweepOptions& options,
                                          const SweepControl& control) {
  BTR_RETURN_IF_ERROR(CheckSweepOptions(options));
  Result<size_t> objective = MetricIndex("objective.metric", options.objective.metric);
  if (!objective.ok()) return objective.status();
  if (bars.size() < 2) return Status::InvalidArgument("data: a sweep needs at least 2 bars");
  for (size_t p : points) {
    if (p >= space.grid_size()) return Status::InvalidArgument("points: outside the grid");
  }

  SweepShared shared{bars,
                     space,
                     options,
                     *objective,
                     DayEnds(bars),
                     PrepareMetricsBasis(bars.time, bars.close),
                     IndicatorCache(options.indicator_cache_bytes),
                     control.cancel};
  std::vector<TrialResult> trials(points.size());
  const size_t threads = std::max<size_t>(
      1,
      std::min<size_t>(options.threads != 0 ? options.threads : std::thread::hardware_concurrency(),
                       points.size()));
  const size_t chunk = std::clamp<size_t>(points.size() / (threads * 8), 1, 64);
  std::atomic<size_t> next{0};
  std::atomic<bool> stopped{false};
  std::mutex progress_mu;
  size_t done = 0;  // guarded by progress_mu

  auto work = [&] {
    std::vector<double> returns;
    Column<double> equity_storage;
    for (;;) {
      const size_t begin = next.fetch_add(chunk);
      if (begin >= points.size() || stopped.load()) return;
      const size_t end = std::min(points.size(), begin + chunk);
      for (size_t i = begin; i < end; ++i) {
        if (!RunTrial(shared, points[i], &returns, &equity_storage, &trials[i]).ok() ||
            (control.cancel != nullptr && control.cancel->load())) {
          stopped = true;
          return;
        }
      }
      std::lock_guard<std::mutex> lock(progress_mu);
      done += end - begin;
      if (control.progress) control.progress(done, points.size());
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (stopped) return Status::Cancelled("sweep cancelled");
  return trials;
}

size_t BestTrial(const std::vector<TrialResult>& trials, bool maximize) {
  size_t best = static_cast<size_t>(-1);
  for (size_t i = 0; i < trials.size(); ++i) {
    const double v = trials[i].objective;
    if (std::isnan(v)) continue;
    if (best == static_cast<size_t>(-1)) {
      best = i;
      continue;
    }
    const double b = trials[best].objective;
    const bool better = maximize ? v > b : v < b;
    if (better || (v == b && trials[i].point < trials[best].point)) best = i;
  }
  return best;
}

}  // namespace btr
