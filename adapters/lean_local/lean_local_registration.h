// The local LEAN engine's registration (engines/engine_registration.h): section
// engines.lean_local.
#pragma once

#include "engines/engine_registration.h"

namespace btr {

EngineRegistration LeanLocalRegistration();

}  // namespace btr
