// The native engine's registration (engines/engine_registration.h): section engines.native.
#pragma once

#include "engines/engine_registration.h"

namespace btr {

EngineRegistration NativeEngineRegistration();

}  // namespace btr
