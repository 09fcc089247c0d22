// EngineRegistry: the engine factory. Engines are registered by name (one implementation per
// engine, built from configuration at start) and looked up by the job service and the router.
// Registration happens before serving; lookups afterwards are read-only and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "engines/engine.h"

namespace btr {

class EngineRegistry {
 public:
  // Takes ownership. AlreadyExists when the name is taken.
  Status Register(EnginePtr engine);
  // nullptr when no engine of that name is registered.
  Engine* Find(std::string_view name) const;
  // Registered engines in name order.
  std::vector<Engine*> All() const;
  // "native, backtestingpy" — for error messages.
  std::string Names() const;

 private:
  std::map<std::string, EnginePtr, std::less<>> engines_;
};

}  // namespace btr
