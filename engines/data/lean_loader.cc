#include "engines/data/lean_loader.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "engines/data/parse_util.h"
#include "engines/data/zip_reader.h"

namespace btr {
namespace {

using data_internal::FieldSplitter;
using data_internal::LineReader;
using data_internal::ParseDouble;
using data_internal::ParseInt64;
using data_internal::ParseIsoTimeInRange;
using data_internal::QuoteForError;
using data_internal::TrimBlanks;

constexpr double kDeciCentsPerDollar = 10000.0;
constexpr int kFields = 6;
constexpr const char* kFieldNames[kFields] = {"time", "open", "high", "low", "close", "volume"};

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Parsing state carried across the files of one series.
struct RowSink {
  RowSink(const TimeRange* r, BarSeries* o) : range(r), out(o) {}
  const TimeRange* range;
  BarSeries* out;
  bool has_previous = false;
  TimeNs previous = 0;
};

// Parses the rows of one CSV entry. `where` is "zip:entry". For minute data `day` is the date's
// midnight and the time field holds milliseconds since it; for daily data day is unused.
Status ParseRows(std::string_view text, const std::string& where, bool minute, TimeNs day,
                 RowSink* sink) {
  auto error = [&where](size_t line, const std::string& message) {
    return Status::InvalidArgument(where + ":" + std::to_string(line) + ": " + message);
  };
  LineReader lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    if (TrimBlanks(line).empty()) continue;
    const size_t line_no = lines.line_number();
    std::string_view fields[kFields];
    int n = 0;
    FieldSplitter split(line);
    std::string_view field;
    while (split.Next(&field)) {
      if (n < kFields) fields[n] = field;
      ++n;
    }
    if (n != kFields) {
      return error(line_no,
                   "expected 6 fields (time,open,high,low,close,volume), got " + std::to_string(n));
    }
    TimeNs t = 0;
    if (minute) {
      int64_t ms = 0;
      if (!ParseInt64(fields[0], &ms) || ms < 0 || ms >= kNsPerDay / 1'000'000) {
        return error(line_no,
                     "column 'time': expected milliseconds since midnight (0 to "
                     "86399999), got " +
                         QuoteForError(fields[0]));
      }
      t = day + ms * 1'000'000;
    } else {
      const std::optional<TimeNs> parsed = ParseIsoTimeInRange(TrimBlanks(fields[0]));
      if (!parsed) {
        return error(line_no, "column 'time': expected a date like 19980102 00:00, got " +
                                  QuoteForError(fields[0]));
      }
      t = *parsed;
    }
    double v[kFields] = {0, 0, 0, 0, 0, 0};
    for (int k = 1; k < kFields; ++k) {
      if (!ParseDouble(fields[k], &v[k])) {
        return error(line_no, std::string("column '") + kFieldNames[k] +
                                  "': expected a number, got " + QuoteForError(fields[k]));
      }
    }
    for (int k = 1; k <= 4; ++k) v[k] /= kDeciCentsPerDollar;
    const Status check =
        CheckBar(sink->has_previous ? &sink->previous : nullptr, t, v[1], v[2], v[3], v[4], v[5]);
    if (!check.ok()) return error(line_no, check.message());
    sink->has_previous = true;
    sink->previous = t;
    if (t >= sink->range->begin && t <= sink->range->end) {
      sink->out->Append(t, v[1], v[2], v[3], v[4], v[5]);
    }
  }
  return Status::Ok();
}

// Picks the CSV entry of a LEAN zip: the only entry, else the first whose name ends in `suffix`.
Result<const ZipEntry*> PickEntry(const ZipReader& zip, const std::string& suffix) {
  if (zip.entries().size() == 1) return &zip.entries()[0];
  for (const ZipEntry& e : zip.entries()) {
    if (EndsWith(e.name, suffix)) return &e;
  }
  std::string names;
  for (const ZipEntry& e : zip.entries()) names += (names.empty() ? "" : ", ") + e.name;
  return Status::NotFound(zip.name() + ": no entry ending in '" + suffix +
                          "' (entries: " + (names.empty() ? "none" : names) + ")");
}

Status ParseEntryInto(const ZipReader& zip, const ZipEntry& entry, bool minute, TimeNs day,
                      RowSink* sink) {
  Result<std::string> text = zip.Extract(entry);
  if (!text.ok()) return text.status();
  return ParseRows(*text, zip.name() + ":" + entry.name, minute, day, sink);
}

Status LoadEntryInto(const std::string& zip_path, const std::string& suffix, bool minute,
                     TimeNs day, RowSink* sink) {
  Result<ZipReader> zip = ZipReader::Open(zip_path);
  if (!zip.ok()) return zip.status();
  Result<const ZipEntry*> entry = PickEntry(*zip, suffix);
  if (!entry.ok()) return entry.status();
  return ParseEntryInto(*zip, **entry, minute, day, sink);
}

// The file name part of an entry name ("a/b/spy.csv" -> "spy.csv").
std::string BaseName(const std::string& entry_name) {
  const size_t slash = entry_name.rfind('/');
  return slash == std::string::npos ? entry_name : entry_name.substr(slash + 1);
}

// "YYYYMMDD_<sym>_minute_trade.csv": the date's midnight and the symbol; nullopt otherwise.
std::optional<std::pair<TimeNs, std::string>> MinuteEntry(const std::string& entry_name) {
  const std::string name = BaseName(entry_name);
  constexpr std::string_view kSuffix = "_minute_trade.csv";
  if (name.size() <= 9 + kSuffix.size() || name[8] != '_' || !EndsWith(name, kSuffix)) {
    return std::nullopt;
  }
  const std::optional<TimeNs> day = ParseIsoTimeInRange(std::string_view(name).substr(0, 8));
  if (!day ||
      !std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::pair{*day, Upper(name.substr(9, name.size() - 9 - kSuffix.size()))};
}

Status NoBars(const std::string& path, const TimeRange& range) {
  const bool ranged = range.begin != TimeRange{}.begin || range.end != TimeRange{}.end;
  if (!ranged) return Status::InvalidArgument(path + ": no data rows");
  return Status::InvalidArgument(path + ": no bars between " + FormatIsoTime(range.begin) +
                                 " and " + FormatIsoTime(range.end));
}

// The date of "YYYYMMDD_trade.zip" as midnight, or nullopt.
std::optional<TimeNs> DayOfZipName(const std::string& file_name) {
  if (!IsLeanMinuteTradeZipName(file_name)) return std::nullopt;
  return ParseIsoTimeInRange(std::string_view(file_name).substr(0, 8));
}

}  // namespace

bool IsLeanMinuteTradeZipName(const std::string& file_name) {
  if (file_name.size() != 18 || file_name.compare(8, 10, "_trade.zip") != 0) return false;
  return std::all_of(file_name.begin(), file_name.begin() + 8,
                     [](char c) { return c >= '0' && c <= '9'; });
}

Result<BarSeries> ParseLeanZip(const ZipReader& zip, const TimeRange& range) {
  const ZipEntry* daily = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    if (std::optional<std::pair<TimeNs, std::string>> minute = MinuteEntry(e.name)) {
      BarSeries bars;
      bars.symbol = minute->second;
      bars.has_volume = true;
      RowSink sink(&range, &bars);
      BTR_RETURN_IF_ERROR(ParseEntryInto(zip, e, true, minute->first, &sink));
      if (bars.empty()) return NoBars(zip.name(), range);
      return bars;
    }
    if (daily == nullptr && EndsWith(Upper(e.name), ".CSV")) daily = &e;
  }
  if (daily == nullptr) {
    std::string names;
    for (const ZipEntry& e : zip.entries()) names += (names.empty() ? "" : ", ") + e.name;
    return Status::InvalidArgument(
        zip.name() +
        ": expected a LEAN daily (<symbol>.csv) or minute (YYYYMMDD_<symbol>_minute_trade.csv) "
        "CSV inside, found " +
        (names.empty() ? std::string("no entries") : names));
  }
  const std::string base = BaseName(daily->name);
  BarSeries bars;
  bars.symbol = Upper(base.substr(0, base.size() - 4));
  bars.has_volume = true;
  RowSink sink(&range, &bars);
  BTR_RETURN_IF_ERROR(ParseEntryInto(zip, *daily, false, 0, &sink));
  if (bars.empty()) return NoBars(zip.name(), range);
  return bars;
}

