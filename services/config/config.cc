#include "services/config/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

extern char** environ;  // POSIX

namespace btr {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// The environment variable that sets `key`: engines.qc_cloud.token ->
// BTR__ENGINES__QC_CLOUD__TOKEN.
std::string EnvName(std::string_view key) {
  std::string out = "BTR__";
  for (char c : Upper(key)) {
    if (c == '.') {
      out += "__";
    } else {
      out += c;
    }
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The candidate closest to `given`, or "" when none is within 3 edits.
std::string Closest(std::string_view given, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 4;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(given, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::vector<std::string> AllKeyNames() {
  std::vector<std::string> out;
  for (const ConfigKeySpec& spec : ConfigSchema()) out.emplace_back(spec.name);
  return out;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Status Invalid(std::string_view where, std::string_view key, std::string_view problem) {
  std::string m(where);
  m += ": ";
  if (!key.empty()) {
    m += key;
    m += ": ";
  }
  m += problem;
  return Status::InvalidArgument(std::move(m));
}

}  // namespace

// Applies the sources in order onto a Config built from the defaults, then validates.
class ConfigLoader final : public ConfigCheck {
 public:
  ConfigLoader() {
    for (const ConfigKeySpec& spec : ConfigSchema()) {
      Result<ConfigValue> v = ParseConfigValue(spec, spec.default_text);
      if (!v.ok()) {  // a broken schema: caught by the tests, never by users
        std::fprintf(stderr, "config schema: %s: bad default: %s\n", std::string(spec.name).c_str(),
                     v.status().message().c_str());
        std::abort();
      }
      config_.entries_[std::string(spec.name)] = {&spec, std::move(v).value(), "default"};
    }
  }

  Status ApplyFile(const std::string& path);
  Status ApplyEnvironment(const std::map<std::string, std::string>& env);
  Status ApplyOverride(const ConfigOverride& o);
  Status Validate() const;
  // Each registered section's check, in registration order.
  Status CheckSections();
  const Config& config() const override { return config_; }
  Status Error(std::string_view key, std::string_view message) const override {
    return Invalid(At(key).origin, key, std::string(message));
  }
  Status Derive(std::string_view key, std::string_view text, std::string origin) override {
    const ConfigKeySpec* spec = FindConfigKey(key);
    if (spec == nullptr) return Status::InvalidArgument(std::string(key) + ": not in the schema");
    return Set(*spec, text, origin);
  }
  Config Take() && { return std::move(config_); }

 private:
  Status Set(const ConfigKeySpec& spec, std::string_view text, const std::string& origin);
  const Config::Entry& At(std::string_view key) const { return config_.Find(key, "loader"); }

  Config config_;
};

Status ConfigLoader::Set(const ConfigKeySpec& spec, std::string_view text,
                         const std::string& origin) {
  Result<ConfigValue> v = ParseConfigValue(spec, text);
  if (!v.ok()) {
    std::string problem = v.status().message();
    if (!spec.secret && text.find('#') != std::string_view::npos) {
      problem += "; note: '#' starts a comment only at the start of a line";
    }
    return Invalid(origin, spec.name, problem);
  }
  config_.entries_[std::string(spec.name)] = {&spec, std::move(v).value(), origin};
  return Status::Ok();
}

Status ConfigLoader::ApplyFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument(
        "config file '" + path +
        "': " + (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file") +
        "; give an existing file or no --config at all");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) {
    return Status::InvalidArgument("config file '" + path +
                                   "': cannot be read: " + std::strerror(errno));
  }
  const std::string text = buffer.str();

  std::string section;  // the current [section]; empty before the first header
  std::map<std::string, int> section_lines;
  std::map<std::string, int> key_lines;
  size_t pos = 0;
  for (int line_no = 1; pos <= text.size(); ++line_no) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line = Trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line = Trim(line.substr(3));
    if (line.empty() || line.front() == '#') continue;
    const std::string where = path + ":" + std::to_string(line_no);

    if (line.front() == '[') {
      if (line.back() != ']') {
        return Invalid(where, "",
                       "malformed section header '" + std::string(line) +
                           "'; write [section] alone on its line");
      }
      section = std::string(Trim(line.substr(1, line.size() - 2)));
      const std::vector<std::string>& known = ConfigSections();
      if (std::find(known.begin(), known.end(), section) == known.end()) {
        const std::string near = Closest(section, known);
        return Invalid(where, "",
                       "unknown section [" + section + "]; " +
                           (near.empty() ? "known sections: " + JoinNames(known)
                                         : "did you mean [" + near + "]?"));
      }
      auto [it, inserted] = section_lines.emplace(section, line_no);
      if (!inserted) {
        return Invalid(where, "",
                       "section [" + section + "] appears twice (first at line " +
                           std::to_string(it->second) + "); merge the two");
      }
      continue;
    }

    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      // The line may be a mistyped secret: echo it only outside sections holding secrets.
      bool secret_section = false;
      for (const ConfigKeySpec& spec : ConfigSchema()) {
        secret_section |= spec.secret && spec.section() == section;
      }
      return Invalid(where, "",
                     "expected 'key = value', '[section]' or a '#' comment" +
                         (secret_section ? std::string() : ", got '" + std::string(line) + "'"));
    }
    const std::string_view key = Trim(line.substr(0, eq));
    const std::string_view value = Trim(line.substr(eq + 1));
    if (key.empty()) return Invalid(where, "", "a line starts with '='; write 'key = value'");
    if (section.empty()) {
      return Invalid(where, key, "set before any [section] header; move it under its section");
    }
    const std::string full = section + "." + std::string(key);
    const ConfigKeySpec* spec = FindConfigKey(full);
    if (spec == nullptr) {
      const std::string near = Closest(full, AllKeyNames());
      return Invalid(where, full,
                     "unknown key" + (near.empty() ? std::string(" (see config/btrouter.conf)")
                                                   : "; did you mean " + near + "?"));
    }
    auto [it, inserted] = key_lines.emplace(full, line_no);
    if (!inserted) {
      return Invalid(where, full,
                     "set twice (first at line " + std::to_string(it->second) + "); keep one");
    }
    BTR_RETURN_IF_ERROR(Set(*spec, value, where));
  }
  return Status::Ok();
}

Status ConfigLoader::ApplyEnvironment(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> seen;  // key -> variable that set it
  for (const auto& [name, value] : env) {
    if (Upper(name).rfind("BTR__", 0) != 0) continue;
    const std::string where = "environment " + name;
    std::vector<std::string> parts;
    const std::string rest = Lower(name.substr(5));
    for (size_t start = 0;;) {
      const size_t sep = rest.find("__", start);
      parts.push_back(rest.substr(start, sep - start));
      if (sep == std::string::npos) break;
      start = sep + 2;
    }
    std::string full;
    for (size_t i = 0; i < parts.size(); ++i) full += (i == 0 ? "" : ".") + parts[i];
    const ConfigKeySpec* spec = FindConfigKey(full);
    if (spec == nullptr) {
      const std::string near = Closest(full, AllKeyNames());
      return Invalid(where, "",
                     "no configuration key '" + full + "'" +
                         (near.empty() ? "; variables starting BTR__ are BTR__SECTION__KEY"
                                       : "; did you mean " + EnvName(near) + "?"));
    }
    auto [it, inserted] = seen.emplace(full, name);
    if (!inserted) {
      return Invalid(where, full, "also set by " + it->second + "; unset one of them");
    }
    BTR_RETURN_IF_ERROR(Set(*spec, Trim(value), where));
  }
  return Status::Ok();
}

Status ConfigLoader::ApplyOverride(const ConfigOverride& o) {
  const ConfigKeySpec* spec = FindConfigKey(o.key);
  if (spec == nullptr) return Invalid(o.origin, o.key, "unknown key");
  return Set(*spec, Trim(o.value), o.origin);
}

Status ConfigLoader::CheckSections() {
  for (const ConfigSection& section : RegisteredConfigSections()) {
    if (section.check) BTR_RETURN_IF_ERROR(section.check(*this));
  }
  return Status::Ok();
}

Status ConfigLoader::Validate() const {
  const Config& c = config_;
  const auto where = [&](std::string_view key) { return At(key).origin; };
  const auto shown = [&](std::string_view key) {
    return std::string(key) + " = " + c.ValueText(key) + " (" + where(key) + ")";
  };

  if (c.GetInt("limits.page_size_default") > c.GetInt("limits.page_size_max")) {
    return Invalid(
        where("limits.page_size_default"), "limits.page_size_default",
        "larger than " + shown("limits.page_size_max") + "; lower one or raise the other");
  }
  if (c.GetDouble("health.base_ejection_s") > c.GetDouble("health.max_ejection_s")) {
    return Invalid(
        where("health.max_ejection_s"), "health.max_ejection_s",
        "smaller than " + shown("health.base_ejection_s") + "; the cap must be at least the base");
  }
  if (c.GetDouble("health.timeout_s") > c.GetDouble("health.interval_s")) {
    return Invalid(where("health.timeout_s"), "health.timeout_s",
                   "longer than " + shown("health.interval_s") +
                       "; probes would overlap: lower the timeout or raise the interval");
  }
  const HostPort& api = c.GetHostPort("server.listen");
  const HostPort& ws = c.GetHostPort("server.ws_listen");
  if (!ws.empty() && ws.port != 0 && ws == api) {
    return Invalid(
        where("server.ws_listen"), "server.ws_listen",
        "same address as " + shown("server.listen") +
            "; the WebSocket is served on server.listen already: leave server.ws_listen empty, "
            "or give it another port");
  }

  const HostPort& qc = c.GetHostPort("server.qc_listen");
  if (!qc.empty() && qc.port != 0 && (qc == api || (!ws.empty() && qc == ws))) {
    return Invalid(where("server.qc_listen"), "server.qc_listen",
                   "same address as " + shown(qc == api ? "server.listen" : "server.ws_listen") +
                       "; the QuantConnect API needs a port of its own (lean-cli uses 5612)");
  }

  std::vector<std::string> enabled;
  for (std::string_view engine : KnownEngineNames()) {
    if (c.GetBool("engines." + std::string(engine) + ".enabled")) enabled.emplace_back(engine);
  }
  const auto is_enabled = [&](const std::string& e) {
    return std::find(enabled.begin(), enabled.end(), e) != enabled.end();
  };
  if (enabled.empty()) {
    const std::string first =
        "engines." + std::string(KnownEngineNames().empty() ? "native" : KnownEngineNames()[0]) +
        ".enabled";
    return Invalid(where(first), first,
                   "every engine is disabled; enable at least one (engines.<name>.enabled = true)");
  }
  const std::string& def = c.GetString("engines.default");
  if (def != "auto" && !is_enabled(def)) {
    return Invalid(where("engines.default"), "engines.default",
                   "names '" + def + "', which is disabled; set engines." + def +
                       ".enabled = true or choose one of: auto, " + JoinNames(enabled));
  }
  for (const std::string& e : c.GetList("engines.fallback")) {
    if (!is_enabled(e)) {
      return Invalid(where("engines.fallback"), "engines.fallback",
                     "lists '" + e + "', which is disabled; set engines." + e +
                         ".enabled = true or remove it");
    }
  }

  if (c.GetInt("jobs.workers") == 0 && c.GetString("queue.kind") != "redis") {
    return Invalid(where("jobs.workers"), "jobs.workers",
                   "0 leaves nobody to run jobs with queue.kind = local; keep at least 1 worker "
                   "thread, or set queue.kind = redis and run `btrouter worker` processes");
  }
  if (c.GetString("store.kind") == "postgres") {
    const std::string& url = c.GetString("store.url");
    if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) {
      return Invalid(where("store.url"), "store.url",
                     "store.kind = postgres needs a URL postgresql://user:password@host:5432/db "
                     "(BTR__STORE__URL)");
    }
  }
  if (c.GetString("queue.kind") == "redis") {
    if (c.GetString("queue.url").rfind("redis://", 0) != 0) {
      return Invalid(where("queue.url"), "queue.url",
                     "queue.kind = redis needs a URL redis://[:password@]host[:port][/db]");
    }
    if (c.GetInt("queue.claim_idle_s") < c.GetInt("jobs.lease_s")) {
      return Invalid(where("queue.claim_idle_s"), "queue.claim_idle_s",
                     "shorter than " + shown("jobs.lease_s") +
                         "; a delivery would be handed to another worker while its claim lives: "
                         "raise it or lower the lease");
    }
  }
  return Status::Ok();
}

const Config::Entry& Config::Find(std::string_view key, std::string_view getter) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    std::fprintf(stderr, "Config::%s: '%s' is not in the configuration schema\n",
                 std::string(getter).c_str(), std::string(key).c_str());
    std::abort();
  }
  return it->second;
}

