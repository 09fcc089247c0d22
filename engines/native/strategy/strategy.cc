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
  std::span<const double> values = cache_->GetOrCompute(key, compute, &indicators_);
  warmup_ = std::max(warmup_, FirstValidIndex(values));
  return values;
}

std::span<const double> IndicatorCache::GetOrCompute(const std::string& key,
                                                     const std::function<Series()>& compute,
                                                     std::vector<Series>* owner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
  }
  auto computed = std::make_unique<Series>(compute());
  const size_t size = computed->size() * sizeof(double);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(key);
  if (it != series_.end()) return *it->second;
  if (bytes_ + size > max_bytes_) {
    owner->push_back(std::move(*computed));
    return owner->back();
  }
  bytes_ += size;
  return *series_.emplace(key, std::move(computed)).first->second;
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
