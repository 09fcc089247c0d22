#include "engines/data/parse_util.h"

#include <charconv>
#include <system_error>

#include "engines/core/utf8.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace btr::data_internal {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseDoubleSlow(std::string_view s, double* out) {
  s = TrimBlanks(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, *out, std::chars_format::general);
  return ec == std::errc() && ptr == end;
}

std::optional<TimeNs> ParseIsoTimeInRange(std::string_view s) {
  int year = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    year = year * 10 + (s[i] - '0');
  }
  if (year < 1678 || year > 2261) return std::nullopt;
  return ParseIsoTime(s);
}

bool ParseInt64(std::string_view s, int64_t* out) {
  s = TrimBlanks(s);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, *out, 10);
  return ec == std::errc() && ptr == end;
}

std::string ShownForError(std::string_view s, size_t max_chars) {
  std::string out;
  for (size_t chars = 0; !s.empty() && chars < max_chars; ++chars) {
    const auto c = static_cast<unsigned char>(s[0]);
    size_t length = Utf8CharLength(s);
    if (length == 0 || c < 0x20 || c == 0x7f) {
      AppendEscapedByte(c, &out);
      length = 1;
    } else {
      out.append(s.substr(0, length));
    }
    s.remove_prefix(length);
  }
  if (!s.empty()) out += "...";
  return out;
}

std::string QuoteForError(std::string_view s) { return "'" + ShownForError(s, 40) + "'"; }

size_t CountLines(std::string_view text) {
  size_t count = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
#ifdef __SSE2__
  // 16 bytes per step: compare with '\n' (0xff per match), subtract to count per byte lane, and
  // fold the lanes with a sum of absolute differences before they can overflow (255 steps).
  const __m128i newline = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    __m128i lanes = _mm_setzero_si128();
    for (int step = 0; step < 255 && end - p >= 16; ++step, p += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(bytes, newline));
    }
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    count += static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<size_t>(_mm_extract_epi16(sums, 4));
  }
#endif
  for (; p != end; ++p) count += *p == '\n' ? 1 : 0;
  return count + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

}  // namespace btr::data_internal
