#include "router/qc/qc_results.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "engines/spec_json.h"
#include "router/qc/qc_call.h"

namespace btr::qcapi {
namespace {

using json = nlohmann::ordered_json;

double Number(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number()) {
    return std::nan("");
  }
  return object[key].get<double>();
}

// LEAN's decimal rounding to `places`, printed without trailing zeros ("3.1", "0").
std::string Round(double x, int places) {
  if (!std::isfinite(x)) return "0";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", places, x);
  std::string s = text;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string Percent(double fraction, int places) { return Round(fraction * 100, places) + "%"; }

// "$1,234.56", "-$1.30".
std::string Money(double x) {
  if (!std::isfinite(x)) x = 0;
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", std::fabs(x));
  std::string digits = text;
  const size_t dot = digits.find('.');
  for (size_t k = dot; k > 3; k -= 3) digits.insert(k - 3, ",");
  return (x < 0 ? "-$" : "$") + digits;
}

struct TradeSummary {
  double wins = 0, losses = 0, win_return = 0, loss_return = 0, win_pnl = 0, loss_pnl = 0;
};

TradeSummary Summarize(const json& trades) {
  TradeSummary s;
  if (!trades.is_array()) return s;
  for (const json& t : trades) {
    const double pnl = Number(t, "pnl"), ret = Number(t, "return_pct");
    if (pnl > 0) s.wins += 1, s.win_return += ret, s.win_pnl += pnl;
    if (pnl < 0) s.losses += 1, s.loss_return += ret, s.loss_pnl += pnl;
  }
  return s;
}

// LEAN's statistics (and totalPerformance) of a LEAN engine's run, when the result kept them.
bool LeanNative(const json& result, json* out) {
  const json* raw =
      result.contains("native") && result["native"].is_object() && result["native"].contains("raw")
          ? &result["native"]["raw"]
          : nullptr;
  if (raw == nullptr || !raw->is_object() || !raw->contains("statistics") ||
      !(*raw)["statistics"].is_object() || (*raw)["statistics"].empty()) {
    return false;
  }
  (*out)["statistics"] = (*raw)["statistics"];
  (*out)["totalPerformance"] = {
      {"tradeStatistics", raw->value("tradeStatistics", json::object())},
      {"portfolioStatistics", raw->value("portfolioStatistics", json::object())},
      {"closedTrades", json::array()}};
  return true;
}

std::string StatusText(const JobRecord& job) {
  switch (job.status) {
    case JobStatus::kQueued:
      return "In Queue...";
    case JobStatus::kRunning:
      return "Running: " + Round(job.progress * 100, 0) + "%";
    case JobStatus::kSucceeded:
      return "Completed.";
    case JobStatus::kFailed:
      return "Runtime Error";
    case JobStatus::kCancelled:
      return "Cancelled.";
  }
  return "In Queue...";
}

}  // namespace

json StatisticsFromResult(const json& result, double cash) {
  const json metrics = result.value("metrics", json::object());
  // Without the trades (a sweep's trial keeps metrics only) the trade statistics come from the
  // metrics, and those that need the trades are left out.
  const bool have_trades = result.contains("trades") && result["trades"].is_array();
  const json trades = have_trades ? result["trades"] : json::array();
  const TradeSummary t = Summarize(trades);
  const double n = t.wins + t.losses;
  double win_rate = n > 0 ? t.wins / n : 0, loss_rate = n > 0 ? t.losses / n : 0;
  if (!have_trades && Number(metrics, "num_trades") > 0) {
    win_rate = Number(metrics, "win_rate");
    loss_rate = 1 - win_rate;
  }
  const double avg_win = t.wins > 0 ? t.win_return / t.wins : 0;
  const double avg_loss = t.losses > 0 ? t.loss_return / t.losses : 0;
  const double pl_ratio =
      t.losses > 0 && t.wins > 0 ? (t.win_pnl / t.wins) / std::fabs(t.loss_pnl / t.losses) : 0;
  const double end_equity = Number(metrics, "equity_final");
  const double fees = Number(metrics, "commissions");
  const double volatility = Number(metrics, "annual_volatility");
  const double closed =
      have_trades ? static_cast<double>(trades.size()) : Number(metrics, "num_trades");
  // An order for each entry and exit, and one for each trade still open at the end.
  const double still_open = result.contains("open_trades") && result["open_trades"].is_array()
                                ? static_cast<double>(result["open_trades"].size())
                                : 0;
  json out;
  out["statistics"] = {
      {"Total Orders", Round(2 * closed + still_open, 0)},
      {"Average Win", Percent(avg_win, 2)},
      {"Average Loss", Percent(avg_loss, 2)},
      {"Compounding Annual Return", Percent(Number(metrics, "cagr"), 3)},
      {"Drawdown", Percent(Number(metrics, "max_drawdown"), 3)},
      {"Expectancy", Round(pl_ratio * win_rate - loss_rate, 3)},
      {"Start Equity", Round(cash, 2)},
      {"End Equity", Round(end_equity, 2)},
      {"Net Profit", Percent(Number(metrics, "total_return"), 3)},
      {"Sharpe Ratio", Round(Number(metrics, "sharpe_ratio"), 3)},
      {"Sortino Ratio", Round(Number(metrics, "sortino_ratio"), 3)},
      {"Loss Rate", Percent(loss_rate, 0)},
      {"Win Rate", Percent(win_rate, 0)},
      {"Profit-Loss Ratio", Round(pl_ratio, 2)},
      {"Alpha", Round(Number(metrics, "alpha"), 3)},
      {"Beta", Round(Number(metrics, "beta"), 3)},
      {"Annual Standard Deviation", Round(volatility, 3)},
      {"Annual Variance", Round(volatility * volatility, 3)},
      {"Total Fees", Money(std::isfinite(fees) ? fees : 0)},
  };
  out["totalPerformance"] = {{"tradeStatistics",
                              {{"totalNumberOfTrades", closed},
                               {"numberOfWinningTrades", t.wins},
                               {"numberOfLosingTrades", t.losses},
                               {"winRate", win_rate},
                               {"lossRate", loss_rate},
                               {"profitLossRatio", pl_ratio}}},
                             {"portfolioStatistics",
                              {{"startEquity", cash},
                               {"endEquity", end_equity},
                               {"totalNetProfit", Number(metrics, "total_return")},
                               {"compoundingAnnualReturn", Number(metrics, "cagr")},
                               {"drawdown", Number(metrics, "max_drawdown")},
                               {"sharpeRatio", Number(metrics, "sharpe_ratio")}}},
                             {"closedTrades", trades}};
  if (!have_trades) {
    for (const char* key : {"Average Win", "Average Loss", "Profit-Loss Ratio", "Expectancy"}) {
      out["statistics"].erase(key);
    }
    out["totalPerformance"]["tradeStatistics"].erase("profitLossRatio");
  }
  LeanNative(result, &out);
  out["runtimeStatistics"] = {
      {"Equity", Money(end_equity)},
      {"Fees", Money(-(std::isfinite(fees) ? fees : 0))},
      {"Net Profit", Money(end_equity - cash)},
      {"Return", Round(Number(metrics, "total_return") * 100, 2) + " %"},
  };
  return out;
}

json BacktestJson(const JobRecord& job, int64_t project_id, const std::string& name,
                  const std::string& note, const std::string& result_json) {
  const bool ended = job.status == JobStatus::kSucceeded || job.status == JobStatus::kFailed ||
                     job.status == JobStatus::kCancelled;
  json out = {{"backtestId", job.id},
              {"projectId", project_id},
              {"name", name},
              {"created", QcTime(job.created_at)},
              {"status", StatusText(job)},
              {"completed", ended},
              {"progress", ended ? 1.0 : job.progress},
              {"error", nullptr},
              {"stacktrace", nullptr},
              {"note", note.empty() ? json(nullptr) : json(note)},
              {"hasInitializeError", false},
              {"statistics", json::array()},
              {"runtimeStatistics", nullptr},
              {"totalPerformance", nullptr},
              {"btrouter",
               {{"backtest", "/v1/backtests/" + job.id},
                {"engine", job.engine_used.empty() ? job.engine_requested : job.engine_used}}}};
  if (job.status == JobStatus::kFailed || job.status == JobStatus::kCancelled) {
    out["error"] = job.status == JobStatus::kCancelled ? std::string("the backtest was cancelled")
                                                       : job.error_code + ": " + job.error_message;
    out["runtimeStatistics"] = json::object();
    out["statistics"] = json::object();
  }
  if (job.status == JobStatus::kSucceeded) {
    const json result = json::parse(result_json, nullptr, false);
    Result<BacktestSpec> spec = SpecFromJson(json::parse(job.spec_json, nullptr, false));
    const double cash = spec.ok() ? spec->cash : std::nan("");
    const json stats = StatisticsFromResult(result.is_object() ? result : json::object(), cash);
    out["statistics"] = stats["statistics"];
    out["runtimeStatistics"] = stats["runtimeStatistics"];
    out["totalPerformance"] = stats["totalPerformance"];
    if (result.is_object() && result.contains("metrics")) {
      out["btrouter"]["metrics"] = result["metrics"];
    }
  }
  return out;
}

}  // namespace btr::qcapi
