// Helpers for the LEAN adapter tests: the real LEAN result fixtures under
// shared/fixtures/lean (read in place, never copied) and a synthetic minute series covering
// their January 2023 SPY run.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engines/data/bars.h"
#include "tests/test_util.h"

namespace btr::testing {

inline std::string LeanFixture(const std::string& relative) {
  return SharedDir() + "/fixtures/lean/" + relative;
}

// The parsed JSON of a fixture file (REQUIREs that it parses).
inline nlohmann::json LeanJson(const std::string& relative) {
  const std::string text = ReadFile(LeanFixture(relative));
  REQUIRE_FALSE(text.empty());
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

// The lines of a fixture text file.
inline std::vector<std::string> LeanLines(const std::string& relative) {
  const std::string text = ReadFile(LeanFixture(relative));
  REQUIRE_FALSE(text.empty());
  std::vector<std::string> lines(1);
  for (char c : text) {
    if (c == '\n') {
      lines.emplace_back();
    } else {
      lines.back() += c;
    }
  }
  if (lines.back().empty()) lines.pop_back();
  return lines;
}

// Regular-session minute bars (09:30..15:59 New York) of the NYSE trading days of January 2023
// (Jan 2 and Jan 16 were holidays): 20 days x 390 bars. Prices are made up.
inline BarSeries January2023Minutes() {
  BarSeries bars;
  bars.symbol = "SPY";
  bars.has_volume = true;
  for (unsigned day = 3; day <= 31; ++day) {
    const TimeNs midnight = DaysFromCivil(2023, 1, day) * kNsPerDay;
    if (day == 16 || DayOfWeek(midnight) >= 5) continue;
    for (int m = 0; m < 390; ++m) {
      const TimeNs t = midnight + 9 * kNsPerHour + (30 + m) * kNsPerMinute;
      const double p = 380 + 0.01 * (m % 100);
      bars.Append(t, p, p + 0.05, p - 0.05, p, 1000);
    }
  }
  return bars;
}

// The index of the bar starting at 2023-01-<day> hh:mm (New York); REQUIREs that it exists.
inline size_t JanuaryBar(const BarSeries& bars, unsigned day, unsigned hh, unsigned mm) {
  const TimeNs t = DaysFromCivil(2023, 1, day) * kNsPerDay + hh * kNsPerHour + mm * kNsPerMinute;
  const auto it = std::lower_bound(bars.time.begin(), bars.time.end(), t);
  REQUIRE(it != bars.time.end());
  REQUIRE(*it == t);
  return static_cast<size_t>(it - bars.time.begin());
}

}  // namespace btr::testing
