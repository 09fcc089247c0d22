// The configuration schema: every key btrouter reads, declared once (schema.cc) with its type,
// default, range or allowed values, secrecy and a one-line description. config/btrouter.conf
// documents the same keys at length; a test keeps the shipped file equal to these defaults.
//
// A key's full name is "section.key"; the section is everything before the last dot, so
// "engines.qc_cloud.token" is key "token" of section [engines.qc_cloud].
// The schema is immutable and built on first use; safe to read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace btr {

enum class ConfigType {
  kString,    // any text; when `allowed` is not empty, one of those values
  kInt,       // a decimal integer in [min_int, max_int]
  kDouble,    // a finite decimal number in [min_double, max_double]
  kBool,      // true/false, yes/no, on/off, 1/0 (any case)
  kBytes,     // a size in bytes: an integer with an optional unit B, KiB, MiB, GiB, TiB
              // (1024-based) or KB, MB, GB, TB (1000-based), any case; in [min_int, max_int]
  kList,      // comma-separated items, trimmed; no empty item, no repeat; each in `allowed`
              // when that is not empty; an empty value is the empty list
  kHostPort,  // host:port or [ipv6]:port; port 0..65535 (0 = any free port)
  kUrl,       // an http:// or https:// URL with a host and no spaces
  kTemplate,  // a command line whose {name} placeholders are all listed in `allowed`
};

// "string", "integer", ... as used in documentation.
std::string_view ConfigTypeName(ConfigType type);

struct ConfigKeySpec {
  std::string_view name;  // "section.key"
  ConfigType type = ConfigType::kString;
  std::string_view default_text;  // the default, written as it would be in the file
  int64_t min_int = 0;            // kInt, kBytes: inclusive range
  int64_t max_int = 0;
  double min_double = 0;  // kDouble: inclusive range
  double max_double = 0;
  std::vector<std::string_view> allowed;  // see ConfigType
  bool allow_empty = false;               // kString, kList, kHostPort, kUrl, kTemplate
  bool secret = false;                    // never printed: redacted in Dump and in errors
  std::string_view doc;                   // one line

  std::string_view section() const { return name.substr(0, name.rfind('.')); }
  std::string_view key() const { return name.substr(name.rfind('.') + 1); }
};

// Every key, in the order of config/btrouter.conf (sections are contiguous).
const std::vector<ConfigKeySpec>& ConfigSchema();

// The spec of `name` ("section.key"), or nullptr when the schema has no such key.
const ConfigKeySpec* FindConfigKey(std::string_view name);

// The section names, in file order ("server", "jobs", ..., "engines.native", ...).
const std::vector<std::string>& ConfigSections();

// The engine names btrouter knows ("native", "backtestingpy", "lean_local", "qc_cloud");
// each has a section "engines.<name>" with at least `enabled`, `concurrency`, `timeout_s`.
const std::vector<std::string_view>& KnownEngineNames();

}  // namespace btr
