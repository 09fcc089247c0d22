// Strategy: the C++ interface every native strategy implements, mirroring backtesting.py's
// Strategy (init / next, indicators, buy / sell / close).
//
// Lifecycle (driven by RunBacktest in engines/native/backtest.h, one thread):
//   1. Bind(bars, broker) — the runner attaches the data and the broker (not owned).
//   2. Init() — compute indicators over the whole series with AddIndicator(). The warm-up W is
//      the largest first-valid index over all registered indicators (0 without indicators).
//   3. Next(i) for i = W+1 .. N-1, after the broker processed bar i. Next(i) may read bars and
//      indicators at indices <= i only (the runner does not enforce this; reading ahead is a
//      look-ahead bug). Orders placed in Next(i) are processed from bar i+1.
// An invalid order (bad size, SL/TP on the wrong side) records the first error; the runner
// stops the run and returns it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/native/broker/broker.h"
#include "engines/native/indicators/indicators.h"
#include "engines/catalogue/params.h"

namespace btr {

// IndicatorCache: indicator series shared by many runs over the same bars (a parameter sweep),
// keyed by what they compute ("sma/10" on the closes). A series is computed once and kept while
// the cache holds at most `max_bytes` of series; past that, the least recently used are evicted
// (a sweep's neighbouring grid points reuse the same series, so the working set stays cached).
// The bars must not change while the cache is in use.
// Threads: thread-safe; two runs asking for one key at once may both compute it (the first to
// finish is kept; the results are identical, indicators being pure functions).
class IndicatorCache {
 public:
  explicit IndicatorCache(size_t max_bytes = size_t{1} << 30) : max_bytes_(max_bytes) {}

  // The series under `key`, computed by `compute` when absent. The series lives as long as the
  // returned pointer (or a copy of it), whether or not the cache still holds it.
  std::shared_ptr<const Series> GetOrCompute(const std::string& key,
                                             const std::function<Series()>& compute);
  size_t bytes() const;  // of the series held now

 private:
  struct Entry {
    std::shared_ptr<const Series> series;
    uint64_t last_use;  // the value of uses_ at its last lookup
  };
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> series_;  // guarded by mu_
  size_t bytes_ = 0;                                  // guarded by mu_
  uint64_t uses_ = 0;                                 // guarded by mu_
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  virtual Status Init() = 0;
  virtual void Next(size_t i) = 0;
  // The first bar j in [i, end) at which Next(j) might place or cancel an order, given that no
  // order is pending; `end` when there is none. The runner skips Next() on the bars before it,
  // only marking their equity. The default, i, keeps every call; a strategy that overrides it
  // must not depend on Next() being called on bars where it does nothing.
  virtual size_t NextActiveBar(size_t i, size_t /*end*/) const { return i; }

  // Called by the runner before Init(). Both must outlive the strategy's use.
  void Bind(const BarSeries* bars, Broker* broker) {
    bars_ = bars;
    broker_ = broker;
  }
  // Runs that share `cache` (not owned; may be null) take the indicators they compute through
  // SharedIndicator() from it. Call before Init().
  void UseIndicatorCache(IndicatorCache* cache) { cache_ = cache; }
  size_t WarmupBars() const { return warmup_; }
  bool failed() const { return !order_error_.ok(); }
  const Status& order_error() const { return order_error_; }

 protected:
  const BarSeries& bars() const { return *bars_; }
  std::span<const double> close() const { return bars_->close; }

  // Takes ownership of an indicator series (same length as the bars) and returns a view of it
  // that stays valid for the strategy's lifetime. Updates the warm-up.
  std::span<const double> AddIndicator(Series values);
  // As AddIndicator(compute()), through the indicator cache when the run has one. `key` names
  // the computation exactly (the function and every argument, e.g. "sma/close/10"): equal keys
  // must give bit-identical series.
  std::span<const double> SharedIndicator(const std::string& key,
                                          const std::function<Series()>& compute);
  bool HasIndicatorCache() const { return cache_ != nullptr; }

  // Place orders; false (and the run stops) when the order is invalid.
  bool Buy(const OrderRequest& request = {}) { return Place(true, request); }
  bool Sell(const OrderRequest& request = {}) { return Place(false, request); }
  void ClosePosition(double portion = 1.0) { broker_->ClosePosition(portion); }

  double PositionSize() const { return broker_->position_size(); }
  bool InPosition() const { return broker_->position_size() != 0; }
  Broker& broker() { return *broker_; }

  // backtesting.lib.crossover at bar i: a[i-1] < b[i-1] and a[i] > b[i] (NaN never crosses).
  static bool CrossOver(std::span<const double> a, std::span<const double> b, size_t i) {
    return i >= 1 && a[i - 1] < b[i - 1] && a[i] > b[i];
  }

 private:
  bool Place(bool is_buy, const OrderRequest& request);

  const BarSeries* bars_ = nullptr;
  Broker* broker_ = nullptr;
  IndicatorCache* cache_ = nullptr;
  std::vector<Series> indicators_;
  std::vector<std::shared_ptr<const Series>> shared_;  // the cache's series this run uses
  size_t warmup_ = 0;
  Status order_error_;
};

}  // namespace btr
