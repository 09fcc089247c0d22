// Checks that an engine's trades equal a reference engine's, shared by the adapter tests
// (an adapter run against a fake that computes with the native engine must give its trades).
// Test-only: mismatches are Catch2 CHECK failures naming the trade.
#pragma once

#include <catch2/catch.hpp>
#include <vector>

#include "engines/core/trade.h"
#include "tests/test_util.h"

namespace btr::testing {

struct TradeCheckOptions {
  bool times = true;             // entry/exit times must be equal too
  double pnl_relative = 1e-9;    // tolerance of pnl and return_pct
  bool check_return_pct = true;  // some engines (LEAN) derive it from rounded P&L
};

// Same count; per trade the same size, bars and prices (1e-12), pnl within the tolerance.
inline void CheckSameTrades(const std::vector<TradeRecord>& ours,
                            const std::vector<TradeRecord>& reference,
                            const TradeCheckOptions& options = {}) {
  REQUIRE(ours.size() == reference.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    const TradeRecord& a = ours[i];
    const TradeRecord& b = reference[i];
    INFO("trade " << i);
    CHECK(a.size == b.size);
    CHECK(a.entry_bar == b.entry_bar);
    CHECK(a.exit_bar == b.exit_bar);
    if (options.times) {
      CHECK(a.entry_time == b.entry_time);
      CHECK(a.exit_time == b.exit_time);
    }
    CHECK(Near(a.entry_price, b.entry_price, 1e-12));
    CHECK(Near(a.exit_price, b.exit_price, 1e-12));
    CHECK(Near(a.pnl, b.pnl, options.pnl_relative));
    if (options.check_return_pct) CHECK(Near(a.return_pct, b.return_pct, options.pnl_relative));
  }
}

}  // namespace btr::testing
