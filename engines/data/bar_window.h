// BarWindow: the bars of a time window of a series, for a run on part of a dataset.
//
// When the window holds every bar of the source, a BarWindow refers to the source itself (no
// copy; the source must outlive it). Otherwise it owns a copy of the window's bars only: one
// contiguous copy per column, which costs far less than the run over them. Either way bars()
// is a plain BarSeries whose bar 0 is the window's first bar, so a run's equity curve, trade
// bar indexes and metrics are relative to the window.
//
// Move-only; the address returned by bars() stays valid across moves. Not synchronized; share
// it const between threads.
#pragma once

#include <cstddef>
#include <memory>

#include "engines/data/bar_buckets.h"
#include "engines/data/bars.h"

namespace btr {

class BarWindow {
 public:
  // The bars [range.begin, range.end) of `source`. REQUIRES: range lies inside `source`.
  BarWindow(const BarSeries& source, BarRange range);

  const BarSeries& bars() const { return owned_ ? *owned_ : *source_; }
  // Index in the source of bars()[0].
  size_t first_index() const { return range_.begin; }
  // True when bars() is a copy (the window leaves bars out).
  bool copied() const { return owned_ != nullptr; }

 private:
  const BarSeries* source_;
  std::unique_ptr<const BarSeries> owned_;
  BarRange range_;
};

// A copy of the bars [range.begin, range.end) of `source` (symbol and has_volume kept).
// REQUIRES: range lies inside `source`.
BarSeries CopyBars(const BarSeries& source, BarRange range);

}  // namespace btr
