#include "engines/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "engines/core/lane_sum.h"
#include "engines/metrics/fast_log.h"

namespace btr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double Mean(std::span<const double> v) {
  if (v.empty()) return kNaN;
  return LaneSum(v.size(), [&](size_t i) { return v[i]; }) / static_cast<double>(v.size());
}

// Sample variance with `ddof`, two-pass (pandas nanvar); NaN when there are too few values.
double Variance(std::span<const double> v, int ddof) {
  if (v.size() <= static_cast<size_t>(ddof)) return kNaN;
  const double mean = Mean(v);
  const double ss = LaneSum(v.size(), [&](size_t i) { return (mean - v[i]) * (mean - v[i]); });
  return ss / static_cast<double>(v.size() - static_cast<size_t>(ddof));
}

// backtesting.py's geometric_mean: exp(mean(log(1 + r))) - 1; 0 when any 1 + r <= 0. The logs
// are taken a block at a time (LogInPlace).
double GeometricMean(std::span<const double> returns) {
  if (returns.empty()) return kNaN;
  constexpr size_t kBlock = 512;
  double growth[kBlock];
  double log_sum = 0;
  for (size_t start = 0; start < returns.size(); start += kBlock) {
    const size_t len = std::min(kBlock, returns.size() - start);
    bool ruined = false;
    for (size_t k = 0; k < len; ++k) {
      const double r = returns[start + k];
      growth[k] = (std::isnan(r) ? 0.0 : r) + 1;
      ruined |= !(growth[k] > 0);
    }
    if (ruined) return 0;
    LogInPlace({growth, len});
    log_sum += LaneSum(len, [&](size_t k) { return growth[k]; });
  }
  return std::exp(log_sum / static_cast<double>(returns.size())) - 1;
}

// Rounds a duration (ns, possibly NaN) up to a multiple of `unit`; returns seconds.
double CeilSeconds(double duration_ns, TimeNs unit) {
  if (std::isnan(duration_ns)) return kNaN;
  const double truncated = std::trunc(duration_ns);  // pandas keeps whole nanoseconds
  const double u = static_cast<double>(unit);
  return std::ceil(truncated / u) * u / 1e9;
}

// Simple returns between the equity at consecutive period ends; 0/0 (a busted account) is
// dropped as pandas' pct_change().dropna() does. With one period per bar (`bar_ratios` then
// holds every E[j+1] / E[j]) the ratios are reused.
std::vector<double> PeriodReturns(std::span<const size_t> period_ends,
                                  std::span<const double> equity,
                                  std::span<const double> bar_ratios) {
  std::vector<double> returns(period_ends.empty() ? 0 : period_ends.size() - 1);
  if (period_ends.size() == equity.size()) {
    for (size_t k = 0; k < returns.size(); ++k) returns[k] = bar_ratios[k] - 1;
  } else {
    for (size_t k = 0; k < returns.size(); ++k) {
      returns[k] = equity[period_ends[k + 1]] / equity[period_ends[k]] - 1;
    }
  }
  std::erase_if(returns, [](double r) { return std::isnan(r); });
  return returns;
}

struct DrawdownStats {
  double peak = -std::numeric_limits<double>::infinity();  // the highest equity (NaN skipped)
  double max = 0;
  double avg = kNaN;
  double max_duration_ns = kNaN;
  double avg_duration_ns = kNaN;
};

// Accumulates drawdown episodes: each runs from a bar at the running peak to the next one (or
// the last bar), with the depth of its deepest bar.
class EpisodeSums {
 public:
  void Close(double duration_ns, double depth) {
    depth_sum_ += depth;
    duration_sum_ += duration_ns;
    max_duration_ = std::max(max_duration_, duration_ns);
    ++count_;
  }
  // Fills avg, max_duration_ns and avg_duration_ns; `open_depth` is the depth since the last
  // peak bar, the average when no episode closed.
  void Finish(size_t bars, double open_depth, DrawdownStats* s) const {
    if (count_ > 0) {
      s->avg = depth_sum_ / static_cast<double>(count_);
      s->max_duration_ns = max_duration_;
      s->avg_duration_ns = duration_sum_ / static_cast<double>(count_);
    } else if (bars > 0 && open_depth > 0) {
      s->avg = open_depth;  // only the last bar is below its peak: no episode, one depth
    }
  }

