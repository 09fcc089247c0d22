// LEAN's number and time formats: ParseLeanNumber, ParseTimeSpanSeconds and the New York clock.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "adapters/lean/lean_internal.h"
#include "adapters/lean/lean_result.h"

namespace btr::lean {
namespace {

using internal::LeanNumber;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Currency symbols LEAN puts in front of amounts: "$", the generic "¤" (UTF-8 C2 A4) and, for
// other account currencies, "€", "£", "¥". Returns the symbol's length at the start of s, or 0.
size_t CurrencyPrefix(std::string_view s) {
  static constexpr std::string_view kSymbols[] = {"$", "\xC2\xA4", "\xE2\x82\xAC", "\xC2\xA3",
                                                  "\xC2\xA5"};
  for (std::string_view symbol : kSymbols) {
    if (s.substr(0, symbol.size()) == symbol) return symbol.size();
  }
  return 0;
}

// Removes thousands separators from the integer part of a plain number ("100,000.5"); false when
// the commas are not in groups of three digits.
bool StripThousands(std::string_view s, std::string* out) {
  const size_t int_end = s.find_first_of(".eE");
  const std::string_view integer = s.substr(0, int_end);
  if (integer.find(',') != std::string_view::npos) {
    size_t group = 0;
    bool seen_comma = false;
    for (size_t i = 0; i < integer.size(); ++i) {
      const char c = integer[i];
      if (c == ',') {
        if (group == 0 || (seen_comma && group != 3) || group > 3) return false;
        seen_comma = true;
        group = 0;
      } else {
        ++group;
      }
    }
    if (group != 3) return false;
  }
  out->clear();
  for (char c : s.substr(0, int_end)) {
    if (c != ',') out->push_back(c);
  }
  if (int_end != std::string_view::npos) out->append(s.substr(int_end));
  return true;
}

std::optional<LeanNumber> ParseNumberText(std::string_view s) {
  s = Trim(s);
  bool negative = false;
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {  // accounting negative "($1.30)"
    negative = true;
    s = Trim(s.substr(1, s.size() - 2));
  }
  bool seen_sign = false, seen_currency = false;
  while (!s.empty()) {
    if (s.front() == '-' || s.front() == '+') {
      if (seen_sign) return std::nullopt;
      seen_sign = true;
      negative = negative != (s.front() == '-');
      s.remove_prefix(1);
    } else if (const size_t n = CurrencyPrefix(s); n > 0) {
      if (seen_currency) return std::nullopt;
      seen_currency = true;
      s.remove_prefix(n);
    } else {
      break;
    }
  }
  bool percent = false;
  if (!s.empty() && s.back() == '%') {
    percent = true;
    s = Trim(s.substr(0, s.size() - 1));
  }
  if (s.empty() || !(IsDigit(s.front()) || s.front() == '.')) return std::nullopt;
  std::string plain;
  if (!StripThousands(s, &plain)) return std::nullopt;
  double value = 0;
  const char* const begin = plain.data();
  const char* const end = begin + plain.size();
  const auto [stop, ec] = std::from_chars(begin, end, value, std::chars_format::general);
  if (ec != std::errc() || stop != end || !std::isfinite(value)) return std::nullopt;

  // Digits after the decimal point, shifted by an exponent if any.
  const size_t dot = plain.find('.');
  const size_t exp = plain.find_first_of("eE");
  long decimals = 0;
  if (dot != std::string::npos) {
    decimals = static_cast<long>((exp == std::string::npos ? plain.size() : exp) - dot - 1);
  }
  if (exp != std::string::npos) decimals -= std::strtol(plain.c_str() + exp + 1, nullptr, 10);
  LeanNumber out;
  out.value = negative ? -value : value;
  out.resolution = std::pow(10.0, static_cast<double>(-decimals));
  if (percent) {
    out.value /= 100;
    out.resolution /= 100;
  }
  return out;
}

// Days of a civil date at 00:00 as TimeNs.
TimeNs Midnight(int year, unsigned month, unsigned day) {
  return DaysFromCivil(year, month, day) * kNsPerDay;
}

// The day of the month of the n-th (1-based) Sunday of a month.
unsigned NthSunday(int year, unsigned month, unsigned n) {
  const int dow = DayOfWeek(Midnight(year, month, 1));  // 0 = Monday .. 6 = Sunday
  return 1 + static_cast<unsigned>((6 - dow + 7) % 7) + 7 * (n - 1);
}

unsigned LastSunday(int year, unsigned month, unsigned days_in_month) {
  const int dow = DayOfWeek(Midnight(year, month, days_in_month));
  return days_in_month - static_cast<unsigned>((dow + 1) % 7);
}

// The local dates (midnight) on which daylight saving time starts and ends in `year`, by the US
// rules: 2007+ second Sunday of March to first Sunday of November; 1987-2006 first Sunday of
// April to last Sunday of October; 1967-1986 last Sunday of April to last Sunday of October
// (the 1974/75 emergency rules are not modelled); no DST before 1967. False when none.
bool DstDates(int year, TimeNs* start_day, TimeNs* end_day) {
  if (year < 1967) return false;
  if (year >= 2007) {
    *start_day = Midnight(year, 3, NthSunday(year, 3, 2));
    *end_day = Midnight(year, 11, NthSunday(year, 11, 1));
  } else if (year >= 1987) {
    *start_day = Midnight(year, 4, NthSunday(year, 4, 1));
    *end_day = Midnight(year, 10, LastSunday(year, 10, 31));
  } else {
    *start_day = Midnight(year, 4, LastSunday(year, 4, 30));
    *end_day = Midnight(year, 10, LastSunday(year, 10, 31));
  }
  return true;
}

constexpr TimeNs kEst = 5 * kNsPerHour;  // UTC - 5h
constexpr TimeNs kEdt = 4 * kNsPerHour;  // UTC - 4h

}  // namespace

namespace internal {

std::optional<LeanNumber> ParseLeanNumberDetailed(const nlohmann::json& value) {
  if (value.is_number()) {
    const double v = value.get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    return LeanNumber{v, 0};
  }
  if (value.is_string()) return ParseNumberText(value.get_ref<const std::string&>());
  return std::nullopt;
}

const nlohmann::json* Member(const nlohmann::json& object, std::string_view key,
                             std::string_view fallback_key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it != object.end()) return &*it;
  if (!fallback_key.empty()) {
    it = object.find(fallback_key);
    if (it != object.end()) return &*it;
  }
  return nullptr;
}

std::string PathPart(std::string_view key) {
  if (key.find(' ') == std::string_view::npos) return std::string(key);
  return "\"" + std::string(key) + "\"";
}

}  // namespace internal

