// rsi_reversion and bollinger_reversion: buy weakness when flat, exit on recovery.
#include <memory>

#include "engines/native/indicators/indicators.h"
#include "engines/native/strategies/catalogue.h"

namespace btr {
namespace {

class RsiReversion final : public Strategy {
 public:
  explicit RsiReversion(const ParamValues& p)
      : period_(p.GetInt("period")), lower_(p.Get("lower")), upper_(p.Get("upper")) {}
  Status Init() override {
    rsi_ = AddIndicator(Rsi(close(), period_));
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

StrategyInfo RsiReversionInfo() {
  return {"rsi_reversion",
          "Wilder RSI(close): buy when flat and RSI < lower, close when RSI > upper",
          {{"period", ParamType::kInt, 14, 1, 100000, "RSI period in bars"},
           {"lower", ParamType::kFloat, 30, 0, 100, "buy threshold"},
           {"upper", ParamType::kFloat, 70, 0, 100, "exit threshold"}},
          [](const ParamValues& p) {
            if (p.Get("lower") >= p.Get("upper")) {
              return Status::InvalidArgument("parameter 'lower': must be below 'upper'");
            }
            return Status::Ok();
          },
          [](const ParamValues& p) { return std::make_unique<RsiReversion>(p); }};
}

StrategyInfo BollingerReversionInfo() {
  return {"bollinger_reversion",
          "buy when flat and close < SMA - k*sigma (population), close when close > SMA",
          {{"period", ParamType::kInt, 20, 2, 100000, "band period in bars"},
           {"k", ParamType::kFloat, 2, 0.01, 100, "band width in standard deviations"}},
          nullptr,
          [](const ParamValues& p) { return std::make_unique<BollingerReversion>(p); }};
}

}  // namespace btr
