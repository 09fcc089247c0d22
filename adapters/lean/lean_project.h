// Preparing a LEAN run of a catalogue strategy (shared by lean_local and qc_cloud):
//  - the algorithm: one Python LEAN algorithm (adapters/lean/algorithm/main.py, compiled into
//    the binary) that implements the catalogue with the native logic and reads the strategy
//    and its parameters from LEAN parameters;
//  - the parameters: strategy name, typed catalogue params, costs and fill flags, as LEAN's
//    string→string "parameters" map;
//  - the data: the bars as LEAN-format US-equity trade data (deci-cent prices) for a synthetic
//    ticker, daily (equity/usa/daily/<t>.zip) or minute
//    (equity/usa/minute/<t>/<YYYYMMDD>_trade.zip) by the bar spacing, plus map_files/<t>.csv and
//    factor_files/<t>.csv (no splits or dividends), so LEAN reads them back unadjusted.
// Thread-safe; file errors are Status values naming the path.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/spec.h"

namespace btr::lean {

inline constexpr std::string_view kTicker = "BTRDATA";  // the symbol the algorithm trades

// The algorithm's Python source (adapters/lean/algorithm/main.py).
std::string_view AlgorithmSource();

// LEAN "parameters" for `spec` on `bars`: "strategy", every catalogue param (defaults filled),
// "cash", "commission", "commission_fixed", "spread", "margin", "trade_on_close",
// "exclusive_orders", "hedging", "finalize_trades", "ticker", "resolution" ("daily"/"minute"),
// "start", "end" (New York dates YYYY-MM-DD of the first and last bar: the algorithm's
// SetStartDate/SetEndDate; the engines pass the bars of the spec's window, CutToWindow in
// engines/spec_window.h, and write only those, so LEAN covers the window). InvalidArgument
// naming the field for a strategy the catalogue rejects, or bars LEAN cannot hold (not daily or
// minute spacing, prices that do not fit deci-cents).
// Also: "extended_hours" (minute bars outside 09:30-16:00), "bars" (count), "warmup" (the
// catalogue's warm-up bar W, as CatalogueWarmup), "last_bar" and "finalize_bar" (ISO times of
// the last and the second-to-last bar). Values: ints as integers, bools "true"/"false", floats
// as the shortest text that reads back as the same double.
// Refused with InvalidArgument naming the field ("dataset" for the bars): hedging=true (LEAN
// nets positions); trade_on_close=true on daily bars (LEAN fills at the next open); negative
// commission or commission_fixed (LEAN fees are not rebates), commission >= 0.1; spread outside
// [0, 1); margin outside (0, 1]; cash <= 0; fewer than 2 bars; daily bars not at 00:00, minute
// bars not on whole minutes or outside 04:00-20:00; bars on a Saturday or Sunday (LEAN's
// US-equity calendar would skip them; exchange holidays are not checked).
Result<std::map<std::string, std::string>> AlgorithmParameters(const BacktestSpec& spec,
                                                               const BarSeries& bars);

// The catalogue strategy's warm-up W on `bars` (the bar before the first decision, and the base
// of buy & hold: EngineRun::warmup_bars), from the native strategy's indicators.
// InvalidArgument naming the field for a strategy the catalogue rejects.
Result<size_t> CatalogueWarmup(const BacktestSpec& spec, const BarSeries& bars);

// LEAN "parameters" for an algorithm's own source (spec.algorithm): its parameters, then, for
// each it does not set itself, "ticker" (kTicker: the symbol the dataset is written as),
// "cash", "resolution", "start", "end" and "bars" as AlgorithmParameters writes them.
// InvalidArgument naming the field: bars LEAN cannot hold ("dataset"), a "ticker" parameter
// that CheckTickerParameter refuses, cash <= 0.
Result<std::map<std::string, std::string>> SourceParameters(const BacktestSpec& spec,
                                                            const BarSeries& bars);

// The algorithm's "ticker" parameter, when it has one: a letter and up to 11 more letters,
// digits or '.' (a file name in the data folder). InvalidArgument naming
// algorithm.parameters.ticker otherwise.
Status CheckTickerParameter(const BacktestSpec& spec);

// What both LEAN engines check of a spec with an algorithm's own source, besides its language:
// the settings it may not set (CheckAlgorithmSettings), its ticker parameter and its window.
Status CheckSourceSpec(const BacktestSpec& spec);

// The files of the LEAN project a spec runs: the algorithm's own (spec.algorithm.files), or
// the catalogue algorithm as "main.py".
std::map<std::string, std::string> ProjectFiles(const BacktestSpec& spec);

// Writes `bars` under `data_dir` in LEAN's layout for `ticker` (see above), replacing any data
// of that ticker written there before. The same checks as AlgorithmParameters ("dataset: ...");
// file errors are Internal naming the path. Minute bars go to one zip per New York date.
Status WriteLeanData(const BarSeries& bars, const std::string& data_dir,
                     std::string_view ticker = kTicker);

}  // namespace btr::lean
