// The catalogue's entries: names, summaries, typed parameters with defaults and ranges, and the
// checks across parameters (the logic of each strategy is in DESIGN.md and in each engine).
#include "engines/catalogue/catalogue.h"

namespace btr {
namespace {

ParamSpec Period(std::string name, double default_value, std::string help) {
  return {std::move(name), ParamType::kInt, default_value, 1, 100000, std::move(help)};
}

Status CheckFastBelowSlow(const ParamValues& p) {
  if (p.GetInt("fast") >= p.GetInt("slow")) {
    return Status::InvalidArgument(
        "parameter 'fast': must be below 'slow' (got fast=" + std::to_string(p.GetInt("fast")) +
        ", slow=" + std::to_string(p.GetInt("slow")) + ")");
  }
  return Status::Ok();
}

}  // namespace

StrategyInfo SmaCrossInfo() {
  return {"sma_cross",
          "SMA(close) crossover; stop-and-reverse, or long-only with optional SL/TP brackets",
          {Period("fast", 10, "fast SMA period in bars"),
           Period("slow", 20, "slow SMA period in bars"),
           {"long_only", ParamType::kBool, 0, 0, 1,
            "buy on the up-cross when flat, close on the down-cross (no shorts)"},
           {"sl_pct", ParamType::kFloat, 0, 0, 0.99,
            "long_only stop-loss below the signal close, as a fraction (0 = none)"},
           {"tp_pct", ParamType::kFloat, 0, 0, 100,
            "long_only take-profit above the signal close, as a fraction (0 = none)"}},
          CheckFastBelowSlow};
}

StrategyInfo EmaCrossInfo() {
  return {"ema_cross",
          "EMA(close) crossover (mean-seeded EMA); stop-and-reverse",
          {Period("fast", 12, "fast EMA period in bars"),
           Period("slow", 26, "slow EMA period in bars")},
          CheckFastBelowSlow};
}

StrategyInfo MacdCrossInfo() {
  return {
      "macd_cross",
      "MACD line crossing its signal line; stop-and-reverse",
      {Period("fast", 12, "fast EMA period in bars"), Period("slow", 26, "slow EMA period in bars"),
       Period("signal", 9, "signal EMA period in bars")},
      CheckFastBelowSlow};
}

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
          }};
}

StrategyInfo BollingerReversionInfo() {
  return {"bollinger_reversion",
          "buy when flat and close < SMA - k*sigma (population), close when close > SMA",
          {{"period", ParamType::kInt, 20, 2, 100000, "band period in bars"},
           {"k", ParamType::kFloat, 2, 0.01, 100, "band width in standard deviations"}},
          nullptr};
}

StrategyInfo DonchianBreakoutInfo() {
  return {"donchian_breakout",
          "buy when flat and close > highest high of the previous `period` bars; close when "
          "close < their lowest low",
          {{"period", ParamType::kInt, 20, 1, 100000, "channel period in bars"}},
          nullptr};
}

StrategyInfo BuyAndHoldInfo() {
  return {"buy_and_hold", "buy with all equity at the first bar, hold to the end", {}, nullptr};
}

}  // namespace btr
