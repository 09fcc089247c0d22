// Synthetic 1-minute OHLCV bars from geometric Brownian motion, per
// shared/reference/gbm_recipe.md, reproduced bit for bit (the 100,000-bar CSV written by
// WriteBarsCsv has sha256 bc603d00...1812). Also the CSV writer used for such files.
//
// The generator is counter-based (SplitMix64 draw k depends only on the seed and k), so the
// n-bar series is exactly the first n bars of any longer one. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/status.h"
#include "engines/data/bars.h"

namespace btr {

// Defaults are the recipe's values.
struct GbmParams {
  uint64_t seed = 20240601;
  double s0 = 100.0;                            // first open price
  double mu = 0.05;                             // annual drift
  double sigma = 0.20;                          // annual volatility
  double dt = 1.0 / (365.0 * 24 * 60);          // years per bar (one minute of a 24/7 calendar)
  double wick = 0.5;                            // high/low wick scale
  TimeNs start = 1'577'836'800 * kNsPerSecond;  // 2020-01-01 00:00:00
  TimeNs step = kNsPerMinute;                   // time between bars
};

// Generates n bars. Prices are returned exactly as the CSV reads back: each is the double
// nearest to its "%.4f" text (the recipe's backtests run on the CSV). Volume is the recipe's
// integer 1000 + floor(1000 * U); has_volume is true; the symbol is "GBM".
BarSeries GenerateGbmBars(size_t n, const GbmParams& p = {});

// Writes bars as CSV: header "Time,Open,High,Low,Close,Volume" (no Volume column when
// !has_volume), times "YYYY-MM-DD HH:MM:SS" (sub-second parts are dropped), prices with
// `price_decimals` digits after the point, correctly rounded like C's "%.*f", volume as an
// integer when it is a whole number below 2^53 and in shortest round-trip form otherwise; LF line
// ends, a final newline. Buffered; the file is replaced atomically (temp file + rename).
// Errors: kInvalidArgument naming the path ("out.csv: cannot write: No space left on device").
Status WriteBarsCsv(const BarSeries& bars, const std::string& path, int price_decimals = 4);

// The same CSV text, appended to *out.
void AppendBarsCsv(const BarSeries& bars, int price_decimals, std::string* out);

}  // namespace btr
