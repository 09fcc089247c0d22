#include "adapters/lean/lean_log.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace btr::lean {
namespace {

constexpr size_t kMaxErrorLines = 20;
constexpr double kMaxRunningProgress = 0.999;  // as LEAN caps its own progress

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True when s[pos..pos+n) are all digits.
bool Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  return std::all_of(s.begin() + static_cast<long>(pos), s.begin() + static_cast<long>(pos + n),
                     IsDigit);
}

// The statistic keys LEAN prints (PerformanceMetrics), longest first where one is a prefix of
// another, so "STATISTICS:: Lowest Capacity Asset SPY R735QTJ8XC9X" splits after the key.
// clang-format off
constexpr std::string_view kStatisticKeys[] = {
    "Total Orders", "Average Win", "Average Loss", "Compounding Annual Return",
    "Drawdown Recovery", "Drawdown", "Expectancy", "Start Equity", "End Equity", "Net Profit",
    "Sharpe Ratio", "Sortino Ratio", "Probabilistic Sharpe Ratio", "Loss Rate", "Win Rate",
    "Profit-Loss Ratio", "Alpha", "Beta", "Annual Standard Deviation", "Annual Variance",
    "Information Ratio", "Tracking Error", "Treynor Ratio", "Total Fees",
    "Estimated Strategy Capacity", "Lowest Capacity Asset", "Portfolio Turnover", "OrderListHash",
    "Total Trades",
};
// clang-format on

enum class Kind { kPlain, kEngine, kAlgorithm };

struct Parsed {
  Kind kind = Kind::kPlain;
  std::string_view level;      // "TRACE", "ERROR", ... for engine lines
  std::string_view text;       // the message after the prefix
  std::optional<TimeNs> time;  // algorithm time (kAlgorithm lines)
};

// Splits "LEVEL:: text" at the start of s; false when s does not start so.
bool SplitLevel(std::string_view s, std::string_view* level, std::string_view* text) {
  const size_t colons = s.find(":: ");
  const size_t bare = s.size() >= 2 && s.substr(s.size() - 2) == "::" ? s.size() - 2 : s.npos;
  const size_t at = std::min(colons, bare);
  if (at == std::string_view::npos || at == 0 || at > 12) return false;
  for (char c : s.substr(0, at)) {
    if (!(c >= 'A' && c <= 'Z')) return false;
  }
  *level = s.substr(0, at);
  *text = at + 3 <= s.size() ? s.substr(at + 3) : std::string_view();
  return true;
}

Parsed ParseLine(std::string_view line) {
  Parsed p;
  p.text = line;
  // stdout: "20251105 01:59:40.506 TRACE:: text"
  if (Digits(line, 0, 8) && line.size() > 18 && line[8] == ' ' && Digits(line, 9, 2) &&
      line[11] == ':') {
    const size_t space = line.find(' ', 9);
    if (space != std::string_view::npos && SplitLevel(line.substr(space + 1), &p.level, &p.text)) {
      p.kind = Kind::kEngine;
      return p;
    }
  }
  // log.txt: "2025-11-05T01:59:40.5069263Z TRACE:: text"
  if (Digits(line, 0, 4) && line.size() > 20 && line[4] == '-' && line[10] == 'T') {
    const size_t space = line.find(' ');
    if (space != std::string_view::npos && line[space - 1] == 'Z' &&
        SplitLevel(line.substr(space + 1), &p.level, &p.text)) {
      p.kind = Kind::kEngine;
      return p;
    }
  }
  // <id>-log.txt: "2023-01-03 09:31:00 text" (algorithm time, New York)
  if (line.size() >= 19 && Digits(line, 0, 4) && line[4] == '-' && line[10] == ' ' &&
      line[13] == ':' && line[16] == ':') {
    if (const std::optional<TimeNs> t = ParseIsoTime(line.substr(0, 19))) {
      p.kind = Kind::kAlgorithm;
      p.time = t;
      p.text = line.size() > 20 ? line.substr(20) : std::string_view();
      return p;
    }
  }
  // An unprefixed "LEVEL:: text" (LEAN prints "STATISTICS::" and "DATA USAGE::" blocks so).
  if (SplitLevel(line, &p.level, &p.text)) p.kind = Kind::kEngine;
  return p;
}

