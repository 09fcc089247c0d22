// Trade: one closed (or still open) position leg as every engine reports it.
// Units: size in signed units (+ long, - short); prices in quote currency; return_pct a
// fraction (0.01 = 1 %); bars are 0-based row numbers in the dataset; times TimeNs.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "engines/core/time.h"

namespace btr {

inline constexpr double kNoPrice = std::numeric_limits<double>::quiet_NaN();

struct TradeRecord {
  double size = 0;
  long entry_bar = -1;
  long exit_bar = -1;  // -1 while open
  double entry_price = 0;
  double exit_price = kNoPrice;  // NaN while open
  TimeNs entry_time = 0;
  TimeNs exit_time = 0;
  double pnl = 0;         // after commission; for an open trade: unrealized at the last close
  double return_pct = 0;  // fraction, relative to the (spread-adjusted) entry price
  double commission = 0;  // entry + exit
  double sl = kNoPrice;   // NaN when none
  double tp = kNoPrice;   // NaN when none
  std::string tag;

  bool is_open() const { return exit_bar < 0; }
};

}  // namespace btr
