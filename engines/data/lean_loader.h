// Loading QuantConnect LEAN-format equity trade bars (the layout of LEAN's data folder).
//
// Daily:  equity/usa/daily/<sym>.zip holding <sym>.csv, rows
//         "YYYYMMDD 00:00,open,high,low,close,volume".
// Minute: equity/usa/minute/<sym>/YYYYMMDD_trade.zip holding YYYYMMDD_<sym>_minute_trade.csv, rows
//         "ms_since_midnight,open,high,low,close,volume", the time being New York wall-clock time,
//         kept naive (time = that date 00:00 + ms).
// Prices are integers in deci-cents (1/10000 dollar) and are divided by 10000 (so 973100 reads
// as the double nearest 97.31). Rows have no header; a missing final newline and CRLF are fine.
// Every bar is checked with CheckBar (engines/data/bars.h); times must increase across files.
// The symbol is the upper-cased file stem ("spy.zip" -> "SPY") or, for a minute folder, the
// upper-cased folder name; has_volume is true.
//
// Errors are kInvalidArgument (kNotFound for a missing zip, folder or entry) and name the zip,
// the entry and the line: "spy.zip:spy.csv:17: column 'close': expected a number, got 'x'".
// Writing LEAN data is not done here. Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/data/zip_reader.h"

namespace btr {

// Keeps bars with begin <= time <= end (both inclusive). Default: everything.
struct TimeRange {
  TimeNs begin = std::numeric_limits<TimeNs>::min();
  TimeNs end = std::numeric_limits<TimeNs>::max();
};

// A LEAN zip recognized by what it holds: the first entry named like
// "YYYYMMDD_<sym>_minute_trade.csv" (in any folder) is read as that day's minute bars (symbol
// <SYM>); else the first "*.csv" entry as daily bars (symbol: its upper-cased stem).
// InvalidArgument naming the archive and its entries when it holds neither.
Result<BarSeries> ParseLeanZip(const ZipReader& zip, const TimeRange& range = {});

// A LEAN zip file of either kind: "YYYYMMDD_trade.zip" as LoadLeanMinuteZip, any other name by
// its content (ParseLeanZip). What LoadBars reads a *.zip with.
Result<BarSeries> LoadLeanZip(const std::string& zip_path, const TimeRange& range = {});

// Loads a daily zip. The entry read is the only entry, else "<stem>.csv".
Result<BarSeries> LoadLeanDailyZip(const std::string& zip_path, const TimeRange& range = {});

// Loads one minute-resolution day, "<dir>/YYYYMMDD_trade.zip" (the date comes from the name).
// The entry read is the only entry, else the one ending in "_minute_trade.csv". The symbol is the
// upper-cased name of the folder holding the zip.
Result<BarSeries> LoadLeanMinuteZip(const std::string& zip_path, const TimeRange& range = {});

// Loads every "YYYYMMDD_trade.zip" in `dir` (not recursive) in date order; other files (such as
// "*_quote.zip") are ignored. Days wholly outside `range` are not opened. Errors: kNotFound when
// the folder does not exist or holds no trade zips.
Result<BarSeries> LoadLeanMinuteDir(const std::string& dir, const TimeRange& range = {});

// The sorted full paths of the "YYYYMMDD_trade.zip" files of a minute folder (no range filter);
// the loaders and the bar cache agree on this list. Errors as LoadLeanMinuteDir.
Result<std::vector<std::string>> ListLeanMinuteZips(const std::string& dir);

// True when a file name (without folder) has the form "YYYYMMDD_trade.zip".
bool IsLeanMinuteTradeZipName(const std::string& file_name);

}  // namespace btr
