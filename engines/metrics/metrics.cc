#include "engines/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engines/metrics/fast_log.h"

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Mean(std::span<const double> v) {
  if (v.empty()) return kNaN;
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

// Sample variance with `ddof`, two-pass (pandas nanvar); NaN when there are too few values.
double Variance(std::span<const double> v, int ddof) {
  if (v.size() <= static_cast<size_t>(ddof)) return kNaN;
  const double mean = Mean(v);
  double ss = 0;
  for (double x : v) ss += (mean - x) * (mean - x);
  return ss / static_cast<double>(v.size() - static_cast<size_t>(ddof));
}

// backtesting.py's geometric_mean: exp(mean(log(1 + r))) - 1; 0 when any 1 + r <= 0.
double GeometricMean(std::span<const double> returns) {
  if (returns.empty()) return kNaN;
  double log_sum = 0;
  for (double r : returns) {
    const double growth = (std::isnan(r) ? 0.0 : r) + 1;
    if (growth <= 0) return 0;
    log_sum += std::log(growth);
  }
  return std::exp(log_sum / static_cast<double>(returns.size())) - 1;
}

// The median spacing of the last 100 bars (pandas Series.diff().median()).
TimeNs BarPeriod(std::span<const TimeNs> time) {
  const size_t first = time.size() > 100 ? time.size() - 100 : 0;
  std::vector<TimeNs> diffs;
  for (size_t i = first + 1; i < time.size(); ++i) diffs.push_back(time[i] - time[i - 1]);
  if (diffs.empty()) return 0;
  std::sort(diffs.begin(), diffs.end());
  const size_t mid = diffs.size() / 2;
  if (diffs.size() % 2 == 1) return diffs[mid];
  return static_cast<TimeNs>(
      (static_cast<double>(diffs[mid - 1]) + static_cast<double>(diffs[mid])) / 2);
}

// The finest non-zero unit of a timedelta (pandas Timedelta.resolution_string), in ns.
TimeNs Resolution(TimeNs period) {
  // (unit, number of units in the next coarser one): ns, us, ms, s, min, h.
  static constexpr std::pair<TimeNs, TimeNs> kUnits[] = {{1, 1000},          {1000, 1000},
                                                         {1000000, 1000},    {kNsPerSecond, 60},
                                                         {kNsPerMinute, 60}, {kNsPerHour, 24}};
  for (const auto& [unit, per_coarser] : kUnits) {
    if ((period / unit) % per_coarser != 0) return unit;
  }
  return kNsPerDay;
}

// Rounds a duration (ns, possibly NaN) up to a multiple of `unit`; returns seconds.
double CeilSeconds(double duration_ns, TimeNs unit) {
  if (std::isnan(duration_ns)) return kNaN;
  const double truncated = std::trunc(duration_ns);  // pandas keeps whole nanoseconds
  const double u = static_cast<double>(unit);
  return std::ceil(truncated / u) * u / 1e9;
}

// Consecutive bars on one calendar day: the day (days since epoch), its last bar, its bar count.
struct DayRun {
  int64_t day;
  size_t last;
  size_t bars;
};

// One pass over sorted times; the day is computed only when a bar crosses midnight.
std::vector<DayRun> DayRuns(std::span<const TimeNs> time) {
  std::vector<DayRun> runs;
  TimeNs day_end = std::numeric_limits<TimeNs>::min();
  for (size_t i = 0; i < time.size(); ++i) {
    if (time[i] >= day_end) {
      const int64_t day = DayNumber(time[i]);
      runs.push_back({day, i, 0});
      day_end = (day + 1) * kNsPerDay;
    }
    runs.back().last = i;
    ++runs.back().bars;
  }
  return runs;
}

// Sampling period of the equity curve and its grouping key for a day number.
struct Sampling {
  const char* name;
  int64_t (*key)(int64_t day);
};

Sampling ChooseSampling(int64_t freq_days) {
  switch (freq_days) {
    case 7:  // weeks ending on Sunday
      return {"W", [](int64_t day) { return day - DayOfWeek(day * kNsPerDay); }};
    case 31:
      return {"ME", [](int64_t day) {
                const CivilTime c = ToCivil(day * kNsPerDay);
                return static_cast<int64_t>(c.year) * 12 + c.month;
              }};
    case 365:
      return {"YE",
              [](int64_t day) { return static_cast<int64_t>(ToCivil(day * kNsPerDay).year); }};
    default:
      return {"D", [](int64_t day) { return day; }};
  }
}

// Simple returns between the last equity of consecutive sampling periods that have bars;
// 0/0 (a busted account) is dropped as pandas' pct_change().dropna() does.
std::vector<double> PeriodReturns(const std::vector<DayRun>& days, std::span<const double> equity,
                                  const Sampling& sampling) {
  std::vector<double> last_values;
  int64_t current = 0;
  for (size_t k = 0; k < days.size(); ++k) {
    const int64_t key = sampling.key(days[k].day);
    if (k == 0 || key != current) {
      last_values.push_back(equity[days[k].last]);
      current = key;
    } else {
      last_values.back() = equity[days[k].last];
    }
  }
  std::vector<double> returns;
  for (size_t k = 1; k < last_values.size(); ++k) {
    const double r = last_values[k] / last_values[k - 1] - 1;
    if (!std::isnan(r)) returns.push_back(r);
  }
  return returns;
}

struct DrawdownStats {
  double max = 0;
  double avg = kNaN;
  double max_duration_ns = kNaN;
  double avg_duration_ns = kNaN;
};

// Episodes run between consecutive bars at a running peak (dd == 0 exactly), the last bar
// closing the final one; each has the depth of its deepest bar.
DrawdownStats Drawdowns(std::span<const TimeNs> time, std::span<const double> equity) {
  DrawdownStats s;
  const size_t n = equity.size();
  double peak = -std::numeric_limits<double>::infinity();
  size_t last_zero = 0;
  bool have_zero = false;
  double depth_since_zero = 0;
  double depth_sum = 0, duration_sum = 0;
  size_t episodes = 0;
  double max_duration = -1;
  auto close_episode = [&](size_t q, double depth) {
    if (!have_zero || q <= last_zero + 1) return;
    const double duration = static_cast<double>(time[q] - time[last_zero]);
    depth_sum += depth;
    duration_sum += duration;
    max_duration = std::max(max_duration, duration);
    ++episodes;
  };
  for (size_t j = 0; j < n; ++j) {
    peak = std::max(peak, equity[j]);
    const double dd = 1 - equity[j] / peak;
    if (!std::isnan(dd)) s.max = std::max(s.max, dd);
    if (dd == 0) {
      close_episode(j, std::max(depth_since_zero, 0.0));
      last_zero = j;
      have_zero = true;
      depth_since_zero = 0;
    } else if (!std::isnan(dd)) {
      depth_since_zero = std::max(depth_since_zero, dd);
    }
    if (j == n - 1 && dd != 0) close_episode(j, depth_since_zero);
  }
  if (episodes > 0) {
    s.avg = depth_sum / static_cast<double>(episodes);
    s.max_duration_ns = max_duration;
    s.avg_duration_ns = duration_sum / static_cast<double>(episodes);
  } else if (n > 0 && depth_since_zero > 0) {
    s.avg = depth_since_zero;  // only the last bar is below its peak: no episode, one depth
  }
  return s;
}

// Bars covered by at least one trade's [entry_bar, exit_bar], ends included.
size_t ExposedBars(std::span<const TradeRecord> trades) {
  std::vector<std::pair<long, long>> spans;
  spans.reserve(trades.size());
  for (const TradeRecord& t : trades) spans.emplace_back(t.entry_bar, t.exit_bar);
  std::sort(spans.begin(), spans.end());
  size_t covered = 0;
  long end = -1;  // last covered bar so far
  for (const auto& [a, b] : spans) {
    const long from = std::max(a, end + 1);
    if (b >= from) {
      covered += static_cast<size_t>(b - from + 1);
      end = b;
    }
  }
  return covered;
}

// cov(e, m) / var(m) of the bar log returns e = ln(E_j/E_j-1), m = ln(c_j/c_j-1) (np.cov,
// ddof 1), from running sums over blocks so no per-bar arrays are kept.
double Beta(std::span<const double> equity, std::span<const double> close) {
  if (close.size() != equity.size() || equity.size() < 3) return kNaN;
  const size_t n = equity.size() - 1;
  constexpr size_t kBlock = 512;
  double e[kBlock], m[kBlock];
  double se = 0, sm = 0, sem = 0, smm = 0;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t len = std::min(kBlock, n - start);
    for (size_t k = 0; k < len; ++k) {
      e[k] = equity[start + k + 1] / equity[start + k];
      m[k] = close[start + k + 1] / close[start + k];
    }
    LogInPlace({e, len});
    LogInPlace({m, len});
    for (size_t k = 0; k < len; ++k) {
      se += e[k];
      sm += m[k];
      sem += e[k] * m[k];
      smm += m[k] * m[k];
    }
  }
  const double count = static_cast<double>(n);
  const double cov = (sem - se * sm / count) / (count - 1);
  const double var = (smm - sm * sm / count) / (count - 1);
  return cov / var;
}