std::optional<double> ParseLeanNumber(const nlohmann::json& value) {
  const std::optional<LeanNumber> n = internal::ParseLeanNumberDetailed(value);
  if (!n) return std::nullopt;
  return n->value;
}

std::optional<double> ParseTimeSpanSeconds(const std::string& text) {
  std::string_view s = Trim(text);
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  // [d.]hh:mm[:ss[.fffffff]]
  auto read_int = [&s](int64_t* out) {
    size_t n = 0;
    int64_t v = 0;
    while (n < s.size() && IsDigit(s[n]) && n < 12) {
      v = v * 10 + (s[n] - '0');
      ++n;
    }
    if (n == 0) return false;
    s.remove_prefix(n);
    *out = v;
    return true;
  };
  int64_t days = 0, hours = 0, minutes = 0, seconds = 0;
  if (!read_int(&hours)) return std::nullopt;
  if (!s.empty() && s.front() == '.') {  // the first number was the days
    s.remove_prefix(1);
    days = hours;
    if (!read_int(&hours)) return std::nullopt;
  }
  if (s.empty() || s.front() != ':') return std::nullopt;
  s.remove_prefix(1);
  if (!read_int(&minutes)) return std::nullopt;
  double fraction = 0;
  if (!s.empty() && s.front() == ':') {
    s.remove_prefix(1);
    if (!read_int(&seconds)) return std::nullopt;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      double scale = 0.1;
      size_t n = 0;
      while (!s.empty() && IsDigit(s.front())) {
        fraction += (s.front() - '0') * scale;
        scale /= 10;
        s.remove_prefix(1);
        ++n;
      }
      if (n == 0) return std::nullopt;
    }
  }
  if (!s.empty() || hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;
  const double total =
      static_cast<double>(((days * 24 + hours) * 60 + minutes) * 60 + seconds) + fraction;
  return negative ? -total : total;
}

TimeNs UtcToNewYork(TimeNs utc) {
  TimeNs start_day = 0, end_day = 0;
  if (DstDates(ToCivil(utc).year, &start_day, &end_day)) {
    // DST runs from 02:00 EST (07:00 UTC) on the start day to 02:00 EDT (06:00 UTC) on the end day.
    if (utc >= start_day + 7 * kNsPerHour && utc < end_day + 6 * kNsPerHour) return utc - kEdt;
  }
  return utc - kEst;
}

TimeNs NewYorkToUtc(TimeNs new_york) {
  TimeNs start_day = 0, end_day = 0;
  if (DstDates(ToCivil(new_york).year, &start_day, &end_day)) {
    // Wall-clock times 02:00-02:59 of the start day do not exist; they are read as EST (so they
    // come back as 03:00-03:59 EDT). 01:00-01:59 of the end day happen twice; the first (EDT)
    // is meant.
    if (new_york >= start_day + 3 * kNsPerHour && new_york < end_day + 2 * kNsPerHour) {
      return new_york + kEdt;
    }
  }
  return new_york + kEst;
}

}  // namespace btr::lean
