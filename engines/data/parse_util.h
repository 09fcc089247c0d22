// Text-parsing helpers shared by the CSV and LEAN loaders: exact fast number parsing, line
// iteration, and quoting of bad values for error messages. Internal to engines/data.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "engines/core/time.h"

namespace btr::data_internal {

// Exact powers of ten as doubles (10^0 .. 10^22 are all exactly representable).
inline constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The general path of ParseDouble: trims blanks, allows a leading '+', then std::from_chars.
bool ParseDoubleSlow(std::string_view s, double* out);

// The exact fast path of number parsing: reads an optional '-', digits, and an optional '.'
// followed by digits, from p. When that has 1 to 15 significant digits in all, stores the value
// (an exact integer divided by an exact power of ten: correctly rounded by IEEE division, so
// identical to std::from_chars) and returns the pointer just past it; otherwise returns nullptr.
// The caller checks that the number ends where the field does.
inline const char* ScanDecimal(const char* p, const char* end, double* out) {
  bool negative = false;
  if (p != end && *p == '-') {
    negative = true;
    ++p;
  }
  uint64_t mantissa = 0;
  const char* const int_start = p;
  while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
    mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  long digits = p - int_start;
  long fraction = 0;
  if (p != end && *p == '.') {
    ++p;
    const char* const frac_start = p;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
      ++p;
    }
    fraction = p - frac_start;
    digits += fraction;
  }
  if (digits == 0 || digits > 15) return nullptr;
  double value = static_cast<double>(mantissa);
  if (fraction > 0) value /= kPow10[fraction];
  *out = negative ? -value : value;
  return p;
}

// Parses the whole of `s` as a decimal number ("12", "-0.5", "1.0716", "1e-3", "nan", "inf"),
// blanks around it allowed. The result is the correctly rounded double, identical to
// std::from_chars (plain decimals take ScanDecimal). Returns false when `s` is not a number.
inline bool ParseDouble(std::string_view s, double* out) {
  const char* const end = s.data() + s.size();
  const char* const stop = ScanDecimal(s.data(), end, out);
  if (stop != nullptr && stop == end) return true;
  return ParseDoubleSlow(s, out);
}

// ParseIsoTime (engines/core/time.h) restricted to the years 1678..2261, whose instants all fit
// in an int64 count of nanoseconds; nullopt otherwise. (ParseIsoTime itself does not check, and
// its arithmetic overflows for years far outside that range.)
std::optional<TimeNs> ParseIsoTimeInRange(std::string_view s);

// Parses the whole of `s` as a base-10 integer with an optional '-' (blanks trimmed).
bool ParseInt64(std::string_view s, int64_t* out);

// Trims spaces and tabs at both ends.
std::string_view TrimBlanks(std::string_view s);

// `s` for an error message: at most `max_chars` characters ("..." appended when cut), control
// bytes and bytes that are not UTF-8 shown as \xNN, so the message stays valid UTF-8
// (engines/core/utf8.h).
std::string ShownForError(std::string_view s, size_t max_chars);

// ShownForError(s, 40) in single quotes: 'abc'.
std::string QuoteForError(std::string_view s);

// Iterates the lines of a text. Accepts LF and CRLF endings and a missing final newline; a
// trailing "\r" is removed from each line. Line numbers are 1-based.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  // Sets *line to the next line (without its end) and returns true; false at the end of the text.
  bool Next(std::string_view* line) {
    if (p_ == end_) return false;
    const char* nl =
        static_cast<const char*>(std::memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
    const char* line_end = nl != nullptr ? nl : end_;
    const char* content_end = line_end;
    if (content_end != p_ && content_end[-1] == '\r') --content_end;
    *line = std::string_view(p_, static_cast<size_t>(content_end - p_));
    p_ = nl != nullptr ? nl + 1 : end_;
    ++line_number_;
    return true;
  }
  // The number of the line last returned by Next().
  size_t line_number() const { return line_number_; }

 private:
  const char* p_;
  const char* end_;
  size_t line_number_ = 0;
};

// Number of '\n' bytes in `text`, plus one if the text does not end with one (an upper bound on
// the number of rows, used to reserve column space once).
size_t CountLines(std::string_view text);

// Splits a comma-separated line. NextField sets *field to the text up to the next comma (or the
// end) and advances; returns false when the line has no more fields.
class FieldSplitter {
 public:
  explicit FieldSplitter(std::string_view line)
      : p_(line.data()), end_(line.data() + line.size()), done_(false) {}

  bool Next(std::string_view* field) {
    if (done_) return false;
    const char* q = p_;
    while (q != end_ && *q != ',') ++q;
    *field = std::string_view(p_, static_cast<size_t>(q - p_));
    if (q == end_) {
      done_ = true;
    } else {
      p_ = q + 1;
    }
    return true;
  }

 private:
  const char* p_;
  const char* end_;
  bool done_;
};

}  // namespace btr::data_internal
