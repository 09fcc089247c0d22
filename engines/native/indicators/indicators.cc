#include "engines/native/indicators/indicators.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Series NaNs(size_t n) { return Series(n, kNaN); }

// pandas' window-sum state for roll_mean (aggregations.pyx): adds and removes keep separate
// Kahan compensation terms; negative-value and repeated-value counts drive the corrections.
struct PandasMeanWindow {
  double sum = 0, compensation_add = 0, compensation_remove = 0, prev_value = 0;
  long nobs = 0, neg_ct = 0, same_run = 0;

  void Add(double v) {
    if (std::isnan(v)) return;
    ++nobs;
    const double y = v - compensation_add;
    const double t = sum + y;
    compensation_add = t - sum - y;
    sum = t;
    if (std::signbit(v)) ++neg_ct;
    same_run = (v == prev_value) ? same_run + 1 : 1;
    prev_value = v;
  }
  void Remove(double v) {
    if (std::isnan(v)) return;
    --nobs;
    const double y = -v - compensation_remove;
    const double t = sum + y;
    compensation_remove = t - sum - y;
    sum = t;
    if (std::signbit(v)) --neg_ct;
  }
  double Mean(long min_periods) const {
    if (nobs < min_periods || nobs <= 0) return kNaN;
    double result = sum / static_cast<double>(nobs);
    if (same_run >= nobs) {
      result = prev_value;
    } else if (neg_ct == 0 && result < 0) {
      result = 0;
    } else if (neg_ct == nobs && result > 0) {
      result = 0;
    }
    return result;
  }
};

// pandas' online variance state for roll_var.
struct PandasVarWindow {
  double nobs = 0, mean = 0, ssqdm = 0, compensation_add = 0, compensation_remove = 0;
  double prev_value = 0;
  long same_run = 0;

  void Add(double v) {
    if (std::isnan(v)) return;
    same_run = (v == prev_value) ? same_run + 1 : 1;
    prev_value = v;
    nobs += 1;
    const double prev_mean = mean - compensation_add;
    const double y = v - compensation_add;
    const double t = y - mean;
    compensation_add = t + mean - y;
    mean = nobs != 0 ? mean + t / nobs : 0;
    ssqdm += (v - prev_mean) * (v - mean);
  }
  void Remove(double v) {
    if (std::isnan(v)) return;
    nobs -= 1;
    if (nobs != 0) {
      const double prev_mean = mean - compensation_remove;
      const double y = v - compensation_remove;
      const double t = y - mean;
      compensation_remove = t + mean - y;
      mean -= t / nobs;
      ssqdm -= (v - prev_mean) * (v - mean);
    } else {
      mean = 0;
      ssqdm = 0;
    }
  }
  double Var(double min_periods, int ddof) const {
    if (nobs < min_periods || nobs <= ddof) return kNaN;
    if (nobs == 1 || static_cast<double>(same_run) >= nobs) return 0;
    const double v = ssqdm / (nobs - ddof);
    return v < 0 ? 0 : v;
  }
};

template <typename Window>
void SlideFixedWindow(std::span<const double> x, int n, Window& w, auto&& emit) {
  const size_t window = static_cast<size_t>(n);
  for (size_t i = 0; i < x.size(); ++i) {
    if (i >= window) w.Remove(x[i - window]);
    w.Add(x[i]);
    emit(i);
  }
}

template <typename Better>
Series RollingExtreme(std::span<const double> x, int n, Better better) {
  Series out = NaNs(x.size());
  std::deque<size_t> candidates;  // indices with values in "better" order
  const size_t window = static_cast<size_t>(n);
  for (size_t i = 0; i < x.size(); ++i) {
    while (!candidates.empty() && !better(x[candidates.back()], x[i])) candidates.pop_back();
    candidates.push_back(i);
    if (candidates.front() + window <= i) candidates.pop_front();
    if (i + 1 >= window) out[i] = x[candidates.front()];
  }
  return out;
}

}  // namespace

Series Sma(std::span<const double> x, int n) {
  Series out(x.size());
  PandasMeanWindow w;
  SlideFixedWindow(x, n, w, [&](size_t i) { out[i] = w.Mean(n); });
  return out;
}

std::pair<Series, Series> SmaPair(std::span<const double> x, int n1, int n2) {
  // Two independent dependency chains in one loop, so the CPU overlaps them.
  std::pair<Series, Series> out{Series(x.size()), Series(x.size())};
  PandasMeanWindow a, b;
  const size_t wa = static_cast<size_t>(n1), wb = static_cast<size_t>(n2);
  for (size_t i = 0; i < x.size(); ++i) {
    if (i >= wa) a.Remove(x[i - wa]);
    if (i >= wb) b.Remove(x[i - wb]);
    a.Add(x[i]);
    b.Add(x[i]);
    out.first[i] = a.Mean(n1);
    out.second[i] = b.Mean(n2);
  }
  return out;
}

Series RollingStd(std::span<const double> x, int n, int ddof) {
  Series out(x.size());
  PandasVarWindow w;
  SlideFixedWindow(x, n, w, [&](size_t i) { out[i] = std::sqrt(w.Var(n, ddof)); });
  return out;
}

