// EngineRegistration: an engine as btrouter knows it, declared in the engine's own folder — its
// name, its configuration section (engines.<name>.*: enabled, concurrency, timeout_s and its
// own keys, with a check) and how to build it from the loaded configuration.
// router/app/builtin_engines.cc lists the registrations btrouter ships, one line each, and
// registers their sections before any configuration is loaded; the server builds the enabled
// engines with RegisterEngines (routing/engine_registry.h). Plain values; thread-compatible.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "engines/engine.h"
#include "services/config/config.h"
#include "services/config/schema.h"

namespace btr {

// What building an engine may use besides its own section.
struct EngineBuildContext {
  const Config* config = nullptr;
  std::string data_dir;  // server.data_dir (folders an engine keeps default to places under it)
  size_t max_bars = 0;   // limits.max_bars_per_run
};

struct EngineRegistration {
  std::string_view name;
  ConfigSection config;  // config.engine == name
  // What enabling the engine needs besides engines.<name>.enabled = true (a URL, credentials);
  // may be empty. Shown to users of a server where it is not enabled.
  std::string enable_hint;
  // Builds the engine; called only when engines.<name>.enabled. Errors name the key at fault.
  std::function<Result<EnginePtr>(const EngineBuildContext& context)> create;
};

// "set engines.qc_cloud.enabled = true (BTR__ENGINES__QC_CLOUD__ENABLED=true) with ...".
std::string EnableHint(const EngineRegistration& registration);

}  // namespace btr
