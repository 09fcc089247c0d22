#include "routing/engine_registry.h"

namespace btr {

Status EngineRegistry::Register(EnginePtr engine) {
  const std::string name(engine->name());
  if (engines_.count(name) != 0 || not_enabled_.count(name) != 0)
    return Status::AlreadyExists("engine '" + name + "' registered twice");
  engines_.emplace(name, std::move(engine));
  return Status::Ok();
}

Status EngineRegistry::DeclareNotEnabled(std::string name, std::string hint) {
  if (engines_.count(name) != 0 || not_enabled_.count(name) != 0)
    return Status::AlreadyExists("engine '" + name + "' registered twice");
  not_enabled_.emplace(std::move(name), std::move(hint));
  return Status::Ok();
}

Engine* EngineRegistry::Find(std::string_view name) const {
  auto it = engines_.find(name);
  return it == engines_.end() ? nullptr : it->second.get();
}

std::vector<Engine*> EngineRegistry::All() const {
  std::vector<Engine*> out;
  for (const auto& [name, engine] : engines_) out.push_back(engine.get());
  return out;
}

std::string EngineRegistry::Names() const {
  std::string out;
  for (const auto& [name, engine] : engines_) out += (out.empty() ? "" : ", ") + name;
  return out;
}

const std::string* EngineRegistry::NotEnabledHint(std::string_view name) const {
  auto it = not_enabled_.find(name);
  return it == not_enabled_.end() ? nullptr : &it->second;
}

Status EngineRegistry::UnknownEngine(std::string_view field, std::string_view name,
                                     bool auto_allowed) const {
  const std::string prefix = std::string(field) + ": ";
  if (const std::string* hint = NotEnabledHint(name)) {
    return Status::InvalidArgument(prefix + "engine '" + std::string(name) +
                                   "' is not enabled on this server; to enable it, " + *hint +
                                   ", then restart the server");
  }
  std::string available = auto_allowed ? "auto" : "";
  const std::string names = Names();
  if (!names.empty()) available += (available.empty() ? "" : ", ") + names;
  std::string disabled;
  for (const auto& [known, hint] : not_enabled_) disabled += (disabled.empty() ? "" : ", ") + known;
  return Status::InvalidArgument(prefix + "unknown engine '" + std::string(name) +
                                 "' (available: " + available +
                                 (disabled.empty() ? "" : "; not enabled: " + disabled) + ")");
}

Status RegisterEngines(const std::vector<EngineRegistration>& registrations,
                       const EngineBuildContext& context, EngineRegistry* engines) {
  for (const EngineRegistration& r : registrations) {
    const std::string name(r.name);
    if (!context.config->GetBool("engines." + name + ".enabled")) {
      BTR_RETURN_IF_ERROR(engines->DeclareNotEnabled(name, EnableHint(r)));
      continue;
    }
    Result<EnginePtr> engine = r.create(context);
    if (!engine.ok()) return engine.status().WithPrefix("engines." + name);
    BTR_RETURN_IF_ERROR(engines->Register(std::move(engine).value()));
  }
  return Status::Ok();
}

}  // namespace btr
