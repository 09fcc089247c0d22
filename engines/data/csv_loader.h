// CSV loading: OHLCV bars from real-world CSV files (backtesting.py's sample files, exchange
// exports, files written by WriteBarsCsv).
//
// Accepted layout:
//  - The first line is a header. Names are matched case-insensitively after trimming blanks and
//    double quotes. The time column is the first one named `time`, `date`, `datetime` or
//    `timestamp`, or else a first column with an EMPTY name (backtesting.py: ",Open,High,...").
//    `open`, `high`, `low` and `close` are required, in any order; `volume` is optional (without
//    it, has_volume is false and volume is 0). Other columns are ignored. A recognized name that
//    appears twice is an error.
//  - Comma-separated; a field may be wrapped in double quotes (no escaped quotes inside).
//    Every data row has exactly as many fields as the header.
//  - Times: ISO-8601 "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" (or 'T'), "YYYYMMDD" (see
//    ParseIsoTime), kept naive; or integer epoch seconds / milliseconds. The kind is decided once
//    per file from the first data row: an integer of 9 or more digits is epoch time, in
//    milliseconds when its magnitude is >= 1e11, else seconds.
//  - Numbers: decimal or scientific notation, read exactly as std::from_chars does.
//  - A UTF-8 BOM, CRLF line ends, a missing final newline and empty lines are accepted (empty
//    lines carry no row and are skipped).
// Every row is checked with CheckBar (engines/data/bars.h): finite prices > 0, high >= low,
// volume >= 0, strictly increasing times. Nothing is skipped or repaired silently.
//
// Errors are kInvalidArgument (kNotFound for a missing file) with one message naming the source,
// the 1-based line and the column:
//   "GOOG.csv:17: column 'close': expected a number, got 'abc'"
//   "x.csv:1: missing column 'close' (header has: time, open, high, low)"
//   "x.csv: file is empty"
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "engines/data/bars.h"

namespace btr {

// Loads and validates a CSV file. Error messages use `path` as given. The series' symbol is the
// file name without folder and extension ("data/GOOG.csv" -> "GOOG").
Result<BarSeries> LoadCsvFile(const std::string& path);

// Parses CSV text (the whole file). `source_name` prefixes error messages. The symbol is left
// empty.
Result<BarSeries> ParseCsv(std::string_view text, std::string_view source_name);

}  // namespace btr
