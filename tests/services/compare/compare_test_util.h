// Synthetic runs for the comparison unit tests: daily bars with distinct opens and closes, a tiny
// long-only simulator (market orders at the next bar's open, or at the signal bar's close like
// trade_on_close; whole units from the equity; a relative commission), and a RunInput holding
// what the job service would store for such a run (canonical metrics from ComputeMetrics).
// Test-only.
#pragma once

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engines/metrics/metrics.h"
#include "engines/metrics/metrics_json.h"
#include "services/compare/compare_types.h"

namespace btr::compare::testing {

using nlohmann::json;

inline constexpr TimeNs kDay0 = 1577836800LL * kNsPerSecond;  // 2020-01-01

// `n` daily bars: a gentle wave, each bar closing 0.5 above its open.
inline std::shared_ptr<RunBars> MakeBars(size_t n) {
  auto bars = std::make_shared<RunBars>();
  for (size_t i = 0; i < n; ++i) {
    const double base =
        100 + 10 * std::sin(static_cast<double>(i) / 7.0) + 0.1 * static_cast<double>(i);
    bars->time.push_back(kDay0 + static_cast<TimeNs>(i) * kNsPerDay);
    bars->open.push_back(std::round(base * 100) / 100);
    bars->close.push_back(std::round((base + 0.5) * 100) / 100);
  }
  return bars;
}

struct SimOptions {
  bool trade_on_close = false;
  double commission = 0;  // fraction of traded value, at entry and exit
  double cash = 10000;
  double size_bias = 0;  // units added to every computed size (a different sizing rule)
  bool round_pnl_to_cents = false;
};

struct Sim {
  std::vector<TradeRecord> trades;
  std::vector<double> equity;
};

// Long trades between signal bars (enter at signal s, leave at signal x > s).
inline Sim Simulate(const RunBars& bars, const std::vector<std::pair<long, long>>& signals,
                    const SimOptions& o) {
  Sim sim;
  double cash = o.cash;
  const size_t n = bars.size();
  sim.equity.assign(n, o.cash);
  size_t next = 0;
  TradeRecord open;
  bool holding = false;
  for (size_t i = 0; i < n; ++i) {
    auto fill_bar = [&](long signal) { return o.trade_on_close ? signal : signal + 1; };
    auto price_at = [&](long bar) {
      return o.trade_on_close ? bars.close[static_cast<size_t>(bar)]
                              : bars.open[static_cast<size_t>(bar)];
    };
    if (holding && fill_bar(signals[next].second) == static_cast<long>(i)) {
      open.exit_bar = static_cast<long>(i);
      open.exit_price = price_at(open.exit_bar);
      open.exit_time = bars.time[i];
      const double exit_fee = open.size * open.exit_price * o.commission;
      open.commission += exit_fee;
      double gross = open.size * (open.exit_price - open.entry_price);
      if (o.round_pnl_to_cents) gross = std::round(gross * 100) / 100;
      open.pnl = gross - open.commission;
      open.return_pct = open.pnl / (open.size * open.entry_price);
      cash += gross - exit_fee;
      sim.trades.push_back(open);
      holding = false;
      ++next;
    }
    if (!holding && next < signals.size() &&
        fill_bar(signals[next].first) == static_cast<long>(i)) {
      open = TradeRecord{};
      open.entry_bar = static_cast<long>(i);
      open.entry_price = price_at(open.entry_bar);
      open.entry_time = bars.time[i];
      open.size = std::floor(cash / (open.entry_price * (1 + o.commission))) + o.size_bias;
      open.commission = open.size * open.entry_price * o.commission;
      cash -= open.commission;
      holding = true;
    }
    sim.equity[i] = cash + (holding ? open.size * (bars.close[i] - open.entry_price) : 0);
  }
  return sim;
}

// What the job service stores for a run: canonical metrics, the engine's own numbers (the
// canonical ones unless `native_metrics` is given), conventions, trades, dataset.
inline RunInput MakeRun(const std::string& label, const std::string& engine,
                        std::shared_ptr<const RunBars> bars, const Sim& sim, json spec = {},
                        std::string sha256 = "aa11", json native_metrics = nullptr,
                        json engine_conventions = json::object()) {
  MetricsInput in;
  in.time = bars->time;
  in.equity = sim.equity;
  in.close = bars->close;
  in.first_trading_bar = 1;
  in.trades = sim.trades;
  const json metrics = MetricsToJson(ComputeMetrics(in));
  if (native_metrics.is_null()) {
    native_metrics = json::object();
    for (const auto& [k, v] : metrics.items()) {
      if (k != "conventions" && k != "start" && k != "end") native_metrics[k] = v;
    }
  }
  RunInput run;
  run.label = label;
  run.engine = engine;
  run.backtest_id = "bt_" + label;
  run.status = "succeeded";
  if (spec.is_null()) spec = json::object();
  spec["engine"] = engine;
  run.spec = spec;
  run.engine_used = engine;
  run.result = {
      {"metrics", metrics},
      {"native", {{"raw", json::object()}, {"metrics", native_metrics}}},
      {"conventions", {{"canonical", metrics["conventions"]}, {"engine", engine_conventions}}},
      {"trades", TradesToJson(sim.trades)},
      {"open_trades", json::array()},
      {"engine", engine},
      {"engine_version", engine + " 1.0"},
      {"dataset", {{"id", "ds_1"}, {"sha256", sha256}, {"bars", bars->size()}}},
      {"warmup_bars", 1},
      {"run_seconds", 0.01}};
  run.equity = sim.equity;
  run.bars = std::move(bars);
  return run;
}

inline const std::vector<std::pair<long, long>> kSignals = {{3, 9},   {14, 22}, {30, 41},
                                                            {50, 57}, {66, 80}, {90, 101}};

}  // namespace btr::compare::testing
