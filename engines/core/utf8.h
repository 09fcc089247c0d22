// UTF-8 checks for text quoted into messages. Messages end up in JSON (problem answers, a job's
// error), and nlohmann::json::dump() throws on invalid UTF-8, so an excerpt of foreign bytes (a
// binary file read as CSV, an engine's answer) must escape the bytes that are not UTF-8 and must
// not cut a character in two. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace btr {

// The byte length (1 to 4) of the well-formed UTF-8 character that `text` starts with, or 0 when
// it starts with none: empty text, a continuation byte, an overlong form, a surrogate, a value
// past U+10FFFF or a sequence cut short.
size_t Utf8CharLength(std::string_view text);

// True when the whole of `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// Appends "\xNN" (lower-case hex) for `byte` to *out: how messages show a byte they cannot print.
void AppendEscapedByte(unsigned char byte, std::string* out);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a
// character (for well-formed text; a stray byte counts as one character).
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// `text` when it has at most `max_bytes` bytes, else its Utf8Prefix of max_bytes - 3 bytes and
// "...": an excerpt for a message. REQUIRES: max_bytes >= 3.
std::string Utf8Excerpt(std::string_view text, size_t max_bytes);

}  // namespace btr
