#include "engines/data/parse_util.h"

#include <charconv>
#include <cstdio>
#include <system_error>

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

bool ParseInt64(std::string_view s, int64_t* out) {
  s = TrimBlanks(s);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, *out, 10);
  return ec == std::errc() && ptr == end;
}

std::string QuoteForError(std::string_view s) {
  constexpr size_t kMaxShown = 40;
  std::string out = "'";
  const size_t shown = s.size() > kMaxShown ? kMaxShown : s.size();
  for (size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < s.size()) out += "...";
  out += '\'';
  return out;
}

size_t CountLines(std::string_view text) {
  size_t count = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p != end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) {
      ++count;
      break;
    }
    ++count;
    p = static_cast<const char*>(nl) + 1;
  }
  return count;
}

}  // namespace btr::data_internal