 private:
  double depth_sum_ = 0, duration_sum_ = 0, max_duration_ = -1;
  size_t count_ = 0;
};

// Episodes run between consecutive bars at a running peak (dd == 0 exactly), the last bar
// closing the final one; each has the depth of its deepest bar. The loop keeps its state in
// locals (std::max(x, NaN) is x, so NaN drawdowns change nothing).
DrawdownStats DrawdownsPerBar(std::span<const TimeNs> time, std::span<const double> equity) {
  const size_t n = equity.size();
  double peak = -std::numeric_limits<double>::infinity();
  double max_dd = 0, depth = 0, last_dd = 0;  // depth: the deepest since the last peak bar
  size_t last_zero = 0;
  bool have_zero = false;
  EpisodeSums episodes;
  auto close_episode = [&](size_t q, double episode_depth) {
    episodes.Close(static_cast<double>(time[q] - time[last_zero]), episode_depth);
  };
  for (size_t j = 0; j < n; ++j) {
    peak = std::max(peak, equity[j]);
    last_dd = 1 - equity[j] / peak;
    max_dd = std::max(max_dd, last_dd);
    if (last_dd == 0) {
      if (have_zero && j > last_zero + 1) close_episode(j, std::max(depth, 0.0));
      last_zero = j;
      have_zero = true;
      depth = 0;
    } else {
      depth = std::max(depth, last_dd);
    }
  }
  if (n > 0 && last_dd != 0 && have_zero && n - 1 > last_zero + 1) close_episode(n - 1, depth);

  DrawdownStats s;
  s.peak = peak;
  s.max = max_dd;
  episodes.Finish(n, depth, &s);
  return s;
}

// DrawdownsPerBar without a division per bar. Between two peak bars the peak is fixed, so the
// deepest bar is the lowest equity (x / peak is monotonic in x, and below the peak it is < 1):
// one division per episode gives the same bits. Needs every peak bar positive and finite
// (1 - e / e == 0); nullopt otherwise.
std::optional<DrawdownStats> DrawdownsByTroughs(std::span<const TimeNs> time,
                                                std::span<const double> equity) {
  const size_t n = equity.size();
  double peak = -kInf, trough = kInf;  // trough: the lowest equity since the last peak bar
  double max_dd = 0;
  size_t last_zero = 0;
  bool have_zero = false;
  EpisodeSums episodes;
  auto depth = [&] { return trough == kInf ? 0.0 : 1 - trough / peak; };
  for (size_t j = 0;; ++j) {
    // The bars below the peak only lower the trough (a NaN bar changes nothing).
    j = MinUntilAtLeast(equity, j, peak, &trough);
    if (j >= n) break;
    const double e = equity[j];  // a new peak (or a tie)
    if (!(e > 0 && e < kInf)) return std::nullopt;
    if (have_zero && j > last_zero + 1) {
      episodes.Close(static_cast<double>(time[j] - time[last_zero]), depth());
    }
    max_dd = std::max(max_dd, depth());
    peak = e;
    trough = kInf;
    last_zero = j;
    have_zero = true;
  }
  const double open_depth = depth();
  max_dd = std::max(max_dd, open_depth);
  if (n > 0 && last_zero != n - 1 && have_zero && n - 1 > last_zero + 1) {
    episodes.Close(static_cast<double>(time[n - 1] - time[last_zero]), open_depth);
  }
  DrawdownStats s;
  s.peak = peak;
  s.max = max_dd;
  episodes.Finish(n, open_depth, &s);
  return s;
}

DrawdownStats Drawdowns(std::span<const TimeNs> time, std::span<const double> equity) {
  std::optional<DrawdownStats> fast = DrawdownsByTroughs(time, equity);
  return fast ? *fast : DrawdownsPerBar(time, equity);
}

