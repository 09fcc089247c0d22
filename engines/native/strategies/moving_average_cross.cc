// sma_cross, ema_cross and macd_cross: two lines, trade their crossings (stop-and-reverse).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "engines/native/indicators/crossing.h"
#include "engines/native/indicators/indicators.h"
#include "engines/native/strategies/native_strategies.h"

namespace btr {
namespace {

// Stop-and-reverse on the crossings of `fast_` over `slow_`: close, then buy on an up-cross;
// close, then sell on a down-cross. Subclasses set the two lines in Init().
class LineCross : public Strategy {
 public:
  void Next(size_t i) override {
    if (!Crosses(i)) [[likely]] {
      return;
    }
    const bool up = fast_[i - 1] < slow_[i - 1];  // a crossing: up or down
    if (up) {
      OnUpCross(i);
    } else {
      OnDownCross();
    }
  }
  // Next acts on crossings only: the next one from i. The crossing after it is looked up too,
  // and the row its order fills on (the bar after it) requested from memory: by the time the
  // run gets there, the open, high, low and time the broker reads are in cache. Each bar is
  // scanned once either way.
  size_t NextActiveBar(size_t i, size_t end) const override {
    size_t next = 0;
    if (ahead_from_ <= i && i <= ahead_) {  // no crossing in [ahead_from_, ahead_)
      if (ahead_ < ahead_end_) {
        next = std::min(ahead_, end);  // ahead_ is a crossing
      } else {
        next = end <= ahead_end_ ? end : FirstCrossing(fast_, slow_, ahead_end_, end);
      }
    } else {
      next = FirstCrossing(fast_, slow_, i, end);
    }
    if (next < end) {
      ahead_from_ = next + 1;
      ahead_end_ = end;
      ahead_ = FirstCrossing(fast_, slow_, ahead_from_, end);
      if (ahead_ + 1 < bars().size()) {
        const size_t k = ahead_ + 1;
        __builtin_prefetch(&bars().open[k]);
        __builtin_prefetch(&bars().high[k]);
        __builtin_prefetch(&bars().low[k]);
        __builtin_prefetch(&bars().time[k]);
      }
    }
    return next;
  }

 protected:
  virtual void OnUpCross(size_t /*i*/) {
    ClosePosition();
    Buy();
  }
  virtual void OnDownCross() {
    ClosePosition();
    Sell();
  }

  std::span<const double> fast_, slow_;

 private:
  // The look-ahead of NextActiveBar: the first crossing in [ahead_from_, ahead_end_) is
  // ahead_ (ahead_end_ when none). Empty until the first call.
  mutable size_t ahead_from_ = SIZE_MAX, ahead_ = 0, ahead_end_ = 0;

  // CrossOver(fast, slow) or CrossOver(slow, fast) at i >= 1, evaluated without branches:
  // crossings are rare and unpredictable, the comparisons are not worth a misprediction each.
  bool Crosses(size_t i) const {
    if (i == 0) return false;
    const double f0 = fast_[i - 1], s0 = slow_[i - 1], f1 = fast_[i], s1 = slow_[i];
    const bool up = (f0 < s0) & (f1 > s1);
    const bool down = (s0 < f0) & (s1 > f1);
    return up | down;
  }
};

class SmaCross final : public LineCross {
 public:
  explicit SmaCross(const ParamValues& p)
      : fast_n_(p.GetInt("fast")),
        slow_n_(p.GetInt("slow")),
        long_only_(p.GetBool("long_only")),
        sl_pct_(p.Get("sl_pct")),
        tp_pct_(p.Get("tp_pct")) {}

  Status Init() override {
    if (HasIndicatorCache()) {  // a sweep: each average once for all the runs
      fast_ = SharedIndicator(SmaKey(fast_n_), [&] { return Sma(close(), fast_n_); });
      slow_ = SharedIndicator(SmaKey(slow_n_), [&] { return Sma(close(), slow_n_); });
      return Status::Ok();
    }
    auto [fast, slow] = SmaPair(close(), fast_n_, slow_n_);
    fast_ = AddIndicator(std::move(fast));
    slow_ = AddIndicator(std::move(slow));
    return Status::Ok();
  }
  static std::string SmaKey(int n) { return "sma/close/" + std::to_string(n); }

 private:
  void OnUpCross(size_t i) override {
    if (!long_only_) return LineCross::OnUpCross(i);
    if (InPosition()) return;
    OrderRequest order;
    if (sl_pct_ > 0) order.sl = (1 - sl_pct_) * close()[i];
    if (tp_pct_ > 0) order.tp = (1 + tp_pct_) * close()[i];
    Buy(order);
  }
  void OnDownCross() override {
    if (!long_only_) return LineCross::OnDownCross();
    ClosePosition();
  }

  const int fast_n_, slow_n_;
  const bool long_only_;
  const double sl_pct_, tp_pct_;
};

class EmaCross final : public LineCross {
 public:
  explicit EmaCross(const ParamValues& p) : fast_n_(p.GetInt("fast")), slow_n_(p.GetInt("slow")) {}
  Status Init() override {
    fast_ = SharedIndicator(EmaKey(fast_n_), [&] { return Ema(close(), fast_n_); });
    slow_ = SharedIndicator(EmaKey(slow_n_), [&] { return Ema(close(), slow_n_); });
    return Status::Ok();
  }

 private:
  static std::string EmaKey(int n) { return "ema/close/" + std::to_string(n); }
  const int fast_n_, slow_n_;
};

class MacdCross final : public LineCross {
 public:
  explicit MacdCross(const ParamValues& p)
      : fast_n_(p.GetInt("fast")), slow_n_(p.GetInt("slow")), signal_n_(p.GetInt("signal")) {}
  Status Init() override {
    MacdLines lines = Macd(close(), fast_n_, slow_n_, signal_n_);
    fast_ = AddIndicator(std::move(lines.macd));
    slow_ = AddIndicator(std::move(lines.signal));
    return Status::Ok();
  }

 private:
  const int fast_n_, slow_n_, signal_n_;
};

}  // namespace

std::unique_ptr<Strategy> MakeSmaCross(const ParamValues& p) {
  return std::make_unique<SmaCross>(p);
}

std::unique_ptr<Strategy> MakeEmaCross(const ParamValues& p) {
  return std::make_unique<EmaCross>(p);
}

std::unique_ptr<Strategy> MakeMacdCross(const ParamValues& p) {
  return std::make_unique<MacdCross>(p);
}

}  // namespace btr
