// Shared by the optimization tests: the GOOG daily bars and exact double comparison.
#pragma once

#include <catch2/catch.hpp>

#include <cstring>

#include "engines/data/csv_loader.h"
#include "tests/test_util.h"

namespace btr::testing {

// ../shared/data/GOOG.csv, loaded once.
inline const BarSeries& Goog() {
  static const BarSeries bars = [] {
    Result<BarSeries> loaded = LoadCsvFile(SharedData("GOOG.csv"));
    REQUIRE(loaded.ok());
    return std::move(loaded).value();
  }();
  return bars;
}

inline bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace btr::testing