Series Ema(std::span<const double> x, int n) {
  Series out = NaNs(x.size());
  size_t first = 0;
  while (first < x.size() && std::isnan(x[first])) ++first;
  const size_t seed_end = first + static_cast<size_t>(n);  // one past the seed window
  if (seed_end > x.size()) return out;
  double sum = 0;
  for (size_t i = first; i < seed_end; ++i) sum += x[i];
  double ema = sum / n;
  out[seed_end - 1] = ema;
  const double alpha = 2.0 / (n + 1.0);
  for (size_t i = seed_end; i < x.size(); ++i) {
    ema = alpha * x[i] + (1 - alpha) * ema;
    out[i] = ema;
  }
  return out;
}

Series Rsi(std::span<const double> x, int n) {
  Series out = NaNs(x.size());
  const size_t period = static_cast<size_t>(n);
  if (x.size() <= period) return out;
  double gain = 0, loss = 0;
  for (size_t t = 1; t <= period; ++t) {
    const double d = x[t] - x[t - 1];
    gain += d > 0 ? d : 0.0;
    loss += d < 0 ? -d : 0.0;
  }
  gain /= n;
  loss /= n;
  auto rsi = [](double g, double l) {
    if (l == 0) return g == 0 ? 50.0 : 100.0;
    return 100.0 - 100.0 / (1.0 + g / l);
  };
  out[period] = rsi(gain, loss);
  for (size_t t = period + 1; t < x.size(); ++t) {
    const double d = x[t] - x[t - 1];
    gain = ((n - 1) * gain + (d > 0 ? d : 0.0)) / n;
    loss = ((n - 1) * loss + (d < 0 ? -d : 0.0)) / n;
    out[t] = rsi(gain, loss);
  }
  return out;
}

MacdLines Macd(std::span<const double> x, int fast, int slow, int signal) {
  MacdLines lines;
  const Series ema_fast = Ema(x, fast);
  const Series ema_slow = Ema(x, slow);
  lines.macd.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) lines.macd[i] = ema_fast[i] - ema_slow[i];
  lines.signal = Ema(lines.macd, signal);
  lines.histogram.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) lines.histogram[i] = lines.macd[i] - lines.signal[i];
  return lines;
}

BollingerBands Bollinger(std::span<const double> x, int n, double k) {
  BollingerBands b;
  b.middle = Sma(x, n);
  const Series sd = RollingStd(x, n, 0);
  b.upper.resize(x.size());
  b.lower.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    b.upper[i] = b.middle[i] + k * sd[i];
    b.lower[i] = b.middle[i] - k * sd[i];
  }
  return b;
}

Series Atr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
           int n) {
  Series out = NaNs(close.size());
  const size_t period = static_cast<size_t>(n);
  if (close.size() < period) return out;
  auto true_range = [&](size_t t) {
    if (t == 0) return high[0] - low[0];
    return std::max(
        {high[t] - low[t], std::fabs(high[t] - close[t - 1]), std::fabs(low[t] - close[t - 1])});
  };
  double atr = 0;
  for (size_t t = 0; t < period; ++t) atr += true_range(t);
  atr /= n;
  out[period - 1] = atr;
  for (size_t t = period; t < close.size(); ++t) {
    atr = ((n - 1) * atr + true_range(t)) / n;
    out[t] = atr;
  }
  return out;
}

StochasticLines Stochastic(std::span<const double> high, std::span<const double> low,
                           std::span<const double> close, int k_n, int d_n) {
  StochasticLines s;
  const Series hh = RollingMax(high, k_n);
  const Series ll = RollingMin(low, k_n);
  s.k.resize(close.size());
  for (size_t i = 0; i < close.size(); ++i) {
    const double range = hh[i] - ll[i];
    s.k[i] = std::isnan(range) ? kNaN : range == 0 ? 50.0 : 100.0 * (close[i] - ll[i]) / range;
  }
  // The SMA of %K starts once d_n defined %K values exist.
  Series d = NaNs(close.size());
  const size_t first = FirstValidIndex(s.k);
  if (first < close.size()) {
    const Series tail = Sma(std::span<const double>(s.k).subspan(first), d_n);
    for (size_t i = 0; i < tail.size(); ++i) d[first + i] = tail[i];
  }
  s.d = std::move(d);
  return s;
}

Series RollingMax(std::span<const double> x, int n) {
  return RollingExtreme(x, n, [](double kept, double incoming) { return kept > incoming; });
}

Series RollingMin(std::span<const double> x, int n) {
  return RollingExtreme(x, n, [](double kept, double incoming) { return kept < incoming; });
}

DonchianChannel Donchian(std::span<const double> high, std::span<const double> low, int n,
                         bool include_current) {
  DonchianChannel c;
  c.upper = RollingMax(high, n);
  c.lower = RollingMin(low, n);
  if (!include_current) {
    // Shift by one bar: the window is the n bars before the current one.
    c.upper.insert(c.upper.begin(), kNaN);
    c.upper.pop_back();
    c.lower.insert(c.lower.begin(), kNaN);
    c.lower.pop_back();
  }
  return c;
}

size_t FirstValidIndex(std::span<const double> x) {
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isnan(x[i])) return i;
  }
  return 0;
}

}  // namespace btr
