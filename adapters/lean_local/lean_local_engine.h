// LeanLocalEngine: the Engine for QuantConnect LEAN run on this machine
// (docs/engines/lean_local.md): the Docker image quantconnect/lean, the lean CLI, or any command
// that behaves like LEAN's launcher. A run writes a workspace (lean_workspace.h: the catalogue
// algorithm or a spec's own Python algorithm files, LEAN-format data, config.json), launches the
// configured command template (lean_command.h) as a process group (lean_launcher.h), follows its
// log for progress (lean::LeanLogFollower), then reads results/<algorithm-id>.json
// (lean::ParseLeanResult).
//
// Errors (engine.h classes):
//   - InvalidArgument: the spec or the bars cannot be run on LEAN (lean::AlgorithmParameters,
//     lean::SourceParameters; C# source; algorithm source while algorithm_source is off), or
//     an algorithm's own code failed (LEAN's RuntimeError: the request's fault),
//     more bars than max_bars, or a LEAN result that says so (lean::LeanResultError).
//   - Unavailable: the launcher program is missing or cannot be started (or exits 127, a shell's
//     "command not found"), or the work folder / LEAN data folder is unusable. Nothing ran.
//   - DeadlineExceeded: the run outlived run_timeout (engines.lean_local.timeout_s); it was killed.
//   - Cancelled: RunContext::cancel was set; the launcher's process group was killed.
//   - Internal: LEAN failed (non-zero exit, runtime error, no or malformed result file); the
//     message quotes LEAN's first ERROR lines and the launcher's exit status.
// Messages name the launcher's program, never the whole command line (it may carry secrets).
//
// Threads: Run() and Probe() may be called concurrently; the engine holds no mutable state.
// Every run has its own folder and process group.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "adapters/lean_local/lean_command.h"
#include "engines/engine.h"

namespace btr {

struct LeanLocalOptions {
  // Launch command template (engines.lean_local.command); see lean_command.h.
  std::string command = std::string(lean_local::kDefaultCommand);
  // Parent of the run folders (engines.lean_local.work_dir, resolved by the caller).
  std::string work_dir;
  std::chrono::milliseconds run_timeout{3600 * 1000};  // engines.lean_local.timeout_s
  std::chrono::milliseconds kill_grace{10000};         // SIGTERM → SIGKILL on cancel / timeout
  bool keep_work_dirs = false;  // keep each run's folder (for debugging); else it is removed
  // A LEAN data folder holding market-hours/ and symbol-properties/ (e.g. the one `lean init`
  // makes); copied into each run's data folder. Empty: the command must provide them.
  std::string lean_data_dir;
  size_t max_bars = 0;  // 0 = no limit
  // Run specs with an algorithm's own Python source (engines.lean_local.algorithm_source): the
  // code runs with the launcher's rights, so it is off unless the operator turns it on.
  bool algorithm_source = false;
};

class LeanLocalEngine final : public Engine {
 public:
  // InvalidArgument naming engines.lean_local.command for a bad template.
  static Result<std::unique_ptr<LeanLocalEngine>> Create(LeanLocalOptions options);

  std::string_view name() const override { return "lean_local"; }
  EngineCapabilities capabilities() const override;
  Status Validate(const BacktestSpec& spec) const override;
  // Checks the launcher's program is executable, the work folder is writable and (when set) the
  // LEAN data folder holds the databases; for a docker template also that the Docker engine
  // answers `docker version` by `deadline`. Never starts LEAN.
  Health Probe(std::chrono::steady_clock::time_point deadline) override;
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override;

 private:
  LeanLocalEngine(LeanLocalOptions options, lean_local::LeanCommand command);

  const LeanLocalOptions options_;
  const lean_local::LeanCommand command_;
};

}  // namespace btr
