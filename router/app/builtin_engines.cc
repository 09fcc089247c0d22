#include "router/app/builtin_engines.h"

#include "adapters/backtestingpy/backtestingpy_registration.h"
#include "adapters/lean_local/lean_local_registration.h"
#include "adapters/qc_cloud/qc_cloud_registration.h"
#include "engines/native/native_registration.h"

namespace btr {

const std::vector<EngineRegistration>& BuiltinEngines() {
  static const std::vector<EngineRegistration>* engines = new std::vector<EngineRegistration>{
      NativeEngineRegistration(),
      BacktestingPyRegistration(),
      LeanLocalRegistration(),
      QcCloudRegistration(),
  };
  return *engines;
}

namespace {

// Registers the sections before main(): every binary that links this file (the server, the
// CLI, the tests of the server) loads configurations with the engines' keys.
const bool kSectionsRegistered = [] {
  for (const EngineRegistration& r : BuiltinEngines()) RegisterConfigSection(r.config);
  return true;
}();

}  // namespace

}  // namespace btr
