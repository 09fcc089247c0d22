// Timestamps: int64 nanoseconds since 1970-01-01 00:00:00, with no time zone attached (bars
// carry the wall-clock time of their source, as pandas does with a naive DatetimeIndex).
// Civil-date arithmetic is proleptic Gregorian. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace btr {

using TimeNs = int64_t;

inline constexpr TimeNs kNsPerSecond = 1'000'000'000;
inline constexpr TimeNs kNsPerMinute = 60 * kNsPerSecond;
inline constexpr TimeNs kNsPerHour = 60 * kNsPerMinute;
inline constexpr TimeNs kNsPerDay = 24 * kNsPerHour;

// Days since 1970-01-01 for a civil date (month 1..12, day 1..31; not range-checked).
int64_t DaysFromCivil(int year, unsigned month, unsigned day);

struct CivilTime {
  int year = 1970;
  unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
};
CivilTime ToCivil(TimeNs t);

// Floor division of a time to whole days (days since epoch), correct for negative times.
int64_t DayNumber(TimeNs t);
// 0 = Monday ... 6 = Sunday.
int DayOfWeek(TimeNs t);

// Parses an ISO-8601 date or date-time: "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS[.fff...]]",
// an optional trailing "Z" or "+00:00". Also "YYYYMMDD[ HH:MM]" (LEAN daily style).
// Returns nullopt when the text is not such a time or a field is out of range (years must lie
// in 1678..2261, the span of int64 nanoseconds).
std::optional<TimeNs> ParseIsoTime(std::string_view text);

// "YYYY-MM-DDTHH:MM:SS" with ".fffffffff" only when there are sub-second nanoseconds, plus "Z"
// when `utc_suffix` is set.
std::string FormatIsoTime(TimeNs t, bool utc_suffix = false);
// "YYYY-MM-DD HH:MM:SS", the layout of generated CSV files.
std::string FormatCsvTime(TimeNs t);

// A measured wall time for people: "0 µs", "< 1 µs", "41 µs", "1.52 ms", "12.3 ms",
// "153 ms", "1.52 s", "12.3 s", "2 min 05 s", "1 h 02 min"; "n/a" for NaN or a negative time.
std::string FormatElapsed(double seconds);

}  // namespace btr
