#include "services/config/value.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace btr {

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Join(const std::vector<std::string_view>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// "expected <what>, got '<text>'[ (<detail>)]"; secrets are not echoed.
Status Invalid(const ConfigKeySpec& spec, std::string_view text, std::string_view detail = {}) {
  std::string m = "expected " + DescribeConfigValue(spec) + ", got ";
  m += spec.secret ? std::string("<redacted>") : "'" + std::string(text) + "'";
  if (!detail.empty()) {
    m += " (";
    m += detail;
    m += ")";
  }
  return Status::InvalidArgument(std::move(m));
}

bool ParseInt64(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

struct Unit {
  std::string_view name;  // lower case
  int64_t factor;
};
constexpr std::array<Unit, 9> kUnits = {{{"b", 1},
                                         {"kib", int64_t{1} << 10},
                                         {"mib", int64_t{1} << 20},
                                         {"gib", int64_t{1} << 30},
                                         {"tib", int64_t{1} << 40},
                                         {"kb", 1'000},
                                         {"mb", 1'000'000},
                                         {"gb", 1'000'000'000},
                                         {"tb", 1'000'000'000'000}}};

Result<int64_t> ParseBytes(const ConfigKeySpec& spec, std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && IsDigit(text[digits])) ++digits;
  int64_t n = 0;
  if (!ParseInt64(text.substr(0, digits), &n)) return Invalid(spec, text);
  const std::string unit = Lower(Trim(text.substr(digits)));
  int64_t factor = 0;
  if (unit.empty()) factor = 1;
  for (const Unit& u : kUnits) {
    if (u.name == unit) factor = u.factor;
  }
  if (factor == 0) return Invalid(spec, text, "units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB");
  if (n > INT64_MAX / factor) return Invalid(spec, text, "too large");
  return n * factor;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' || c == '-' ||
         c == '_';
}

Result<HostPort> ParseHostPort(const ConfigKeySpec& spec, std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Invalid(spec, text, "no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    const bool v6 = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    });
    if (!v6 || host.find(':') == std::string_view::npos) {
      return Invalid(spec, text, "bad IPv6 address");
    }
  } else if (host.empty() || !std::all_of(host.begin(), host.end(), IsHostChar)) {
    return Invalid(spec, text, "bad host");
  }
  int64_t port = -1;
  if (!std::all_of(port_text.begin(), port_text.end(), IsDigit) || !ParseInt64(port_text, &port) ||
      port > 65535) {
    return Invalid(spec, text, "bad port");
  }
  return HostPort{std::string(host), static_cast<int>(port)};
}

Status CheckUrl(const ConfigKeySpec& spec, std::string_view text) {
  const std::string lower = Lower(text);
  size_t scheme = 0;
  if (lower.rfind("http://", 0) == 0) scheme = 7;
  if (lower.rfind("https://", 0) == 0) scheme = 8;
  if (scheme == 0) return Invalid(spec, text);
  for (char c : text) {
    if (c <= ' ' || c == 0x7f) return Invalid(spec, text, "contains a space or control character");
  }
  const std::string_view authority = text.substr(scheme, text.find('/', scheme) - scheme);
  if (authority.empty()) return Invalid(spec, text, "no host");
  if (authority.find('@') != std::string_view::npos) {
    return Invalid(spec, text, "credentials do not belong in the URL");
  }
  return Status::Ok();
}

Status CheckTemplate(const ConfigKeySpec& spec, std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return Invalid(spec, text, "'}' without '{'");
    if (text[i] != '{') continue;
    const size_t close = text.find('}', i);
    if (close == std::string_view::npos) return Invalid(spec, text, "'{' without '}'");
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (std::find(spec.allowed.begin(), spec.allowed.end(), name) == spec.allowed.end()) {
      return Invalid(spec, text, "unknown placeholder {" + std::string(name) + "}");
    }
    i = close;
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ParseList(const ConfigKeySpec& spec, std::string_view text) {
  std::vector<std::string> items;
  if (text.empty()) return items;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = Trim(text.substr(start, comma - start));
    if (item.empty()) return Invalid(spec, text, "empty item");
    if (!spec.allowed.empty() &&
        std::find(spec.allowed.begin(), spec.allowed.end(), item) == spec.allowed.end()) {
      return Invalid(spec, text, "'" + std::string(item) + "' is not allowed");
    }
    if (std::find(items.begin(), items.end(), item) != items.end()) {
      return Invalid(spec, text, "'" + std::string(item) + "' repeated");
    }
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

}  // namespace

std::string HostPort::ToString() const {
  if (empty()) return "";
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string FormatBytes(int64_t bytes) {
  static constexpr std::array<std::pair<std::string_view, int64_t>, 4> kBinary = {
      {{"TiB", int64_t{1} << 40},
       {"GiB", int64_t{1} << 30},
       {"MiB", int64_t{1} << 20},
       {"KiB", int64_t{1} << 10}}};
  for (const auto& [name, factor] : kBinary) {
    if (bytes != 0 && bytes % factor == 0) {
      return std::to_string(bytes / factor) + " " + std::string(name);
    }
  }
  return std::to_string(bytes);
}

std::string FormatDouble(double v) {
  std::array<char, 64> buf{};
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc()) return "nan";
  return std::string(buf.data(), ptr);
}

std::string DescribeConfigValue(const ConfigKeySpec& spec) {
  std::string out;
  switch (spec.type) {
    case ConfigType::kString:
      if (!spec.allowed.empty()) return "one of " + Join(spec.allowed, ", ");
      return spec.allow_empty ? "any text" : "a non-empty string";
    case ConfigType::kInt:
      return "an integer in [" + std::to_string(spec.min_int) + ", " +
             std::to_string(spec.max_int) + "]";
    case ConfigType::kDouble:
      return "a number in [" + FormatDouble(spec.min_double) + ", " +
             FormatDouble(spec.max_double) + "]";
    case ConfigType::kBool:
      return "true or false";
    case ConfigType::kBytes:
      return "a size such as 64 MiB in [" + FormatBytes(spec.min_int) + ", " +
             FormatBytes(spec.max_int) + "]";
    case ConfigType::kList:
      out = "a comma-separated list";
      if (!spec.allowed.empty()) out += " of " + Join(spec.allowed, ", ");
      out += " without repeats";
      if (!spec.allow_empty) out += ", not empty";
      return out;
    case ConfigType::kHostPort:
      out = "host:port with a port in [0, 65535]";
      break;
    case ConfigType::kUrl:
      out = "an http:// or https:// URL";
      break;
    case ConfigType::kTemplate:
      out = "a command whose placeholders are among {" + Join(spec.allowed, "}, {") + "}";
      break;
  }
  if (spec.allow_empty) out += " or nothing";
  return out;
}

Result<ConfigValue> ParseConfigValue(const ConfigKeySpec& spec, std::string_view text) {
  ConfigValue out;
  out.text = std::string(text);
  if (text.empty() && spec.type != ConfigType::kBool && spec.type != ConfigType::kInt &&
      spec.type != ConfigType::kDouble && spec.type != ConfigType::kBytes) {
    if (!spec.allow_empty) return Invalid(spec, text);
    if (spec.type == ConfigType::kList) {
      out.value = std::vector<std::string>();
    } else if (spec.type == ConfigType::kHostPort) {
      out.value = HostPort();
    } else {
      out.value = std::string();
    }
    return out;
  }
  switch (spec.type) {
    case ConfigType::kString:
      if (!spec.allowed.empty() &&
          std::find(spec.allowed.begin(), spec.allowed.end(), text) == spec.allowed.end()) {
        return Invalid(spec, text);
      }
      out.value = std::string(text);
      return out;
    case ConfigType::kInt: {
      int64_t n = 0;
      if (!ParseInt64(text, &n) || n < spec.min_int || n > spec.max_int) {
        return Invalid(spec, text);
      }
      out.value = n;
      out.text = std::to_string(n);
      return out;
    }
    case ConfigType::kDouble: {
      double d = 0;
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, d);
      if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(d) ||
          d < spec.min_double || d > spec.max_double) {
        return Invalid(spec, text);
      }
      out.value = d;
      out.text = FormatDouble(d);
      return out;
    }
    case ConfigType::kBool: {
      const std::string lower = Lower(text);
      if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
        out.value = true;
      } else if (lower == "false" || lower == "no" || lower == "off" || lower == "0") {
        out.value = false;
      } else {
        return Invalid(spec, text);
      }
      out.text = std::get<bool>(out.value) ? "true" : "false";
      return out;
    }
    case ConfigType::kBytes: {
      Result<int64_t> n = ParseBytes(spec, text);
      if (!n.ok()) return n.status();
      if (*n < spec.min_int || *n > spec.max_int) return Invalid(spec, text);
      out.value = *n;
      out.text = FormatBytes(*n);
      return out;
    }
    case ConfigType::kList: {
      Result<std::vector<std::string>> items = ParseList(spec, text);
      if (!items.ok()) return items.status();
      out.text.clear();
      for (const std::string& item : *items) out.text += (out.text.empty() ? "" : ", ") + item;
      out.value = std::move(items).value();
      return out;
    }
    case ConfigType::kHostPort: {
      Result<HostPort> hp = ParseHostPort(spec, text);
      if (!hp.ok()) return hp.status();
      out.text = hp->ToString();
      out.value = std::move(hp).value();
      return out;
    }
    case ConfigType::kUrl:
      BTR_RETURN_IF_ERROR(CheckUrl(spec, text));
      out.value = std::string(text);
      return out;
    case ConfigType::kTemplate:
      BTR_RETURN_IF_ERROR(CheckTemplate(spec, text));
      out.value = std::string(text);
      return out;
  }
  return Status::Internal("unhandled config type");
}

}  // namespace btr
