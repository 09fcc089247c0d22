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

struct BacktestSpec {
  std::string engine = "native";      // an engine name or "auto"
  std::vector<std::string> fallback;  // engines to try next, in order (may be empty)
  StrategyRef strategy;
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
