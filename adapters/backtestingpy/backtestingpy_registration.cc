#include "adapters/backtestingpy/backtestingpy_registration.h"

#include "adapters/backtestingpy/backtestingpy_engine.h"

namespace btr {

EngineRegistration BacktestingPyRegistration() {
  using T = ConfigType;
  constexpr int64_t kWeekS = 7 * 24 * 3600;
  EngineRegistration r;
  r.name = "backtestingpy";
  r.config.engine = "backtestingpy";
  r.config.keys = {
      ConfigKey("engines.backtestingpy.enabled", T::kBool, "false",
                "route to the Backtesting.py service"),
      ConfigKey("engines.backtestingpy.url", T::kUrl, "http://127.0.0.1:8765",
                "base URL of the Backtesting.py service"),
      ConfigKey("engines.backtestingpy.concurrency", T::kInt, "2", "runs at once on the service")
          .Range(1, 1024),
      ConfigKey("engines.backtestingpy.timeout_s", T::kInt, "600", "wall-clock limit of a run")
          .Range(1, kWeekS),
      ConfigKey("engines.backtestingpy.request_timeout_s", T::kInt, "10", "limit of one HTTP call")
          .Range(1, 600),
  };
  r.enable_hint =
      "with engines.backtestingpy.url pointing at a running Backtesting.py service "
      "(adapters/backtestingpy/service/run)";
  r.create = [](const EngineBuildContext& context) -> Result<EnginePtr> {
    const Config& config = *context.config;
    BacktestingPyOptions service;
    service.url = config.GetString("engines.backtestingpy.url");
    service.request_timeout =
        std::chrono::seconds(config.GetInt("engines.backtestingpy.request_timeout_s"));
    service.run_timeout = std::chrono::seconds(config.GetInt("engines.backtestingpy.timeout_s"));
    service.max_bars = context.max_bars;
    return EnginePtr(std::make_unique<BacktestingPyEngine>(service));
  };
  return r;
}

}  // namespace btr
