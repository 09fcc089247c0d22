// Pure helpers of the HTTP edge (router/http/http_server.cc): request targets, query strings,
// header tokens, the bearer scheme, and the problems answered for requests that cannot be read.
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "router/http/api.h"

namespace btr {

// "/v1/x?a=1" -> path "/v1/x", query "a=1" (neither decoded).
void SplitTarget(std::string_view target, std::string* path, std::string* query);

// "a=1&b=x%3Ay&c" -> {a: "1", b: "x:y", c: ""}: names and values %XX-decoded, '+' kept (so
// "+00:00" in a time survives); a later repeat of a name wins.
std::map<std::string, std::string> ParseQuery(std::string_view query);

std::string LowerCase(std::string_view text);

// True when the comma-separated header value `list` holds `token` (case-insensitive), as in
// `Connection: keep-alive, Upgrade`.
bool HasToken(std::string_view list, std::string_view token);

// The token of an Authorization value: "Bearer abc" or "bearer abc" (the scheme is
// case-insensitive, RFC 9110 §11.1), one or more spaces; nullopt for another scheme or no token.
std::optional<std::string> BearerToken(std::string_view authorization);

// Why a request could not be read.
enum class ReadFailure {
  kHeaderTooLarge,    // 431: the header block passed server.max_header_bytes
  kBodyTooLarge,      // 413: Content-Length (or the chunked body) passed server.max_body_bytes
  kBadContentLength,  // 400: Content-Length is not a whole number of bytes
  kMalformed,         // 400: request line or header syntax
};

struct EdgeLimits {
  uint64_t max_body_bytes = 0;
  uint64_t max_header_bytes = 0;
};

// The problem+json answer for `failure`, naming the setting or header at fault. `content_length`
// is the announced body length when there was one; `detail` the parser's own words (kMalformed).
ApiReply ReadFailureProblem(ReadFailure failure, const EdgeLimits& limits,
                            std::optional<uint64_t> content_length, const std::string& detail);

// 65536 -> "64 KiB", 67108864 -> "64 MiB", 1000 -> "1000 bytes".
std::string ByteSizeText(uint64_t bytes);

}  // namespace btr
