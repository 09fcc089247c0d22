#include "router/engine_registry.h"

namespace btr {

Status EngineRegistry::Register(EnginePtr engine) {
  const std::string name(engine->name());
  if (engines_.count(name) != 0)
    return Status::AlreadyExists("engine '" + name + "' registered twice");
  engines_.emplace(name, std::move(engine));
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

}  // namespace btr
