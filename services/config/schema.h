// The configuration schema: every key btrouter reads, declared once (schema.cc) with its type,
// default, range or allowed values, secrecy and a one-line description. config/btrouter.conf
// documents the same keys at length; a test keeps the shipped file equal to these defaults.
//
// A key's full name is "section.key"; the section is everything before the last dot, so
// "engines.qc_cloud.token" is key "token" of section [engines.qc_cloud].
// The core keys are declared in schema.cc; each engine declares its own section
// ("engines.<name>.*") in its folder and registers it (RegisterConfigSection) before the schema
// is first used (router/app/builtin_engines.cc does, at static initialization). The schema is
// immutable once built; safe to read from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engines/core/status.h"

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

// Builds one row of a schema: ConfigKey(name, type, default, doc).Range(lo, hi).Secret() ...
class ConfigKey {
 public:
  ConfigKey(std::string_view name, ConfigType type, std::string_view default_text,
            std::string_view doc) {
    spec_.name = name;
    spec_.type = type;
    spec_.default_text = default_text;
    spec_.doc = doc;
  }
  ConfigKey Range(int64_t lo, int64_t hi) && {
    spec_.min_int = lo;
    spec_.max_int = hi;
    return std::move(*this);
  }
  ConfigKey RangeD(double lo, double hi) && {
    spec_.min_double = lo;
    spec_.max_double = hi;
    return std::move(*this);
  }
  ConfigKey OneOf(std::initializer_list<std::string_view> values) && {
    spec_.allowed.assign(values.begin(), values.end());
    return std::move(*this);
  }
  // One or more of the known engines (a list key).
  ConfigKey Engines() && {
    spec_.allowed = KnownEngineNamesForSchema();
    return std::move(*this);
  }
  // A known engine or "auto".
  ConfigKey EngineOrAuto() && {
    spec_.allowed = KnownEngineNamesForSchema();
    spec_.allowed.insert(spec_.allowed.begin(), "auto");
    return std::move(*this);
  }
  ConfigKey MayBeEmpty() && {
    spec_.allow_empty = true;
    return std::move(*this);
  }
  ConfigKey Secret() && {
    spec_.secret = true;
    return std::move(*this);
  }
  operator ConfigKeySpec() && { return std::move(spec_); }  // NOLINT: implicit by design

 private:
  static std::vector<std::string_view> KnownEngineNamesForSchema();
  ConfigKeySpec spec_;
};

class ConfigCheck;  // config.h

// A section declared outside schema.cc: an engine's keys ("engines.<name>.enabled",
// "...concurrency", "...timeout_s" at least, and its own) and a check of their loaded values.
struct ConfigSection {
  std::string_view engine;  // the engine the section configures ("qc_cloud"); empty: none
  std::vector<ConfigKeySpec> keys;
  // Checks the section once every source is applied; may derive values (a token read from its
  // file). Empty: no check.
  std::function<Status(ConfigCheck&)> check;
};

// Adds a section to the schema (after the [engines] section, in registration order). Must
// happen before the schema is first used (aborts otherwise: a programming error). A second
// registration of the same engine is ignored.
void RegisterConfigSection(ConfigSection section);
// The registered sections (freezes the registry).
const std::vector<ConfigSection>& RegisteredConfigSections();

// Every key, in the order of config/btrouter.conf (sections are contiguous).
const std::vector<ConfigKeySpec>& ConfigSchema();

// The spec of `name` ("section.key"), or nullptr when the schema has no such key.
const ConfigKeySpec* FindConfigKey(std::string_view name);

// The section names, in file order ("server", "jobs", ..., "engines.native", ...).
const std::vector<std::string>& ConfigSections();

// The engines whose sections are registered, in registration order ("native", "backtestingpy",
// "lean_local", "qc_cloud" in the btrouter binary).
const std::vector<std::string_view>& KnownEngineNames();

}  // namespace btr
