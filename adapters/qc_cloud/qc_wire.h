// What btrouter sends to and reads from QuantConnect Cloud besides the HTTP mechanics
// (docs/engines/qc_cloud.md): the project's data module, the backtest parameters, the reading
// of a backtest object (reference/qc_lean.md §1.6) and the assembly of one LEAN result-shaped
// object (§2.4-2.7) for lean::ParseLeanResult. Pure functions; thread-safe.
//
// Data: the cloud cannot read btrouter's datasets, and its IDE only holds .py/.cs/.ipynb/
// .html/.css files, so the bars travel inside the project as a Python module, btrdata.py:
//
//     # btrouter bars for this backtest (generated; do not edit). ...
//     CSV = """time,open,high,low,close,volume
//     2004-08-19 00:00:00,100,104.06,95.96,100.34,22351900
//     ...
//     """
//
// one line per bar: the bar's start as New York wall-clock time "YYYY-MM-DD HH:MM:SS", then
// open, high, low, close, volume as plain decimals (shortest round-trip form; volume 0 when the
// dataset has none). The backtest parameter "data_module" = "btrdata" tells the algorithm
// (adapters/lean/algorithm/main.py) to import that module and trade its bars as custom data
// instead of reading LEAN-format files from the data folder.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/qc_cloud/qc_reply.h"
#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/engine.h"
#include "engines/spec.h"

namespace btr::qc {

inline constexpr std::string_view kDataModule = "btrdata";   // the module's import name
inline constexpr std::string_view kDataFile = "btrdata.py";  // its project file
inline constexpr std::string_view kDataModuleParameter = "data_module";
inline constexpr std::string_view kEquityChart = "Strategy Equity";

// The text of btrdata.py for `bars` (layout above).
std::string DataModuleSource(const BarSeries& bars);

// lean::AlgorithmParameters(spec, bars) plus "data_module" = "btrdata". InvalidArgument naming
// the field, as AlgorithmParameters reports it.
Result<std::map<std::string, std::string>> CloudParameters(const BacktestSpec& spec,
                                                           const BarSeries& bars);

enum class BacktestPhase { kRunning, kCompleted, kFailed };

// A backtests/read "backtest" object, read with §1.6's rules:
//  - failed: non-empty `error` or `stacktrace`, `hasInitializeError` true, or a terminal status
//    other than "Completed." ("Runtime Error", ...); `error` is the first line of the error
//    (else of the stack trace, else the status);
//  - completed: `completed` true, `runtimeStatistics` present and `statistics` an object
//    (it is [] while running);
//  - running otherwise; `progress` from the `progress` member (0..1) or a "Running: N%" status.
struct BacktestState {
  BacktestPhase phase = BacktestPhase::kRunning;
  double progress = 0;
  std::string status;
  std::string error;
  bool has_total_performance = false;  // totalPerformance is an object
};
BacktestState ReadBacktestState(const nlohmann::json& backtest);

// {statistics, runtimeStatistics, totalPerformance, charts: {"Strategy Equity": chart},
//  orders: {"<id>": order}} from the completed backtest object, its equity chart and its
// orders (keyed by their "id", else by position from 1).
nlohmann::json AssembleResult(const nlohmann::json& backtest, const nlohmann::json& equity_chart,
                              const std::vector<nlohmann::json>& orders);

// The run of a completed backtest: lean::ParseLeanResult over AssembleResult(backtest,
// equity_chart, orders), against the `bars` sent. Its error (Internal, naming the member) quotes
// the answers, which may echo the token: it is redacted with `reader`.
Result<EngineRun> ReadCloudRun(const QcReplyReader& reader, const nlohmann::json& backtest,
                               const nlohmann::json& equity_chart,
                               const std::vector<nlohmann::json>& orders, const BarSeries& bars);

// The first non-empty line of `text`, trimmed.
std::string FirstLine(std::string_view text);

}  // namespace btr::qc
