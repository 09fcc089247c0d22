// donchian_breakout and buy_and_hold.
#include <memory>

#include "engines/native/indicators/indicators.h"
#include "engines/native/strategies/native_strategies.h"

namespace btr {
namespace {

class DonchianBreakout final : public Strategy {
 public:
  explicit DonchianBreakout(const ParamValues& p) : period_(p.GetInt("period")) {}
  Status Init() override {
    DonchianChannel channel = Donchian(bars().high, bars().low, period_);
    upper_ = AddIndicator(std::move(channel.upper));
    lower_ = AddIndicator(std::move(channel.lower));
    return Status::Ok();
  }
  void Next(size_t i) override {
    const double c = close()[i];
    if (!InPosition() && c > upper_[i]) {
      Buy();
    } else if (InPosition() && c < lower_[i]) {
      ClosePosition();
    }
  }

 private:
  const int period_;
  std::span<const double> upper_, lower_;
};

class BuyAndHold final : public Strategy {
 public:
  Status Init() override { return Status::Ok(); }
  void Next(size_t /*i*/) override {
    if (!bought_) Buy();
    bought_ = true;
  }

 private:
  bool bought_ = false;
};

}  // namespace

std::unique_ptr<Strategy> MakeDonchianBreakout(const ParamValues& p) {
  return std::make_unique<DonchianBreakout>(p);
}

std::unique_ptr<Strategy> MakeBuyAndHold(const ParamValues&) {
  return std::make_unique<BuyAndHold>();
}

}  // namespace btr
