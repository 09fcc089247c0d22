// BarSeries: OHLCV bars held column-wise, the input of every backtest.
//
// Columns are parallel vectors of equal length; row i is bar i. Times are strictly increasing
// (TimeNs, see engines/core/time.h). Prices are finite and > 0 with low <= high (open and close are
// not required to lie inside [low, high]: real feeds break that by a tick and the simulation
// copes). Volume is optional (has_volume == false leaves it filled with 0). A BarSeries is a plain
// value: not synchronized; share it const between threads.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/time.h"
#include "engines/data/column.h"

namespace btr {

struct BarSeries {
  std::string symbol;  // may be empty
  Column<TimeNs> time;
  Column<double> open, high, low, close, volume;
  bool has_volume = false;

  size_t size() const { return time.size(); }
  bool empty() const { return time.empty(); }
  void Reserve(size_t n);
  void Append(TimeNs t, double o, double h, double l, double c, double v);
  // Bytes held by the column buffers (capacity), for memory reporting.
  size_t MemoryBytes() const;
};

// Checks one bar against the invariants above, given the previous bar's time (or nullptr for
// the first bar). On failure returns InvalidArgument whose message names the column and what
// was expected, without location: callers prefix "file:line".
Status CheckBar(const TimeNs* previous_time, TimeNs t, double o, double h, double l, double c,
                double v);

// Checks every bar; messages are prefixed with "bar <i>".
Status ValidateBars(const BarSeries& bars);

}  // namespace btr
