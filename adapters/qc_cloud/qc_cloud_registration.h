// The QuantConnect Cloud engine's registration (engines/engine_registration.h): section
// engines.qc_cloud. Its check reads the token file into engines.qc_cloud.token and requires
// credentials when the engine is enabled.
#pragma once

#include "engines/engine_registration.h"

namespace btr {

EngineRegistration QcCloudRegistration();

}  // namespace btr
