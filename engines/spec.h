// BacktestSpec: one backtest described once, engine-independent (DESIGN.md "Core contracts").
// An immutable value once built; its canonical JSON (spec_json.h) is what is stored, hashed for
// idempotency and sent to engines. Units as in the CLI: cash in quote currency, commission and
// spread as fractions, commission_fixed in cash per order, margin a ratio in (0, 1].
// start and end bound the run to the dataset's bars in [start, end] (engines/spec_window.h).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace btr {

struct StrategyRef {
  std::string name;                      // a catalogue name, e.g. "sma_cross"
  std::map<std::string, double> params;  // as given; checked by the engine (bools as 0/1)
};

// An algorithm's own source code, run instead of a catalogue strategy by the engines whose
// capabilities list its language (the LEAN engines). Empty `files` = none: a catalogue run.
// Checked by ReadAlgorithm (engines/spec_algorithm.h): file names are relative paths of
// [A-Za-z0-9_.-] parts, a Python algorithm has "main.py", a C# one at least one ".cs" file.
struct AlgorithmCode {
  std::string language;                            // "python" or "csharp"
  std::map<std::string, std::string> files;        // relative path -> UTF-8 content
  std::map<std::string, std::string> parameters;   // LEAN parameters (GetParameter), as text
  bool empty() const { return files.empty(); }
};

struct BacktestSpec {
  std::string engine = "native";      // an engine name or "auto"
  std::vector<std::string> fallback;  // engines to try next, in order (may be empty)
  StrategyRef strategy;  // empty name when `algorithm` is given
  // The algorithm's own source instead of a catalogue strategy (LEAN engines only); its
  // dataset is still required: it is the data the algorithm trades and the market the canonical
  // metrics compare against.
  AlgorithmCode algorithm;
  std::string dataset;  // dataset id (the service resolves it to bars)
  // The period to run on, both ends inclusive, as normalized text (NormalizeWindowBound): a
  // date "2015-01-01" (as `end`: that whole day) or a date-time "2015-01-01T09:30:00Z", in the
  // dataset's own clock. Empty: from the dataset's first bar / to its last.
  std::string start;
  std::string end;
  double cash = 10000;
  double commission = 0;
  double commission_fixed = 0;
  double spread = 0;
  double margin = 1;
  bool trade_on_close = false;
  bool exclusive_orders = false;
  bool hedging = false;
  bool finalize_trades = false;
  // A parameter sweep instead of one backtest: the optimization's request as compact JSON
  // (engines/optimize/optimization.h; strategy.params then hold the fixed parameters). Empty
  // for a single backtest; absent from the JSON then, so such specs hash as they always did.
  std::string sweep;
};

}  // namespace btr