void TradeMetrics(std::span<const TradeRecord> trades, TimeNs resolution, Metrics& m) {
  const size_t n = trades.size();
  m.num_trades = static_cast<double>(n);
  std::vector<double> returns, pnl;
  double wins = 0, gain_sum = 0, loss_sum = 0, max_duration = kNaN, duration_sum = 0;
  double win_pnl = 0, loss_pnl = 0, win_count = 0, loss_count = 0;
  m.commissions = 0;
  m.best_trade = m.worst_trade = kNaN;
  for (const TradeRecord& t : trades) {
    returns.push_back(t.return_pct);
    pnl.push_back(t.pnl);
    m.commissions += t.commission;
    if (t.pnl > 0) wins += 1, win_pnl += t.pnl, win_count += 1;
    if (t.pnl < 0) loss_pnl += t.pnl, loss_count += 1;
    if (t.return_pct > 0) gain_sum += t.return_pct;
    if (t.return_pct < 0) loss_sum += t.return_pct;
    m.best_trade = std::isnan(m.best_trade) ? t.return_pct : std::max(m.best_trade, t.return_pct);
    m.worst_trade =
        std::isnan(m.worst_trade) ? t.return_pct : std::min(m.worst_trade, t.return_pct);
    const double duration = static_cast<double>(t.exit_time - t.entry_time);
    max_duration = std::isnan(max_duration) ? duration : std::max(max_duration, duration);
    duration_sum += duration;
  }
  const double count = static_cast<double>(n);
  m.win_rate = n == 0 ? kNaN : wins / count;
  m.avg_trade = GeometricMean(returns);
  m.max_trade_duration_s = CeilSeconds(max_duration, resolution);
  m.avg_trade_duration_s = CeilSeconds(n == 0 ? kNaN : duration_sum / count, resolution);
  m.profit_factor = loss_sum == 0 ? kNaN : gain_sum / std::fabs(loss_sum);
  m.expectancy = Mean(returns);
  const double sd = std::sqrt(Variance(pnl, 1));
  m.sqn = std::sqrt(count) * Mean(pnl) / (sd == 0 ? kNaN : sd);
  const double avg_win = win_count == 0 ? kNaN : win_pnl / win_count;
  const double avg_loss = loss_count == 0 ? kNaN : -loss_pnl / loss_count;
  m.kelly = m.win_rate - (1 - m.win_rate) / (avg_win / avg_loss);
}

}  // namespace

