#include "engines/core/time.h"

#include <cmath>
#include <cstdio>

namespace btr {
namespace {

bool ReadDigits(std::string_view s, size_t pos, size_t count, unsigned* out) {
  if (pos + count > s.size()) return false;
  unsigned value = 0;
  for (size_t k = 0; k < count; ++k) {
    const char c = s[pos + k];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  *out = value;
  return true;
}

constexpr unsigned kMinYear = 1678;
constexpr unsigned kMaxYear = 2261;

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Parses "[T ]HH:MM[:SS[.fff]]" then an optional zone suffix of UTC; false on anything else.
bool ParseClock(std::string_view s, size_t pos, TimeNs* out) {
  unsigned hh = 0, mm = 0, ss = 0;
  if (!ReadDigits(s, pos, 2, &hh) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !ReadDigits(s, pos + 3, 2, &mm)) {
    return false;
  }
  pos += 5;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!ReadDigits(s, pos + 1, 2, &ss)) return false;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int64_t scale = 100'000'000;
      size_t digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        nanos += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
        ++digits;
      }
      if (digits == 0) return false;
    }
  }
  const std::string_view zone = s.substr(pos);
  if (!(zone.empty() || zone == "Z" || zone == "+00:00" || zone == "+0000")) return false;
  if (hh > 23 || mm > 59 || ss > 60) return false;
  *out = static_cast<TimeNs>(hh) * kNsPerHour + static_cast<TimeNs>(mm) * kNsPerMinute +
         static_cast<TimeNs>(ss) * kNsPerSecond + nanos;
  return true;
}

// `value` and `unit` with `decimals` decimals: "12.3 ms".
std::string WithUnit(double value, int decimals, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f %s", decimals, value, unit);
  return buf;
}

}  // namespace

int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t DayNumber(TimeNs t) {
  int64_t d = t / kNsPerDay;
  if (t % kNsPerDay < 0) --d;
  return d;
}

int DayOfWeek(TimeNs t) {
  // 1970-01-01 was a Thursday (3 when Monday = 0).
  const int64_t d = DayNumber(t);
  return static_cast<int>(((d % 7) + 7 + 3) % 7);
}

CivilTime ToCivil(TimeNs t) {
  const int64_t days = DayNumber(t);
  int64_t rem = t - days * kNsPerDay;
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (c.month <= 2 ? 1 : 0));
  c.hour = static_cast<unsigned>(rem / kNsPerHour);
  rem %= kNsPerHour;
  c.minute = static_cast<unsigned>(rem / kNsPerMinute);
  rem %= kNsPerMinute;
  c.second = static_cast<unsigned>(rem / kNsPerSecond);
  c.nanos = rem % kNsPerSecond;
  return c;
}

std::optional<TimeNs> ParseIsoTime(std::string_view s) {
  unsigned year = 0, month = 0, day = 0;
  size_t pos = 0;
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-') {
    if (!ReadDigits(s, 0, 4, &year) || !ReadDigits(s, 5, 2, &month) || !ReadDigits(s, 8, 2, &day)) {
      return std::nullopt;
    }
    pos = 10;
  } else if (s.size() >= 8 && ReadDigits(s, 0, 4, &year) && ReadDigits(s, 4, 2, &month) &&
             ReadDigits(s, 6, 2, &day)) {
    pos = 8;
  } else {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(static_cast<int>(year), month)) {
    return std::nullopt;
  }
  // int64 nanoseconds cover 1677-09-21 .. 2262-04-11; keep to whole years inside that.
  if (year < kMinYear || year > kMaxYear) return std::nullopt;
  TimeNs clock = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
    if (!ParseClock(s, pos + 1, &clock)) return std::nullopt;
  }
  return DaysFromCivil(static_cast<int>(year), month, day) * kNsPerDay + clock;
}

std::string FormatIsoTime(TimeNs t, bool utc_suffix) {
  const CivilTime c = ToCivil(t);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", c.year, c.month, c.day,
                        c.hour, c.minute, c.second);
  std::string out(buf, static_cast<size_t>(n));
  if (c.nanos != 0) {
    n = std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(c.nanos));
    out.append(buf, static_cast<size_t>(n));
  }
  if (utc_suffix) out += 'Z';
  return out;
}

std::string FormatCsvTime(TimeNs t) {
  const CivilTime c = ToCivil(t);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02u:%02u:%02u", c.year, c.month,
                              c.day, c.hour, c.minute, c.second);
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatElapsed(double seconds) {
  if (!(seconds >= 0)) return "n/a";
  // Each unit up to where its rounded value would read as the next unit's 1.
  const double us = seconds * 1e6, ms = seconds * 1e3;
  if (us > 0 && us < 0.5) return "< 1 µs";
  if (us < 999.5) return WithUnit(us, 0, "µs");
  if (ms < 9.995) return WithUnit(ms, 2, "ms");
  if (ms < 99.95) return WithUnit(ms, 1, "ms");
  if (ms < 999.5) return WithUnit(ms, 0, "ms");
  if (seconds < 9.995) return WithUnit(seconds, 2, "s");
  if (seconds < 59.95) return WithUnit(seconds, 1, "s");
  const long long whole = std::llround(seconds);
  char buf[64];
  if (whole < 3600) {
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", whole / 60, whole % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", whole / 3600, (whole / 60) % 60);
  }
  return buf;
}

}  // namespace btr
