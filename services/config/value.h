// Typed configuration values: parsing one key's text by its schema type, and the canonical
// text of a value (which parses back to the same value). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engines/core/status.h"
#include "services/config/schema.h"

namespace btr {

// Text helpers shared by the configuration parser: surrounding blanks removed; ASCII lower case.
std::string_view Trim(std::string_view s);
std::string Lower(std::string_view s);

// A listen or connect address. An empty host means "not configured" (allowed only for keys
// that may be empty, such as server.ws_listen).
struct HostPort {
  std::string host;  // name, IPv4 or IPv6 address, without brackets
  int port = 0;      // 0..65535; 0 = any free port

  bool empty() const { return host.empty(); }
  // "127.0.0.1:8080", "[::1]:8080", or "" when empty.
  std::string ToString() const;
  bool operator==(const HostPort&) const = default;
};

struct ConfigValue {
  // kString, kUrl, kTemplate: std::string; kInt, kBytes: int64_t; kDouble: double;
  // kBool: bool; kList: the items; kHostPort: HostPort.
  std::variant<std::string, int64_t, double, bool, std::vector<std::string>, HostPort> value;
  std::string text;  // canonical text ("64 MiB", "a, b", "true")
};

// Parses `text` (already trimmed) as a value of `spec`. Errors: InvalidArgument whose message
// is "expected <DescribeConfigValue(spec)>, got '<text>'", sometimes followed by the detail in
// parentheses; the text of a secret key is never echoed.
Result<ConfigValue> ParseConfigValue(const ConfigKeySpec& spec, std::string_view text);

// What `spec` accepts, as an error message phrases it: "an integer in [1, 256]",
// "one of debug, info, warn, error", "a size such as 64 MiB in [1 KiB, 1 GiB]", ...
std::string DescribeConfigValue(const ConfigKeySpec& spec);

// 67108864 -> "64 MiB"; a size that is not a whole number of KiB/MiB/GiB/TiB -> "1000".
std::string FormatBytes(int64_t bytes);

// The shortest decimal text that reads back as `v` ("0.1", "300").
std::string FormatDouble(double v);

}  // namespace btr