Result<BarSeries> LoadLeanZip(const std::string& zip_path, const TimeRange& range) {
  if (IsLeanMinuteTradeZipName(std::filesystem::path(zip_path).filename().string())) {
    return LoadLeanMinuteZip(zip_path, range);
  }
  Result<ZipReader> zip = ZipReader::Open(zip_path);
  if (!zip.ok()) return zip.status();
  return ParseLeanZip(*zip, range);
}

Result<BarSeries> LoadLeanDailyZip(const std::string& zip_path, const TimeRange& range) {
  const std::filesystem::path p(zip_path);
  BarSeries bars;
  bars.symbol = Upper(p.stem().string());
  bars.has_volume = true;
  RowSink sink(&range, &bars);
  BTR_RETURN_IF_ERROR(LoadEntryInto(zip_path, p.stem().string() + ".csv", false, 0, &sink));
  if (bars.empty()) return NoBars(zip_path, range);
  return bars;
}

Result<BarSeries> LoadLeanMinuteZip(const std::string& zip_path, const TimeRange& range) {
  const std::filesystem::path p(zip_path);
  const std::optional<TimeNs> day = DayOfZipName(p.filename().string());
  if (!day) {
    return Status::InvalidArgument(zip_path +
                                   ": expected a LEAN minute file named like 20131007_trade.zip");
  }
  BarSeries bars;
  bars.symbol = Upper(p.parent_path().filename().string());
  bars.has_volume = true;
  RowSink sink(&range, &bars);
  BTR_RETURN_IF_ERROR(LoadEntryInto(zip_path, "_minute_trade.csv", true, *day, &sink));
  if (bars.empty()) return NoBars(zip_path, range);
  return bars;
}

