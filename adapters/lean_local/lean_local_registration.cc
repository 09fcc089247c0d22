#include "adapters/lean_local/lean_local_registration.h"

#include "adapters/lean_local/lean_local_engine.h"

namespace btr {

EngineRegistration LeanLocalRegistration() {
  using T = ConfigType;
  constexpr int64_t kWeekS = 7 * 24 * 3600;
  EngineRegistration r;
  r.name = "lean_local";
  r.config.engine = "lean_local";
  r.config.keys = {
      ConfigKey("engines.lean_local.enabled", T::kBool, "false", "route to a local LEAN"),
      ConfigKey("engines.lean_local.command", T::kTemplate,
                "docker run --rm --name {container} -v {project_dir}:/LeanCLI -v "
                "{data_dir}:/Lean/Data -v {results_dir}:/Results -v "
                "{config}:/Lean/Launcher/bin/Debug/config.json:ro quantconnect/lean:latest",
                "launch command template, split on spaces, run without a shell")
          .OneOf({"config", "project_dir", "data_dir", "results_dir", "container"}),
      ConfigKey("engines.lean_local.work_dir", T::kString, "",
                "folder for LEAN projects and results; empty = <server.data_dir>/lean")
          .MayBeEmpty(),
      ConfigKey("engines.lean_local.lean_data_dir", T::kString, "",
                "LEAN data folder with market-hours/ and symbol-properties/, copied into each run")
          .MayBeEmpty(),
      ConfigKey("engines.lean_local.keep_work_dirs", T::kBool, "false",
                "keep each run's folder for debugging"),
      ConfigKey("engines.lean_local.algorithm_source", T::kBool, "false",
                "run algorithms' own Python source (it runs with the LEAN command's rights)"),
      ConfigKey("engines.lean_local.concurrency", T::kInt, "1", "LEAN runs at once").Range(1, 64),
      ConfigKey("engines.lean_local.timeout_s", T::kInt, "3600", "wall-clock limit of a run")
          .Range(1, kWeekS),
  };
  r.enable_hint = "; runs use engines.lean_local.command (Docker's quantconnect/lean by default)";
  r.create = [](const EngineBuildContext& context) -> Result<EnginePtr> {
    const Config& config = *context.config;
    LeanLocalOptions lean;
    lean.command = config.GetString("engines.lean_local.command");
    lean.work_dir = config.GetString("engines.lean_local.work_dir");
    if (lean.work_dir.empty()) lean.work_dir = context.data_dir + "/lean";
    lean.run_timeout = std::chrono::seconds(config.GetInt("engines.lean_local.timeout_s"));
    lean.keep_work_dirs = config.GetBool("engines.lean_local.keep_work_dirs");
    lean.lean_data_dir = config.GetString("engines.lean_local.lean_data_dir");
    lean.algorithm_source = config.GetBool("engines.lean_local.algorithm_source");
    lean.max_bars = context.max_bars;
    Result<std::unique_ptr<LeanLocalEngine>> engine = LeanLocalEngine::Create(std::move(lean));
    if (!engine.ok()) return engine.status();
    return EnginePtr(std::move(engine).value());
  };
  return r;
}

}  // namespace btr
