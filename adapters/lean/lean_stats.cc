// LEAN's own statistics beside btrouter's: MapLeanStatistics and LeanConventions (lean_result.h).
//
// LEAN writes most numbers twice: in "statistics" as rounded display strings ("4.272%", "$1.30")
// and in totalPerformance.portfolioStatistics / tradeStatistics as decimals rounded to 4 places
// ("0.0427"). For each key the more precise of the two is used (on a tie, totalPerformance): a
// percent string with 3 decimals (1e-5 as a fraction) beats a 4-decimal fraction (1e-4), a
// 4-decimal dollar amount beats a 2-decimal one. total_return is recomputed from the start and
// end equity, which are written to a tenth of a cent.
#include <algorithm>
#include <cmath>
#include <limits>

#include "adapters/lean/lean_internal.h"
#include "adapters/lean/lean_result.h"

namespace btr::lean {
namespace {

using internal::LeanNumber;
using internal::Member;
using internal::ParseLeanNumberDetailed;
using nlohmann::json;

// A number of `object`. LEAN drops trailing zeros ("100000", "0.031"), so the written digits
// understate the precision: `rounding` is the place LEAN rounds the member to (1e-4 for
// totalPerformance decimals, the display format's for statistics strings), and the resolution
// is never coarser than it.
std::optional<LeanNumber> Get(const json* object, std::string_view key, double rounding) {
  if (object == nullptr) return std::nullopt;
  const json* v = Member(*object, key);
  if (v == nullptr) return std::nullopt;
  std::optional<LeanNumber> n = ParseLeanNumberDetailed(*v);
  if (n) n->resolution = std::min(n->resolution, rounding);
  return n;
}

constexpr double kPerformanceRounding = 1e-4;  // JsonRoundingConverter: 4 decimal places
constexpr double kPercent3 = 1e-5;             // "4.272%": 3 decimals of a percent
constexpr double kCents = 1e-2;                // "104272.20"

// The finer of two readings of one number; `a` on a tie.
std::optional<LeanNumber> Finer(std::optional<LeanNumber> a, std::optional<LeanNumber> b) {
  if (!a) return b;
  if (!b) return a;
  return b->resolution < a->resolution ? b : a;
}

std::optional<int64_t> GetInt(const json* object, std::string_view key) {
  const std::optional<LeanNumber> n = Get(object, key, 1);
  if (!n || n->value != std::floor(n->value) || std::fabs(n->value) > 1e15) return std::nullopt;
  return static_cast<int64_t>(n->value);
}

}  // namespace

std::map<std::string, double> MapLeanStatistics(const nlohmann::json& result) {
  std::map<std::string, double> out;
  const json* stats = Member(result, "statistics", "Statistics");
  const json* perf = Member(result, "totalPerformance", "TotalPerformance");
  const json* ps = perf ? Member(*perf, "portfolioStatistics", "PortfolioStatistics") : nullptr;
  const json* ts = perf ? Member(*perf, "tradeStatistics", "TradeStatistics") : nullptr;

  const std::optional<LeanNumber> end =
      Finer(Get(ps, "endEquity", kPerformanceRounding), Get(stats, "End Equity", kCents));
  const std::optional<LeanNumber> start =
      Finer(Get(ps, "startEquity", kPerformanceRounding), Get(stats, "Start Equity", kCents));
  if (end) out["equity_final"] = end->value;

  // total_return: (E_end - E_start) / E_start, the meaning of LEAN's Net Profit.
  std::optional<LeanNumber> total =
      Finer(Get(ps, "totalNetProfit", kPerformanceRounding), Get(stats, "Net Profit", kPercent3));
  if (end && start && start->value > 0) {
    const LeanNumber from_equity{(end->value - start->value) / start->value,
                                 (end->resolution + start->resolution) / start->value};
    total = Finer(from_equity, total);
  }
  if (total) out["total_return"] = total->value;

  if (const auto cagr = Finer(Get(ps, "compoundingAnnualReturn", kPerformanceRounding),
                              Get(stats, "Compounding Annual Return", kPercent3))) {
    out["cagr"] = cagr->value;
  }
  if (const auto drawdown =
          Finer(Get(ps, "drawdown", kPerformanceRounding), Get(stats, "Drawdown", kPercent3))) {
    out["max_drawdown"] = std::fabs(drawdown->value);
  }

  // Closed trades only, as btrouter counts them. "Total Orders" counts orders, and "Total Fees"
  // also holds the fees of orders whose trade is still open (sma-crossover: $357.22 against
  // 356.06 on its 150 closed trades, the difference being the open trade's $1.16 entry fee), so
  // neither is used.
  if (const auto fees = Get(ts, "totalFees", kPerformanceRounding))
    out["commissions"] = fees->value;
  const std::optional<int64_t> trades = GetInt(ts, "totalNumberOfTrades");
  if (trades) out["num_trades"] = static_cast<double>(*trades);
  const std::optional<int64_t> wins = GetInt(ts, "numberOfWinningTrades");
  if (trades && *trades == 0) {
    out["win_rate"] = std::numeric_limits<double>::quiet_NaN();  // undefined without trades
  } else if (trades && wins && *wins >= 0 && *wins <= *trades) {
    out["win_rate"] = static_cast<double>(*wins) / static_cast<double>(*trades);
  } else if (const auto rate = Get(ts, "winRate", kPerformanceRounding)) {
    out["win_rate"] = rate->value;
  }
  return out;
}

std::map<std::string, std::string> LeanConventions() {
  return {
      {"annualization",
       "LEAN annualizes with algorithmConfiguration.tradingDaysPerYear periods (252 for US "
       "equities, 365 for crypto brokerages) whatever the bar spacing; btrouter picks 252, 365, "
       "52, 12 or 1 from the data (docs/metrics.md)."},
      {"return_sampling",
       "LEAN's ratios use daily returns of the portfolio value sampled once per day, and drop the "
       "first days of the run (StatisticsBuilder); btrouter uses the last equity of each "
       "calendar day with bars."},
      {"risk_free_rate",
       "LEAN's Sharpe and Sortino subtract the average US interest rate over the run from its "
       "interest-rate provider (alternative/interest-rate/usa/interest-rate.csv, 1% when "
       "missing); btrouter's use the configured rate, 0 by default."},
      {"sharpe_ratio",
       "Not mapped: LEAN's Sharpe is (arithmetic mean daily return x N - rf) / (sample std x "
       "sqrt(N)); btrouter's (backtesting.py's) is the compounded geometric annual return over a "
       "product-variance volatility. tradeStatistics.sharpeRatio is a per-trade, non-annualized "
       "number."},
      {"sortino_ratio",
       "Not mapped: LEAN's downside deviation is the sample std of the negative daily returns "
       "only; btrouter's is the root mean square of min(r, 0) over all days."},
      {"alpha_beta",
       "Not mapped: LEAN's alpha and beta are against its benchmark (the traded dataset, "
       "BTRDATA, in btrouter's algorithm) on daily simple returns, alpha annualized; btrouter's "
       "beta uses bar log returns against the closes and alpha is on total returns."},
      {"expectancy",
       "Not mapped: LEAN's Expectancy is winRate x profitLossRatio - lossRate (unitless); "
       "btrouter's is the mean trade return."},
      {"profit_loss_ratio",
       "Not mapped: LEAN's Profit-Loss Ratio is average win over average loss in dollars; "
       "btrouter has no such key (its profit_factor sums trade returns)."},
      {"max_drawdown",
       "Mapped from Drawdown, but LEAN measures it on its sampled equity chart (one sample every "
       "few minutes on minute data, one per day on daily data) and rounds it to 0.1%; btrouter's "
       "is on every bar, so LEAN's can be smaller."},
      {"cagr",
       "Mapped from Compounding Annual Return; LEAN counts years as calendar days / 365 over the "
       "algorithm's start..end dates, btrouter as days / 365.25 between the first and last bar, "
       "so they differ slightly."},
      {"trade_counting",
       "num_trades is tradeStatistics.totalNumberOfTrades: closed round trips, matched fill to "
       "fill FIFO; \"Total Orders\" counts orders (about two per trade) and is not mapped. A "
       "position still open at the end is not a trade in either."},
      {"win_rate",
       "Mapped from tradeStatistics (winning closed trades / closed trades). The \"Win Rate\" "
       "statistic is portfolioStatistics.winRate, which is transaction-based."},
      {"fees",
       "btrouter's LEAN algorithm replaces LEAN's default Interactive Brokers fee model with "
       "commission_fixed + commission x |quantity| x price per order; commissions is "
       "tradeStatistics.totalFees, the fees of closed trades (\"Total Fees\" adds the fees of "
       "orders of still-open trades)."},
      {"trade_pnl",
       "LEAN's closedTrades profitLoss is gross and rounded to cents; btrouter's trade pnl is "
       "profitLoss - totalFees, return_pct = pnl / (|size| x entryPrice)."},
      {"equity_curve",
       "LEAN samples equity periodically (the Strategy Equity chart), not on every bar; each bar "
       "gets the last sample at or before its end, so bars between samples repeat a value."},
  };
}

}  // namespace btr::lean