Result<std::vector<std::string>> ListLeanMinuteZips(const std::string& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    std::string message = dir + ": cannot open: " + ec.message();
    if (ec == std::errc::no_such_file_or_directory) return Status::NotFound(std::move(message));
    return Status::InvalidArgument(std::move(message));
  }
  std::vector<std::string> names;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (DayOfZipName(name)) names.push_back(name);
  }
  if (ec) return Status::InvalidArgument(dir + ": cannot list: " + ec.message());
  if (names.empty()) {
    return Status::NotFound(dir + ": no LEAN minute trade files (YYYYMMDD_trade.zip)");
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& name : names)
    paths.push_back((std::filesystem::path(dir) / name).string());
  return paths;
}

Result<BarSeries> LoadLeanMinuteDir(const std::string& dir, const TimeRange& range) {
  Result<std::vector<std::string>> zips = ListLeanMinuteZips(dir);
  if (!zips.ok()) return zips.status();
  std::filesystem::path folder(dir);
  if (!folder.has_filename()) folder = folder.parent_path();  // "spy/" -> "spy"
  BarSeries bars;
  bars.symbol = Upper(folder.filename().string());
  bars.has_volume = true;
  RowSink sink(&range, &bars);
  for (const std::string& zip_path : *zips) {
    const TimeNs day = *DayOfZipName(std::filesystem::path(zip_path).filename().string());
    if (day > range.end || day + (kNsPerDay - 1) < range.begin) continue;
    BTR_RETURN_IF_ERROR(LoadEntryInto(zip_path, "_minute_trade.csv", true, day, &sink));
  }
  if (bars.empty()) return NoBars(dir, range);
  return bars;
}

}  // namespace btr
