// rsi_reversion and bollinger_reversion: buy weakness when flat, exit on recovery.
#include <memory>
#include <string>

#include "engines/native/indicators/indicators.h"
#include "engines/native/strategies/native_strategies.h"

namespace btr {
namespace {

class RsiReversion final : public Strategy {
 public:
  explicit RsiReversion(const ParamValues& p)
      : period_(p.GetInt("period")), lower_(p.Get("lower")), upper_(p.Get("upper")) {}
  Status Init() override {
    rsi_ = SharedIndicator("rsi/close/" + std::to_string(period_),
                           [&] { return Rsi(close(), period_); });
    return Status::Ok();
  }
  void Next(size_t i) override {
    if (!InPosition() && rsi_[i] < lower_) {
      Buy();
    } else if (InPosition() && rsi_[i] > upper_) {
      ClosePosition();
    }
  }

 private:
  const int period_;
  const double lower_, upper_;
  std::span<const double> rsi_;
};

class BollingerReversion final : public Strategy {
 public:
  explicit BollingerReversion(const ParamValues& p) : period_(p.GetInt("period")), k_(p.Get("k")) {}
  Status Init() override {
    BollingerBands bands = Bollinger(close(), period_, k_);
    middle_ = AddIndicator(std::move(bands.middle));
    AddIndicator(std::move(bands.upper));
    lower_ = AddIndicator(std::move(bands.lower));
    return Status::Ok();
  }
  void Next(size_t i) override {
    const double c = close()[i];
    if (!InPosition() && c < lower_[i]) {
      Buy();
    } else if (InPosition() && c > middle_[i]) {
      ClosePosition();
    }
  }

 private:
  const int period_;
  const double k_;
  std::span<const double> middle_, lower_;
};

}  // namespace

std::unique_ptr<Strategy> MakeRsiReversion(const ParamValues& p) {
  return std::make_unique<RsiReversion>(p);
}

std::unique_ptr<Strategy> MakeBollingerReversion(const ParamValues& p) {
  return std::make_unique<BollingerReversion>(p);
}

}  // namespace btr