// "M/D/YYYY" or "MM/DD/YYYY" at the start of s → midnight; `used` gets the length read.
std::optional<TimeNs> ParseUsDate(std::string_view s, size_t* used) {
  unsigned parts[3] = {0, 0, 0};
  size_t pos = 0;
  for (int k = 0; k < 3; ++k) {
    const size_t begin = pos;
    while (pos < s.size() && IsDigit(s[pos]) && pos - begin < 4) {
      parts[k] = parts[k] * 10 + static_cast<unsigned>(s[pos] - '0');
      ++pos;
    }
    if (pos == begin) return std::nullopt;
    if (k < 2) {
      if (pos >= s.size() || s[pos] != '/') return std::nullopt;
      ++pos;
    }
  }
  if (parts[0] < 1 || parts[0] > 12 || parts[1] < 1 || parts[1] > 31 || parts[2] < 1678 ||
      parts[2] > 2261) {
    return std::nullopt;
  }
  *used = pos;
  return DaysFromCivil(static_cast<int>(parts[2]), parts[0], parts[1]) * kNsPerDay;
}

// "1/31/2023 11:59:59 PM" → that time.
std::optional<TimeNs> ParseUsDateTime(std::string_view s) {
  size_t used = 0;
  const std::optional<TimeNs> day = ParseUsDate(s, &used);
  if (!day) return std::nullopt;
  s.remove_prefix(used);
  unsigned h = 0, m = 0, sec = 0;
  if (s.size() < 9 || s[0] != ' ') return day;
  s.remove_prefix(1);
  size_t pos = 0;
  while (pos < s.size() && IsDigit(s[pos]) && pos < 2)
    h = h * 10 + static_cast<unsigned>(s[pos++] - '0');
  if (pos == 0 || !(s.size() >= pos + 6 && s[pos] == ':' && Digits(s, pos + 1, 2) &&
                    s[pos + 3] == ':' && Digits(s, pos + 4, 2))) {
    return day;
  }
  m = static_cast<unsigned>((s[pos + 1] - '0') * 10 + (s[pos + 2] - '0'));
  sec = static_cast<unsigned>((s[pos + 4] - '0') * 10 + (s[pos + 5] - '0'));
  const std::string_view rest = s.substr(pos + 6);
  if (rest.substr(0, 3) == " PM" && h < 12) h += 12;
  if (rest.substr(0, 3) == " AM" && h == 12) h = 0;
  return *day + static_cast<TimeNs>(h) * kNsPerHour + static_cast<TimeNs>(m) * kNsPerMinute +
         static_cast<TimeNs>(sec) * kNsPerSecond;
}

// The number at the start of s with thousands separators dropped ("15,601" → 15601).
std::optional<double> LeadingNumber(std::string_view s) {
  std::string digits;
  size_t pos = 0;
  while (pos < s.size() && (IsDigit(s[pos]) || s[pos] == ',' || s[pos] == '.')) {
    if (s[pos] != ',') digits += s[pos];
    ++pos;
  }
  if (digits.empty() || digits == ".") return std::nullopt;
  return std::strtod(digits.c_str(), nullptr);
}

// "Algorithm Id:(1654346112) completed in 1.41 seconds at 11k data points per second.
// Processing total of 15,601 data points."
std::optional<LeanSummary> ParseSummary(std::string_view text) {
  const size_t id_at = text.find("Algorithm Id:(");
  if (id_at == std::string_view::npos) return std::nullopt;
  const size_t id_begin = id_at + 14;
  const size_t id_end = text.find(')', id_begin);
  const size_t in_at = text.find(") completed in ", id_begin);
  if (id_end == std::string_view::npos || in_at != id_end) return std::nullopt;
  LeanSummary summary;
  summary.algorithm_id = std::string(text.substr(id_begin, id_end - id_begin));
  const std::optional<double> seconds = LeadingNumber(text.substr(in_at + 15));
  if (!seconds) return std::nullopt;
  summary.seconds = *seconds;
  const size_t total_at = text.find("Processing total of ");
  if (total_at != std::string_view::npos) {
    summary.data_points = LeadingNumber(text.substr(total_at + 20)).value_or(0);
  }
  return summary;
}

}  // namespace

