#include "engines/native/native_registration.h"

#include "engines/native/native_engine.h"

namespace btr {

EngineRegistration NativeEngineRegistration() {
  using T = ConfigType;
  constexpr int64_t kWeekS = 7 * 24 * 3600;
  EngineRegistration r;
  r.name = "native";
  r.config.engine = "native";
  r.config.keys = {
      ConfigKey("engines.native.enabled", T::kBool, "true", "serve the in-process native engine"),
      ConfigKey("engines.native.concurrency", T::kInt, "2", "native runs at once").Range(1, 1024),
      ConfigKey("engines.native.timeout_s", T::kInt, "0", "wall-clock limit of a run; 0 = none")
          .Range(0, kWeekS),
  };
  r.create = [](const EngineBuildContext& context) -> Result<EnginePtr> {
    NativeEngineOptions native;
    native.max_bars = context.max_bars;
    return EnginePtr(std::make_unique<NativeEngine>(native));
  };
  return r;
}

}  // namespace btr