namespace {

// REQUIRES-style check of a getter against the key's type.
template <typename V>
const V& Typed(const ConfigValue& value, std::string_view key, std::string_view getter) {
  const V* v = std::get_if<V>(&value.value);
  if (v == nullptr) {
    std::fprintf(stderr, "Config::%s: '%s' has another type\n", std::string(getter).c_str(),
                 std::string(key).c_str());
    std::abort();
  }
  return *v;
}

}  // namespace

const std::string& Config::GetString(std::string_view key) const {
  return Typed<std::string>(Find(key, "GetString").value, key, "GetString");
}
int64_t Config::GetInt(std::string_view key) const {
  return Typed<int64_t>(Find(key, "GetInt").value, key, "GetInt");
}
double Config::GetDouble(std::string_view key) const {
  return Typed<double>(Find(key, "GetDouble").value, key, "GetDouble");
}
bool Config::GetBool(std::string_view key) const {
  return Typed<bool>(Find(key, "GetBool").value, key, "GetBool");
}
const std::vector<std::string>& Config::GetList(std::string_view key) const {
  return Typed<std::vector<std::string>>(Find(key, "GetList").value, key, "GetList");
}
const HostPort& Config::GetHostPort(std::string_view key) const {
  return Typed<HostPort>(Find(key, "GetHostPort").value, key, "GetHostPort");
}
const std::string& Config::ValueText(std::string_view key) const {
  return Find(key, "ValueText").value.text;
}
const std::string& Config::Origin(std::string_view key) const { return Find(key, "Origin").origin; }

