// Technical indicators over whole series, computed once before the bar loop.
//
// Every function returns a series as long as its input, NaN where the indicator is not yet
// defined (the warm-up), and costs O(1) per bar (amortized for the rolling max/min). Inputs are
// prices; periods must be >= 1 (REQUIRES, checked by the strategy parameters). Pure functions,
// thread-safe.
//
// Numerics are part of the contract, because crossovers on tied values decide trades:
//  - Sma reproduces pandas 1.5.3 `Series.rolling(n).mean()` bit for bit (a running window sum
//    with separate Kahan compensation for adds and removes, plus pandas' sign and
//    equal-values corrections).
//  - Ema and Rsi are sequential float64 loops in the exact operation order documented below.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "engines/data/column.h"

namespace btr {

// An indicator series: one value per bar, NaN before it is defined.
using Series = Column<double>;

// Simple moving average, first value at index n-1 (pandas rolling mean, see above).
Series Sma(std::span<const double> x, int n);

// Sma(x, n1) and Sma(x, n2), bit-identical to two Sma calls, about twice as fast.
std::pair<Series, Series> SmaPair(std::span<const double> x, int n1, int n2);

// Rolling standard deviation over n values with `ddof` (0 = population), first value at n-1.
// Welford-style online update as pandas' rolling var (not guaranteed bit-identical).
Series RollingStd(std::span<const double> x, int n, int ddof);

// Exponential moving average with alpha = 2/(n+1). Leading NaNs of `x` are skipped: with the
// first finite value at index f, the EMA starts at f+n-1 with the mean of x[f..f+n-1] (summed
// left to right), then ema_t = alpha*x_t + (1-alpha)*ema_{t-1}.
Series Ema(std::span<const double> x, int n);

// Wilder's RSI on x: changes d_t = x_t - x_{t-1}; the first average gain/loss at index n is the
// left-to-right mean of the first n gains/losses; then avg_t = ((n-1)*avg_{t-1} + g_t)/n.
// RSI = 100 - 100/(1 + avg_gain/avg_loss); 100 when avg_loss == 0; 50 when both are 0.
Series Rsi(std::span<const double> x, int n);

struct MacdLines {
  Series macd;    // Ema(fast) - Ema(slow); first value at slow-1
  Series signal;  // Ema(signal) of macd; first value at slow-1 + signal-1
  Series histogram;
};
MacdLines Macd(std::span<const double> x, int fast, int slow, int signal);

struct BollingerBands {
  Series middle, upper, lower;  // Sma(n) ± k * population std dev; from n-1
};
BollingerBands Bollinger(std::span<const double> x, int n, double k);

// Wilder's average true range. TR_0 = high_0 - low_0; TR_t = max(h-l, |h-c_{t-1}|, |l-c_{t-1}|).
// The first ATR, at n-1, is the mean of TR_0..TR_{n-1}; then ((n-1)*atr + tr)/n.
Series Atr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
           int n);

struct StochasticLines {
  Series k;  // 100 * (c - lowest low) / (highest high - lowest low) over k_n; from k_n-1
  Series d;  // Sma(d_n) of k
};
// %K is 50 when the range is zero.
StochasticLines Stochastic(std::span<const double> high, std::span<const double> low,
                           std::span<const double> close, int k_n, int d_n);

struct DonchianChannel {
  Series upper, lower;
};
// Highest high / lowest low of the n bars before the current one (the current bar excluded), so
// the first value is at index n; with `include_current` the window ends at the current bar and
// the first value is at n-1.
DonchianChannel Donchian(std::span<const double> high, std::span<const double> low, int n,
                         bool include_current = false);

// Rolling max / min over n values ending at each index (first at n-1), via monotonic deques.
Series RollingMax(std::span<const double> x, int n);
Series RollingMin(std::span<const double> x, int n);

// Index of the first non-NaN value; 0 when there is none (backtesting.py's warm-up rule).
size_t FirstValidIndex(std::span<const double> x);

}  // namespace btr
