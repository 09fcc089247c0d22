// The engines btrouter ships, one registration line each (engines/engine_registration.h). Their
// configuration sections are registered at static initialization of this file, before any
// configuration is loaded, in this order (the order of config/btrouter.conf).
#pragma once

#include <vector>

#include "engines/engine_registration.h"

namespace btr {

const std::vector<EngineRegistration>& BuiltinEngines();

}  // namespace btr
