// EngineRegistry: the engine factory. Engines are registered by name (one implementation per
// engine, built from configuration at start) and looked up by the job service and the router.
// The registry also knows the engines btrouter could serve but whose configuration does not
// enable them, with a hint how to enable each, so that they can be listed as disabled and a
// request naming one is told how to enable it rather than that the name is unknown.
// Registration happens before serving; lookups afterwards are read-only and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "engines/engine.h"
#include "engines/engine_registration.h"

namespace btr {

class EngineRegistry {
 public:
  // Takes ownership. AlreadyExists when the name is taken.
  Status Register(EnginePtr engine);
  // Declares `name` a known engine that is not enabled here; `hint` says how to enable it
  // ("set engines.qc_cloud.enabled = true (BTR__ENGINES__QC_CLOUD__ENABLED=true)").
  // AlreadyExists when the name is registered or declared.
  Status DeclareNotEnabled(std::string name, std::string hint);

  // nullptr when no engine of that name is registered.
  Engine* Find(std::string_view name) const;
  // Registered engines in name order.
  std::vector<Engine*> All() const;
  // "native, backtestingpy" — for error messages.
  std::string Names() const;

  // The hint of a known engine that is not enabled; nullptr for any other name.
  const std::string* NotEnabledHint(std::string_view name) const;
  // The known engines that are not enabled, by name, with their hints.
  const std::map<std::string, std::string, std::less<>>& NotEnabled() const { return not_enabled_; }

  // InvalidArgument for a request whose `field` names `name`, an engine Find does not know:
  //   "<field>: engine 'qc_cloud' is not enabled on this server; to enable it, <hint>, then
  //    restart the server"  for a known engine that is not enabled;
  //   "<field>: unknown engine 'x' (available: [auto, ]native, ...[; not enabled: ...])".
  Status UnknownEngine(std::string_view field, std::string_view name, bool auto_allowed) const;

 private:
  std::map<std::string, EnginePtr, std::less<>> engines_;
  std::map<std::string, std::string, std::less<>> not_enabled_;  // name -> hint
};

// Builds every engine of `registrations` whose section enables it (in order) into `engines`, and
// declares the others not enabled, with their hints. Errors name the engine.
Status RegisterEngines(const std::vector<EngineRegistration>& registrations,
                       const EngineBuildContext& context, EngineRegistry* engines);

}  // namespace btr