std::vector<double> DrawdownSeries(std::span<const double> equity) {
  std::vector<double> dd(equity.size());
  double peak = -std::numeric_limits<double>::infinity();
  for (size_t j = 0; j < equity.size(); ++j) {
    peak = std::max(peak, equity[j]);
    dd[j] = 1 - equity[j] / peak;
  }
  return dd;
}

Metrics ComputeMetrics(const MetricsInput& in) {
  Metrics m;
  const size_t n = in.equity.size();
  const std::span<const double> equity = in.equity;
  const TimeNs period = BarPeriod(in.time);
  const TimeNs resolution = period > 0 ? Resolution(period) : kNsPerDay;
  m.start = in.time.front();
  m.end = in.time.back();
  const TimeNs duration = m.end - m.start;
  m.duration_s = static_cast<double>(duration) / 1e9;

  m.exposure_time = static_cast<double>(ExposedBars(in.trades)) / static_cast<double>(n);
  m.equity_final = equity[n - 1];
  m.equity_peak = *std::max_element(equity.begin(), equity.end());
  m.total_return = (equity[n - 1] - equity[0]) / equity[0];
  if (in.close.size() == n && in.first_trading_bar < n) {
    const double base = in.close[in.first_trading_bar];
    m.buy_hold_return = (in.close[n - 1] - base) / base;
  } else {
    m.buy_hold_return = kNaN;
  }

  // Annualization: from the bar spacing and the share of weekend bars.
  const int64_t freq_days = period / kNsPerDay;
  const std::vector<DayRun> days = DayRuns(in.time);
  size_t weekend_bars = 0;
  for (const DayRun& d : days) weekend_bars += DayOfWeek(d.day * kNsPerDay) >= 5 ? d.bars : 0;
  const bool has_weekends =
      static_cast<double>(weekend_bars) / static_cast<double>(n) > 2.0 / 7 * .6;
  double periods = freq_days == 7     ? 52
                   : freq_days == 31  ? 12
                   : freq_days == 365 ? 1
                   : has_weekends     ? 365
                                      : 252;
  if (in.annualization_override > 0) periods = in.annualization_override;
  const Sampling sampling = ChooseSampling(freq_days);
  const std::vector<double> r = PeriodReturns(days, equity, sampling);
  const double g = GeometricMean(r);
  const double rf = in.risk_free_rate;
  m.annual_return = std::pow(1 + g, periods) - 1;
  m.annual_volatility = std::sqrt(std::pow(Variance(r, 1) + std::pow(1 + g, 2), periods) -
                                  std::pow(1 + g, 2 * periods));
  const double years = (static_cast<double>(duration / kNsPerDay) +
                        static_cast<double>((duration % kNsPerDay) / kNsPerSecond) / 86400) /
                       365.25;
  m.cagr = years != 0 ? std::pow(m.equity_final / equity[0], 1 / years) - 1 : kNaN;
  m.sharpe_ratio = (m.annual_return - rf) / (m.annual_volatility == 0 ? kNaN : m.annual_volatility);
  double downside = 0;
  for (double x : r) downside += std::min(x, 0.0) * std::min(x, 0.0);
  downside = r.empty() ? kNaN : std::sqrt(downside / static_cast<double>(r.size()));
  m.sortino_ratio = (m.annual_return - rf) / (downside * std::sqrt(periods));

  const DrawdownStats dd = Drawdowns(in.time, equity);
  m.max_drawdown = dd.max;
  m.avg_drawdown = dd.avg;
  m.max_drawdown_duration_s = CeilSeconds(dd.max_duration_ns, resolution);
  m.avg_drawdown_duration_s = CeilSeconds(dd.avg_duration_ns, resolution);
  m.calmar_ratio = m.annual_return / (m.max_drawdown == 0 ? kNaN : m.max_drawdown);
  m.beta = Beta(equity, in.close);
  m.alpha = m.total_return - rf - m.beta * (m.buy_hold_return - rf);

  TradeMetrics(in.trades, resolution, m);

  m.conventions.annualization_periods = periods;
  m.conventions.risk_free_rate = rf;
  m.conventions.return_sampling = sampling.name;
  m.conventions.bar_period_ns = period;
  m.conventions.duration_resolution_ns = resolution;
  return m;
}

