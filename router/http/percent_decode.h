// Percent-decoding of URL parts (RFC 3986 %XX escapes), shared by the HTTP server (query
// strings), the dashboard's static files (path segments) and the WebSocket server (its query).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace btr {

// The value of a hex digit, or -1.
inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `text` with its %XX escapes decoded; a malformed escape is kept as it is. With
// `plus_is_space` (application/x-www-form-urlencoded), '+' becomes a space; otherwise it stays a
// plus (so "+00:00" in a time survives).
inline std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t k = 0; k < text.size(); ++k) {
    if (plus_is_space && text[k] == '+') {
      out += ' ';
    } else if (text[k] == '%' && k + 2 < text.size() && HexDigitValue(text[k + 1]) >= 0 &&
               HexDigitValue(text[k + 2]) >= 0) {
      out += static_cast<char>(HexDigitValue(text[k + 1]) * 16 + HexDigitValue(text[k + 2]));
      k += 2;
    } else {
      out += text[k];
    }
  }
  return out;
}

}  // namespace btr
