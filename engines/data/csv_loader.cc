#include "engines/data/csv_loader.h"

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engines/data/file_util.h"
#include "engines/data/parse_util.h"

namespace btr {
namespace {

using data_internal::CountLines;
using data_internal::ParseDouble;
using data_internal::ParseInt64;
using data_internal::ParseIsoTimeInRange;
using data_internal::QuoteForError;
using data_internal::ScanDecimal;
using data_internal::ShownForError;
using data_internal::TrimBlanks;

enum Role : int { kTime = 0, kOpen, kHigh, kLow, kClose, kVolume, kRoleCount };
constexpr int kNoRole = -1;
constexpr const char* kRoleNames[kRoleCount] = {"time", "open", "high", "low", "close", "volume"};

enum class TimeKind { kIso, kEpochSeconds, kEpochMillis };

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view StripQuotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

int RoleOfName(const std::string& lower) {
  if (lower == "time" || lower == "date" || lower == "datetime" || lower == "timestamp") {
    return kTime;
  }
  for (int r = kOpen; r < kRoleCount; ++r) {
    if (lower == kRoleNames[r]) return r;
  }
  return kNoRole;
}

// True when `s` is an optional '-' then 9 or more digits: epoch seconds or milliseconds.
bool LooksLikeEpoch(std::string_view s) {
  s = TrimBlanks(s);
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.size() < 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool AtFieldEnd(const char* q, const char* end) {
  return q == end || *q == ',' || *q == '\n' || *q == '\r';
}

const char* FieldEnd(const char* p, const char* end) {
  while (p != end && *p != ',' && *p != '\n' && *p != '\r') ++p;
  return p;
}

class CsvParser {
 public:
  CsvParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<BarSeries> Run();

 private:
  Status Error(size_t line, const std::string& message) const {
    return Status::InvalidArgument(std::string(source_) + ":" + std::to_string(line) + ": " +
                                   message);
  }
  Status ParseHeader(std::string_view line, size_t line_no);
  Status ParseRow(const char** cursor, const char* end, size_t line_no, BarSeries* out);
  Status ParseField(int role, std::string_view field, size_t line_no, TimeNs* t, double* values);
  std::string ColumnLabel(size_t column) const;
  void DetectTimeKind(std::string_view first_row);
  bool ParseIsoFast(std::string_view f, TimeNs* out);
  Status ParseTime(std::string_view f, size_t line_no, TimeNs* out);

  std::string_view text_;
  std::string_view source_;

  // Layout from the header.
  std::vector<int> role_of_column_;
  int column_of_role_[kRoleCount] = {kNoRole, kNoRole, kNoRole, kNoRole, kNoRole, kNoRole};
  TimeKind time_kind_ = TimeKind::kIso;

  // Rows.
  bool have_previous_ = false;
  TimeNs previous_time_ = 0;
  // The last date seen in "YYYY-MM-DD..." form and its midnight, so a date is parsed once a day.
  char cached_date_[10] = {};
  TimeNs cached_day_ns_ = 0;
  bool have_cached_date_ = false;
};

Status CsvParser::ParseHeader(std::string_view line, size_t line_no) {
  std::vector<std::string> shown;
  std::vector<std::string> lower;
  data_internal::FieldSplitter split(line);
  std::string_view raw;
  while (split.Next(&raw)) {
    const std::string_view name = TrimBlanks(StripQuotes(TrimBlanks(raw)));
    // Names are cut for messages: the first line of a binary file can be megabytes long.
    shown.emplace_back(name.empty() ? "(empty)" : ShownForError(name, 40));
    lower.push_back(Lower(name));
  }
  auto header_list = [&shown] {
    std::string out;
    for (size_t i = 0; i < shown.size(); ++i) {
      if (i > 0) out += ", ";
      if (i == 30) return out + "...";
      out += shown[i];
    }
    return out;
  };

  role_of_column_.assign(lower.size(), kNoRole);
  for (size_t c = 0; c < lower.size(); ++c) {
    const int role = RoleOfName(lower[c]);
    if (role == kNoRole) continue;
    const int other = column_of_role_[role];
    if (other != kNoRole) {
      const std::string what = role == kTime
                                   ? "two time columns"
                                   : "column '" + std::string(kRoleNames[role]) + "' appears twice";
      return Error(line_no, what + " ('" + shown[static_cast<size_t>(other)] + "' and '" +
                                shown[c] + "'); expected one (header has: " + header_list() + ")");
    }
    column_of_role_[role] = static_cast<int>(c);
    role_of_column_[c] = role;
  }
  if (column_of_role_[kTime] == kNoRole && !lower.empty() && lower[0].empty()) {
    column_of_role_[kTime] = 0;
    role_of_column_[0] = kTime;
  }
  if (column_of_role_[kTime] == kNoRole) {
    return Error(line_no,
                 "missing the time column: expected one named time, date, datetime or "
                 "timestamp, or an unnamed first column (header has: " +
                     header_list() + "); the first line must be a header");
  }
  for (int r = kOpen; r <= kClose; ++r) {
    if (column_of_role_[r] == kNoRole) {
      return Error(line_no, std::string("missing column '") + kRoleNames[r] +
                                "' (header has: " + header_list() + ")");
    }
  }
  return Status::Ok();
}

bool CsvParser::ParseIsoFast(std::string_view f, TimeNs* out) {
  if ((f.size() != 10 && f.size() != 19) || f[4] != '-' || f[7] != '-') return false;
  if (!have_cached_date_ || std::memcmp(f.data(), cached_date_, 10) != 0) {
    const std::optional<TimeNs> day = ParseIsoTimeInRange(f.substr(0, 10));
    if (!day) return false;
    std::memcpy(cached_date_, f.data(), 10);
    cached_day_ns_ = *day;
    have_cached_date_ = true;
  }
  if (f.size() == 10) {
    *out = cached_day_ns_;
    return true;
  }
  if ((f[10] != ' ' && f[10] != 'T') || f[13] != ':' || f[16] != ':') return false;
  unsigned d[6];
  static constexpr size_t kPos[6] = {11, 12, 14, 15, 17, 18};
  for (int k = 0; k < 6; ++k) {
    d[k] = static_cast<unsigned char>(f[kPos[k]] - '0');
    if (d[k] > 9) return false;
  }
  const unsigned hh = d[0] * 10 + d[1], mm = d[2] * 10 + d[3], ss = d[4] * 10 + d[5];
  if (hh > 23 || mm > 59 || ss > 59) return false;
  *out = cached_day_ns_ + static_cast<TimeNs>(hh) * kNsPerHour +
         static_cast<TimeNs>(mm) * kNsPerMinute + static_cast<TimeNs>(ss) * kNsPerSecond;
  return true;
}

Status CsvParser::ParseTime(std::string_view f, size_t line_no, TimeNs* out) {
  if (time_kind_ == TimeKind::kIso) {
    if (ParseIsoFast(f, out)) return Status::Ok();
    const std::optional<TimeNs> t = ParseIsoTimeInRange(TrimBlanks(f));
    if (t) {
      *out = *t;
      return Status::Ok();
    }
    return Error(line_no,
                 "column 'time': expected a date or date-time like 2020-01-31 or "
                 "2020-01-31 09:30:00, got " +
                     QuoteForError(f));
  }
  const bool millis = time_kind_ == TimeKind::kEpochMillis;
  const char* unit = millis ? "milliseconds" : "seconds";
  int64_t v = 0;
  if (!ParseInt64(f, &v)) {
    return Error(line_no, std::string("column 'time': expected integer epoch ") + unit +
                              " (as in the first row), got " + QuoteForError(f));
  }
  const int64_t scale = millis ? 1'000'000 : kNsPerSecond;
  if (v > INT64_MAX / scale || v < INT64_MIN / scale) {
    return Error(line_no, std::string("column 'time': epoch ") + unit + " out of range, got " +
                              QuoteForError(f));
  }
  *out = v * scale;
  return Status::Ok();
}

std::string CsvParser::ColumnLabel(size_t column) const {
  const int role = column < role_of_column_.size() ? role_of_column_[column] : kNoRole;
  if (role != kNoRole) return std::string("column '") + kRoleNames[role] + "'";
  return "field " + std::to_string(column + 1);
}

Status CsvParser::ParseField(int role, std::string_view field, size_t line_no, TimeNs* t,
                             double* values) {
  if (role == kTime) return ParseTime(field, line_no, t);
  if (role != kNoRole && !ParseDouble(field, &values[role])) {
    return Error(line_no, std::string("column '") + kRoleNames[role] +
                              "': expected a number, got " + QuoteForError(field));
  }
  return Status::Ok();
}

Status CsvParser::ParseRow(const char** cursor, const char* end, size_t line_no, BarSeries* out) {
  const char* p = *cursor;
  const size_t num_columns = role_of_column_.size();
  double values[kRoleCount] = {0, 0, 0, 0, 0, 0};
  TimeNs t = 0;
  size_t column = 0;
  while (true) {
    const int role = column < num_columns ? role_of_column_[column] : kNoRole;
    const char* q;
    if (p != end && *p == '"') {
      const char* close = p + 1;
      while (close != end && *close != '"' && *close != '\n') ++close;
      if (close == end || *close != '"') {
        return Error(line_no, ColumnLabel(column) + ": unterminated quote");
      }
      q = close + 1;
      if (!AtFieldEnd(q, end)) {
        return Error(line_no, ColumnLabel(column) + ": expected a comma after the closing quote");
      }
      BTR_RETURN_IF_ERROR(ParseField(
          role, std::string_view(p + 1, static_cast<size_t>(close - p - 1)), line_no, &t, values));
    } else {
      // Prices and volume: one pass over the digits when the number is a plain decimal.
      q = role >= kOpen ? ScanDecimal(p, end, &values[role]) : nullptr;
      if (q == nullptr || !AtFieldEnd(q, end)) {
        q = FieldEnd(p, end);
        BTR_RETURN_IF_ERROR(
            ParseField(role, std::string_view(p, static_cast<size_t>(q - p)), line_no, &t, values));
      }
    }
    ++column;
    if (q == end || *q != ',') {
      p = q;
      break;
    }
    p = q + 1;
  }
  if (p != end && *p == '\r') ++p;
  if (p != end) {
    if (*p != '\n') return Error(line_no, "unexpected carriage return inside the line");
    ++p;
  }
  *cursor = p;

  if (column < num_columns) {
    for (size_t c = column; c < num_columns; ++c) {
      if (role_of_column_[c] != kNoRole) {
        return Error(line_no, ColumnLabel(c) + ": missing value (the row has " +
                                  std::to_string(column) + " fields, the header has " +
                                  std::to_string(num_columns) + ")");
      }
    }
  }
  if (column != num_columns) {
    return Error(line_no, "the row has " + std::to_string(column) + " fields, the header has " +
                              std::to_string(num_columns));
  }
  const Status check = CheckBar(have_previous_ ? &previous_time_ : nullptr, t, values[kOpen],
                                values[kHigh], values[kLow], values[kClose], values[kVolume]);
  if (!check.ok()) return Error(line_no, check.message());
  have_previous_ = true;
  previous_time_ = t;
  out->Append(t, values[kOpen], values[kHigh], values[kLow], values[kClose], values[kVolume]);
  return Status::Ok();
}

// The line starting at p, without its "\n" or "\r\n"; *next is set past the line end.
std::string_view LineAt(const char* p, const char* end, const char** next) {
  const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
  const char* line_end = nl != nullptr ? static_cast<const char*>(nl) : end;
  *next = nl != nullptr ? line_end + 1 : end;
  std::string_view line(p, static_cast<size_t>(line_end - p));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void CsvParser::DetectTimeKind(std::string_view line) {
  data_internal::FieldSplitter split(line);
  std::string_view field;
  for (int c = 0; c <= column_of_role_[kTime] && split.Next(&field); ++c) {
  }
  field = StripQuotes(TrimBlanks(field));
  int64_t v = 0;
  if (LooksLikeEpoch(field) && ParseInt64(field, &v)) {
    time_kind_ = v >= 100'000'000'000 || v <= -100'000'000'000 ? TimeKind::kEpochMillis
                                                               : TimeKind::kEpochSeconds;
  } else if (LooksLikeEpoch(field)) {
    time_kind_ = TimeKind::kEpochSeconds;  // too long for int64: reported on the row
  }
}

Result<BarSeries> CsvParser::Run() {
  std::string_view text = text_;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument(std::string(source_) + ": file is empty");
  }
  const char* p = text.data();
  const char* const end = p + text.size();
  size_t line_no = 0;
  std::string_view header;
  while (p != end) {
    ++line_no;
    header = LineAt(p, end, &p);
    if (!TrimBlanks(header).empty()) break;
  }
  const size_t header_line = line_no;
  BTR_RETURN_IF_ERROR(ParseHeader(header, header_line));

  BarSeries bars;
  bars.has_volume = column_of_role_[kVolume] != kNoRole;
  bars.Reserve(CountLines(std::string_view(p, static_cast<size_t>(end - p))));
  bool first = true;
  while (p != end) {
    ++line_no;
    const char c = *p;
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      const char* next = nullptr;
      if (TrimBlanks(LineAt(p, end, &next)).empty()) {  // an empty line carries no row
        p = next;
        continue;
      }
    }
    if (first) {
      const char* next = nullptr;
      DetectTimeKind(LineAt(p, end, &next));
      first = false;
    }
    BTR_RETURN_IF_ERROR(ParseRow(&p, end, line_no, &bars));
  }
  if (bars.empty()) {
    return Status::InvalidArgument(std::string(source_) +
                                   ": no data rows after the header on line " +
                                   std::to_string(header_line));
  }
  return bars;
}

}  // namespace

Result<BarSeries> ParseCsv(std::string_view text, std::string_view source_name) {
  return CsvParser(text, source_name).Run();
}

Result<BarSeries> LoadCsvFile(const std::string& path) {
  Result<FileBytes> bytes = FileBytes::Read(path);
  if (!bytes.ok()) return bytes.status();
  Result<BarSeries> bars = ParseCsv(bytes->view(), path);
  if (bars.ok()) bars->symbol = std::filesystem::path(path).stem().string();
  return bars;
}

}  // namespace btr
