#include "engines/native/strategy/strategy.h"

#include <algorithm>

#include "engines/native/indicators/indicators.h"

namespace btr {

std::span<const double> Strategy::AddIndicator(Series values) {
  warmup_ = std::max(warmup_, FirstValidIndex(values));
  indicators_.push_back(std::move(values));
  return indicators_.back();
}

bool Strategy::Place(bool is_buy, const OrderRequest& request) {
  if (failed()) return false;
  Status s = broker_->NewOrder(is_buy, request);
  if (s.ok()) return true;
  order_error_ = std::move(s);
  return false;
}

}  // namespace btr