std::vector<std::pair<std::string_view, double>> MetricsFields(const Metrics& m) {
  return {
      {"duration_s", m.duration_s},
      {"exposure_time", m.exposure_time},
      {"equity_final", m.equity_final},
      {"equity_peak", m.equity_peak},
      {"commissions", m.commissions},
      {"total_return", m.total_return},
      {"buy_hold_return", m.buy_hold_return},
      {"cagr", m.cagr},
      {"annual_return", m.annual_return},
      {"annual_volatility", m.annual_volatility},
      {"sharpe_ratio", m.sharpe_ratio},
      {"sortino_ratio", m.sortino_ratio},
      {"calmar_ratio", m.calmar_ratio},
      {"alpha", m.alpha},
      {"beta", m.beta},
      {"max_drawdown", m.max_drawdown},
      {"avg_drawdown", m.avg_drawdown},
      {"max_drawdown_duration_s", m.max_drawdown_duration_s},
      {"avg_drawdown_duration_s", m.avg_drawdown_duration_s},
      {"num_trades", m.num_trades},
      {"win_rate", m.win_rate},
      {"best_trade", m.best_trade},
      {"worst_trade", m.worst_trade},
      {"avg_trade", m.avg_trade},
      {"max_trade_duration_s", m.max_trade_duration_s},
      {"avg_trade_duration_s", m.avg_trade_duration_s},
      {"profit_factor", m.profit_factor},
      {"expectancy", m.expectancy},
      {"sqn", m.sqn},
      {"kelly", m.kelly},
  };
}

}  // namespace btr
