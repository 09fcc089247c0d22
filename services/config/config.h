// Config: btrouter's configuration, loaded once at start, validated, then read-only.
//
// Every key is declared in the schema (services/config/schema.cc) with its type, default,
// range and documentation; config/btrouter.conf is the documented default file. Values come
// from these sources, each later one winning:
//   1. the schema defaults, so btrouter runs with no file at all;
//   2. the file, INI-like: `[section]` headers, `key = value` lines, blank lines and `#`
//      comments on lines of their own (a `#` after a value is part of the value). Keys and
//      values are trimmed; there is no quoting;
//   3. environment variables BTR__SECTION__KEY, any case, with the dots of a section written
//      as `__` too: BTR__ENGINES__QC_CLOUD__TOKEN sets engines.qc_cloud.token. Every variable
//      whose name starts with BTR__ must name a key;
//   4. explicit overrides such as command-line flags (ConfigOverride).
// Then the rules across keys are checked (page_size_default <= page_size_max, base_ejection_s <=
// max_ejection_s, health timeout_s <= interval_s, the default and fallback engines are enabled,
// the store and queue have URLs, ...), and each registered section's own check runs (an engine's:
// qc_cloud reads its token file and needs credentials).
//
// Errors are InvalidArgument with one message "<where>: <key>: <what is wrong, and the fix>",
// where <where> is "<path>:<line>", "environment <VARIABLE>" or an override's origin, e.g.
//   btrouter.conf:12: jobs.workers: expected an integer in [1, 256], got 'many'
// The first error found is reported. Unknown sections, unknown keys, keys set twice in the file
// and sections opened twice are errors. Secret values (engines.qc_cloud.token) never appear in
// an error or in Dump(true).
//
// Thread-compatible value type: once loaded it is immutable; concurrent const calls are safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "services/config/schema.h"
#include "services/config/value.h"

namespace btr {

// One value given outside the file and the environment, e.g. {"server.listen", "0.0.0.0:80",
// "--listen"}; `origin` names it in error messages and in Dump.
struct ConfigOverride {
  std::string key;
  std::string value;
  std::string origin;
};

class Config {
 public:
  // The getters REQUIRE `key` ("section.key") to be in the schema with a matching type and
  // abort the process otherwise (a programming error, not a configuration error).
  // GetString: string, url and command-template keys.
  const std::string& GetString(std::string_view key) const;
  // GetInt: integer and bytes keys (bytes are returned in bytes).
  int64_t GetInt(std::string_view key) const;
  double GetDouble(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  const std::vector<std::string>& GetList(std::string_view key) const;
  // An empty HostPort for a key that may be empty and is (server.ws_listen = disabled).
  const HostPort& GetHostPort(std::string_view key) const;

  // The canonical text of the value ("64 MiB", "true"). Secrets are included: use Dump to show
  // values to people. REQUIRES: `key` is in the schema.
  const std::string& ValueText(std::string_view key) const;
  // Where the value came from: "default", "<path>:<line>", "environment BTR__...", an
  // override's origin, or "file <path>" for a token read from token_file.
  const std::string& Origin(std::string_view key) const;

  // Every key in schema order, as a loadable file: `[section]` headers and `key = value`
  // lines, each value not taken from the defaults preceded by a comment naming its origin.
  // With `redact_secrets`, a non-empty secret prints as <redacted>.
  std::string Dump(bool redact_secrets) const;

 private:
  friend class ConfigLoader;
  struct Entry {
    const ConfigKeySpec* spec = nullptr;
    ConfigValue value;
    std::string origin;
  };
  const Entry& Find(std::string_view key, std::string_view getter) const;

  std::map<std::string, Entry, std::less<>> entries_;
};

// What a registered section's check (ConfigSection::check) works with while the configuration
// loads.
class ConfigCheck {
 public:
  virtual ~ConfigCheck() = default;
  virtual const Config& config() const = 0;
  // The InvalidArgument to return for `key`: "<where it was set>: <key>: <message>".
  virtual Status Error(std::string_view key, std::string_view message) const = 0;
  // Replaces `key`'s value by `text` (parsed as the key's type), reported as from `origin`.
  virtual Status Derive(std::string_view key, std::string_view text, std::string origin) = 0;
};

// Loads the configuration: schema defaults, then the file at `path_or_empty` (none when
// empty), then the BTR__ variables of `env` (other variables are ignored), then `overrides`
// in order; then validates. Errors: InvalidArgument as described above (an unreadable file
// too, naming the path).
Result<Config> LoadConfig(const std::string& path_or_empty,
                          const std::map<std::string, std::string>& env);
Result<Config> LoadConfig(const std::string& path_or_empty,
                          const std::map<std::string, std::string>& env,
                          const std::vector<ConfigOverride>& overrides);

// The environment of this process as a name -> value map, for LoadConfig.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace btr