std::string Config::Dump(bool redact_secrets) const {
  std::string out = "# btrouter configuration: effective values";
  out += redact_secrets ? " (secrets redacted)\n" : " (SECRETS SHOWN)\n";
  std::string_view section;
  for (const ConfigKeySpec& spec : ConfigSchema()) {
    const Entry& e = Find(spec.name, "Dump");
    if (spec.section() != section) {
      section = spec.section();
      out += "\n[" + std::string(section) + "]\n";
    }
    if (e.origin != "default") out += "# from " + e.origin + "\n";
    const bool hide = redact_secrets && spec.secret && !e.value.text.empty();
    out += std::string(spec.key()) + " = " + (hide ? "<redacted>" : e.value.text) + "\n";
  }
  return out;
}

Result<Config> LoadConfig(const std::string& path_or_empty,
                          const std::map<std::string, std::string>& env) {
  return LoadConfig(path_or_empty, env, {});
}

Result<Config> LoadConfig(const std::string& path_or_empty,
                          const std::map<std::string, std::string>& env,
                          const std::vector<ConfigOverride>& overrides) {
  ConfigLoader loader;
  if (!path_or_empty.empty()) BTR_RETURN_IF_ERROR(loader.ApplyFile(path_or_empty));
  BTR_RETURN_IF_ERROR(loader.ApplyEnvironment(env));
  for (const ConfigOverride& o : overrides) BTR_RETURN_IF_ERROR(loader.ApplyOverride(o));
  BTR_RETURN_IF_ERROR(loader.CheckSections());
  BTR_RETURN_IF_ERROR(loader.Validate());
  return std::move(loader).Take();
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace btr