// Bars covered by at least one trade's [entry_bar, exit_bar], ends included.
size_t ExposedBars(std::span<const TradeRecord> trades) {
  std::vector<std::pair<long, long>> spans;
  spans.reserve(trades.size());
  for (const TradeRecord& t : trades) spans.emplace_back(t.entry_bar, t.exit_bar);
  if (!std::is_sorted(spans.begin(), spans.end())) std::sort(spans.begin(), spans.end());
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

// The sums beta needs, sum(e) and sum(e * m), in LaneSum's four lanes.
struct BetaLanes {
  double e[4] = {0, 0, 0, 0}, em[4] = {0, 0, 0, 0};

  // Adds e[k] and e[k] * m[k]; the span must start at an index that is a multiple of 4 of the
  // whole series (so each value lands in the lane of its index, as LaneSum puts it).
  void Add(std::span<const double> ev, std::span<const double> mv) {
    size_t k = 0;
    for (; k + 4 <= ev.size(); k += 4) {
      for (size_t l = 0; l < 4; ++l) {
        e[l] += ev[k + l];
        em[l] += ev[k + l] * mv[k + l];
      }
    }
    for (size_t l = 0; k < ev.size(); ++k, ++l) {
      e[l] += ev[k];
      em[l] += ev[k] * mv[k];
    }
  }
  // cov(e, m) / var(m) (np.cov, ddof 1) over `count` values.
  double Beta(const MetricsBasis& basis, size_t count) const {
    const double se = (e[0] + e[1]) + (e[2] + e[3]);
    const double sem = (em[0] + em[1]) + (em[2] + em[3]);
    const double c = static_cast<double>(count);
    const double cov = (sem - se * basis.market_sum / c) / (c - 1);
    const double var =
        (basis.market_sum_squares - basis.market_sum * basis.market_sum / c) / (c - 1);
    return cov / var;
  }
};

// Beta of the bar log returns e = ln(E_j/E_j-1) on m = ln(c_j/c_j-1) (m and its sums from the
// basis), from the logs already taken.
double Beta(std::span<const double> equity_log_ratios, const MetricsBasis& basis) {
  const std::span<const double> m = basis.market_log_returns;
  if (m.empty() || m.size() != equity_log_ratios.size()) return kNaN;
  BetaLanes lanes;
  lanes.Add(equity_log_ratios, m);
  return lanes.Beta(basis, m.size());
}

// The same from the equity, a block at a time (ratios, logs and sums while the block is in
// cache; no series-long arrays): the same bits, as LogInPlace and the lanes see each value at
// the same position.
double BetaOfEquity(std::span<const double> equity, const MetricsBasis& basis) {
  const std::span<const double> m = basis.market_log_returns;
  if (m.empty() || m.size() + 1 != equity.size()) return kNaN;
  constexpr size_t kBlock = 512;  // a multiple of 4
  double e[kBlock];
  BetaLanes lanes;
  for (size_t start = 0; start < m.size(); start += kBlock) {
    const size_t len = std::min(kBlock, m.size() - start);
    AdjacentRatios(equity.subspan(start, len + 1), {e, len});
    LogInPlace({e, len});
    lanes.Add({e, len}, m.subspan(start, len));
  }
  return lanes.Beta(basis, m.size());
}

// The equity's bar-to-bar ratios E[j+1] / E[j], j = 0..N-2, and their logs (one period per
// bar: the period returns' growth factors, whose logs beta regresses too).
struct BarRatios {
  std::vector<double> ratio, log_ratio;
  bool all_positive = true;  // every ratio finite and > 0 (so every log is finite)
};

BarRatios BarRatiosOf(std::span<const double> equity) {
  BarRatios out;
  if (equity.size() < 2) return out;
  out.ratio.resize(equity.size() - 1);
  AdjacentRatios(equity, out.ratio);
  for (double q : out.ratio) out.all_positive &= q > 0 && q < kInf;
  out.log_ratio = out.ratio;
  LogInPlace(out.log_ratio);
  return out;
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
  return ComputeMetrics(in, PrepareMetricsBasis(in.time, in.close));
}

Metrics ComputeMetrics(const MetricsInput& in, const MetricsBasis& basis) {
  Metrics m;
  const size_t n = in.equity.size();
  const std::span<const double> equity = in.equity;
  const TimeNs resolution = basis.resolution;
  m.start = in.time.front();
  m.end = in.time.back();
  const TimeNs duration = m.end - m.start;
  m.duration_s = static_cast<double>(duration) / 1e9;

  m.exposure_time = static_cast<double>(ExposedBars(in.trades)) / static_cast<double>(n);
  m.equity_final = equity[n - 1];
  m.total_return = (equity[n - 1] - equity[0]) / equity[0];
  if (in.close.size() == n && in.first_trading_bar < n) {
    const double base = in.close[in.first_trading_bar];
    m.buy_hold_return = (in.close[n - 1] - base) / base;
  } else {
    m.buy_hold_return = kNaN;
  }

  const double periods =
      in.annualization_override > 0 ? in.annualization_override : basis.periods_per_year;
  // With one period per bar, 1 + r is the bar ratio, whose logs beta needs too.
  const bool bar_periods = basis.period_ends.size() == n;
  // Intraday bars: beta in one blocked pass, no series-long ratio arrays.
  const BarRatios bar = bar_periods ? BarRatiosOf(equity) : BarRatios{};
  const std::vector<double> r = PeriodReturns(basis.period_ends, equity, bar.ratio);
  const bool bar_logs = bar_periods && bar.all_positive && n >= 2;
  const double g = bar_logs ? std::exp(LaneSum(n - 1, [&](size_t j) { return bar.log_ratio[j]; }) /
                                       static_cast<double>(n - 1)) -
                                  1
                            : GeometricMean(r);
  const double rf = in.risk_free_rate;
  m.annual_return = std::pow(1 + g, periods) - 1;
  m.annual_volatility = std::sqrt(std::pow(Variance(r, 1) + std::pow(1 + g, 2), periods) -
                                  std::pow(1 + g, 2 * periods));
  const double years = (static_cast<double>(duration / kNsPerDay) +
                        static_cast<double>((duration % kNsPerDay) / kNsPerSecond) / 86400) /
                       365.25;
  m.cagr = years != 0 ? std::pow(m.equity_final / equity[0], 1 / years) - 1 : kNaN;
  m.sharpe_ratio = (m.annual_return - rf) / (m.annual_volatility == 0 ? kNaN : m.annual_volatility);
  double downside =
      LaneSum(r.size(), [&](size_t i) { return std::min(r[i], 0.0) * std::min(r[i], 0.0); });
  downside = r.empty() ? kNaN : std::sqrt(downside / static_cast<double>(r.size()));
  m.sortino_ratio = (m.annual_return - rf) / (downside * std::sqrt(periods));

  const DrawdownStats dd = Drawdowns(in.time, equity);
  m.equity_peak = std::isnan(equity[0]) ? kNaN : dd.peak;  // as std::max_element
  m.max_drawdown = dd.max;
  m.avg_drawdown = dd.avg;
  m.max_drawdown_duration_s = CeilSeconds(dd.max_duration_ns, resolution);
  m.avg_drawdown_duration_s = CeilSeconds(dd.avg_duration_ns, resolution);
  m.calmar_ratio = m.annual_return / (m.max_drawdown == 0 ? kNaN : m.max_drawdown);
  m.beta = bar_periods ? Beta(bar.log_ratio, basis) : BetaOfEquity(equity, basis);
  m.alpha = m.total_return - rf - m.beta * (m.buy_hold_return - rf);

  TradeMetrics(in.trades, resolution, m);

  m.conventions.annualization_periods = periods;
  m.conventions.risk_free_rate = rf;
  m.conventions.return_sampling = basis.sampling;
  m.conventions.bar_period_ns = basis.bar_period;
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
