#include "engines/native/strategy/strategy.h"

#include <algorithm>

#include "engines/native/indicators/indicators.h"

namespace btr {

std::span<const double> Strategy::AddIndicator(Series values) {
  warmup_ = std::max(warmup_, FirstValidIndex(values));
  indicators_.push_back(std::move(values));
  return indicators_.back();
}

std::span<const double> Strategy::SharedIndicator(const std::string& key,
                                                  const std::function<Series()>& compute) {
  if (cache_ == nullptr) return AddIndicator(compute());
  shared_.push_back(cache_->GetOrCompute(key, compute));
  const std::span<const double> values = *shared_.back();
  warmup_ = std::max(warmup_, FirstValidIndex(values));
  return values;
}

std::shared_ptr<const Series> IndicatorCache::GetOrCompute(
    const std::string& key, const std::function<Series()>& compute) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = series_.find(key);
    if (it != series_.end()) {
      it->second.last_use = ++uses_;
      return it->second.series;
    }
  }
  auto computed = std::make_shared<const Series>(compute());
  const size_t size = computed->size() * sizeof(double);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(key);
  if (it != series_.end()) {  // another run computed it meanwhile
    it->second.last_use = ++uses_;
    return it->second.series;
  }
  if (size > max_bytes_) return computed;  // larger than the whole cache: not kept
  while (bytes_ + size > max_bytes_ && !series_.empty()) {
    // Evict the least recently used series (runs still using it keep their reference).
    auto oldest = series_.begin();
    for (auto e = series_.begin(); e != series_.end(); ++e) {
      if (e->second.last_use < oldest->second.last_use) oldest = e;
    }
    bytes_ -= oldest->second.series->size() * sizeof(double);
    series_.erase(oldest);
  }
  bytes_ += size;
  series_.emplace(key, Entry{computed, ++uses_});
  return computed;
}

size_t IndicatorCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

bool Strategy::Place(bool is_buy, const OrderRequest& request) {
  if (failed()) return false;
  Status s = broker_->NewOrder(is_buy, request);
  if (s.ok()) return true;
  order_error_ = std::move(s);
  return false;
}

}  // namespace btr