void LeanLogFollower::set_range(TimeNs start, TimeNs end) {
  if (!range_from_log_) {
    start_ = start;
    end_ = end;
  }
}

void LeanLogFollower::Feed(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  const Parsed p = ParseLine(line);
  std::string_view text = p.text;

  if (p.kind == Kind::kEngine && p.level == "STATISTICS") {
    in_error_ = false;
    std::string_view key, value;
    for (std::string_view known : kStatisticKeys) {
      if (text.substr(0, known.size()) == known &&
          (text.size() == known.size() || text[known.size()] == ' ')) {
        key = known;
        value = text.size() > known.size() ? text.substr(known.size() + 1) : std::string_view();
        break;
      }
    }
    if (key.empty()) {  // an unknown key: the value is the last word
      const size_t space = text.rfind(' ');
      key = space == std::string_view::npos ? text : text.substr(0, space);
      value = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    }
    if (!key.empty()) statistics_[std::string(key)] = std::string(value);
    return;
  }
  if (p.kind == Kind::kEngine) {
    in_error_ = p.level == "ERROR";
    if (in_error_ && errors_.size() < kMaxErrorLines) errors_.emplace_back(text);
  } else if (p.kind == Kind::kPlain && in_error_) {
    if (!line.empty() && errors_.size() < kMaxErrorLines) errors_.emplace_back(line);
    return;
  } else if (p.kind == Kind::kAlgorithm) {
    in_error_ = false;
    if (!algorithm_time_ || *p.time > *algorithm_time_) algorithm_time_ = p.time;
  }

  if (const size_t at = text.find("BTR_PROGRESS "); at != std::string_view::npos) {
    std::string_view stamp = text.substr(at + 13);
    stamp = stamp.substr(0, stamp.find(' '));
    if (const std::optional<TimeNs> t = ParseIsoTime(stamp)) {
      if (!algorithm_time_ || *t > *algorithm_time_) algorithm_time_ = t;
    }
  }
  if (const size_t at = text.find("Dates: Start: "); at != std::string_view::npos) {
    size_t used = 0;
    const std::string_view rest = text.substr(at + 14);
    const std::optional<TimeNs> start = ParseUsDate(rest, &used);
    const size_t end_at = rest.find(" End: ");
    size_t end_used = 0;
    const std::optional<TimeNs> end = end_at == std::string_view::npos
                                          ? std::nullopt
                                          : ParseUsDate(rest.substr(end_at + 6), &end_used);
    if (start && end && *end >= *start) {
      start_ = *start;
      end_ = *end + kNsPerDay - kNsPerSecond;  // the end date runs to 23:59:59
      range_from_log_ = true;
    }
  }
  if (const size_t at = text.find("Begin DataStream - Start: "); at != std::string_view::npos) {
    const std::string_view rest = text.substr(at + 26);
    const size_t stop_at = rest.find(" Stop: ");
    const std::optional<TimeNs> start = ParseUsDateTime(rest);
    const std::optional<TimeNs> stop = stop_at == std::string_view::npos
                                           ? std::nullopt
                                           : ParseUsDateTime(rest.substr(stop_at + 7));
    if (start && stop && *stop > *start) {
      start_ = *start;
      end_ = *stop;
      range_from_log_ = true;
    }
  }
  if (const size_t at = text.find("LEAN ALGORITHMIC TRADING ENGINE v");
      at != std::string_view::npos) {
    std::string_view version = text.substr(at + 33);
    engine_version_ = std::string(version.substr(0, version.find(' ')));
  } else if (const size_t with = text.find("with LEAN Engine v");
             with != std::string_view::npos && engine_version_.empty()) {
    std::string_view version = text.substr(with + 18);
    engine_version_ = std::string(version.substr(0, version.find(' ')));
  }
  if (!summary_) summary_ = ParseSummary(text);
}

std::optional<double> LeanLogFollower::progress() const {
  if (summary_) return 1.0;
  if (!start_ || !end_ || !algorithm_time_ || *end_ <= *start_) return std::nullopt;
  const double fraction =
      static_cast<double>(*algorithm_time_ - *start_) / static_cast<double>(*end_ - *start_);
  return std::clamp(fraction, 0.0, kMaxRunningProgress);
}

}  // namespace btr::lean
