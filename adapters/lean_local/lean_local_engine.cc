#include "adapters/lean_local/lean_local_engine.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "adapters/lean/lean_log.h"
#include "adapters/lean/lean_project.h"
#include "adapters/lean/lean_result.h"
#include "adapters/lean_local/lean_launcher.h"
#include "adapters/lean_local/lean_workspace.h"
#include "engines/catalogue/catalogue.h"
#include "engines/core/json_text.h"
#include "engines/spec_window.h"

namespace btr {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using lean_local::LeanWorkspace;
using lean_local::ProcessEnd;
using lean_local::ProcessOptions;
using lean_local::ProcessOutcome;
using std::chrono::milliseconds;

constexpr std::string_view kBanner = "LEAN ALGORITHMIC TRADING ENGINE ";
constexpr size_t kTailLines = 8;
constexpr size_t kExcerptBytes = 300;

bool Cancelled(const RunContext& context) {
  return context.cancel != nullptr && context.cancel->load(std::memory_order_relaxed);
}

std::string Excerpt(std::string_view text) {
  if (text.size() <= kExcerptBytes) return std::string(text);
  return std::string(text.substr(0, kExcerptBytes)) + "…";
}

// What the engine keeps from the launcher's output: the log follower (progress, errors), the
// engine version from LEAN's banner, and the last lines for a failure without ERROR lines.
class OutputWatcher {
 public:
  OutputWatcher(const BarSeries& bars, const RunContext& context) : context_(context) {
    if (!bars.empty()) follower_.set_range(bars.time.front(), bars.time.back());
  }

  void OnLine(std::string_view line) {
    follower_.Feed(line);
    if (!line.empty() && context_.log) context_.log(line);  // LEAN's log, for the job's log
    if (version_.empty()) {
      const size_t at = line.find(kBanner);
      if (at != std::string_view::npos) {
        std::string_view rest = line.substr(at + kBanner.size());
        rest = rest.substr(0, rest.find(' '));
        if (!rest.empty() && rest.front() == 'v') version_ = std::string(rest);
      }
    }
    if (!line.empty()) {
      tail_.emplace_back(Excerpt(line));
      if (tail_.size() > kTailLines) tail_.pop_front();
    }
    const std::optional<double> fraction = follower_.progress();
    if (fraction && *fraction > reported_ && context_.progress) {
      reported_ = *fraction;
      context_.progress(*fraction, "running");
    }
  }

  const lean::LeanLogFollower& follower() const { return follower_; }
  // "LEAN v2.5.0.0 (local)", or "LEAN (local)" without a banner line.
  std::string EngineVersion() const {
    return version_.empty() ? "LEAN (local)" : "LEAN " + version_ + " (local)";
  }

  // "; LEAN errors: a | b" or "; last output: x | y" (empty when there was no output).
  std::string Diagnostics() const {
    const std::vector<std::string>& errors = follower_.errors();
    std::string out;
    if (!errors.empty()) {
      out = "; LEAN errors: ";
      for (size_t i = 0; i < errors.size() && i < 3; ++i) {
        out += (i == 0 ? "" : " | ") + Excerpt(errors[i]);
      }
      return out;
    }
    if (tail_.empty()) return "; the launcher printed nothing";
    out = "; last output: ";
    for (size_t i = 0; i < tail_.size(); ++i) out += (i == 0 ? "" : " | ") + tail_[i];
    return out;
  }

 private:
  const RunContext& context_;
  lean::LeanLogFollower follower_;
  std::string version_;
  std::deque<std::string> tail_;
  double reported_ = -1;
};

// results/<algorithm-id>.json, or (lean-cli picks its own id) the only "<digits>.json" there.
// NotFound when there is none; Internal when it is not JSON.
Result<nlohmann::json> ReadResultFile(const LeanWorkspace& ws) {
  std::string path = ws.result_path();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    std::vector<std::string> numbered;
    for (const fs::directory_entry& entry : fs::directory_iterator(ws.results_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 5 && name.ends_with(".json") &&
          name.find_first_not_of("0123456789") == name.size() - 5) {
        numbered.push_back(entry.path().string());
      }
    }
    if (numbered.size() != 1) {
      return Status::NotFound("LEAN wrote no result file results/" + ws.algorithm_id + ".json");
    }
    path = numbered.front();
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json doc = ParseJson(text);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Internal("LEAN's result file " + fs::path(path).filename().string() +
                            " is not a JSON object (" + std::to_string(text.size()) +
                            " bytes, truncated or malformed)");
  }
  return doc;
}

// The catalogue's warm-up bar (buy & hold's base), as AlgorithmParameters passed it to LEAN.
size_t WarmupBars(const std::map<std::string, std::string>& parameters, const BacktestSpec& spec,
                  const BarSeries& bars) {
  const auto it = parameters.find("warmup");
  if (it != parameters.end()) {
    char* end = nullptr;
    const unsigned long long w = std::strtoull(it->second.c_str(), &end, 10);
    if (end != it->second.c_str() && *end == '\0') return static_cast<size_t>(w);
  }
  Result<size_t> warmup = lean::CatalogueWarmup(spec, bars);
  return warmup.ok() ? *warmup : 0;
}

}  // namespace

Result<std::unique_ptr<LeanLocalEngine>> LeanLocalEngine::Create(LeanLocalOptions options) {
  Result<lean_local::LeanCommand> command = lean_local::LeanCommand::Parse(options.command);
  if (!command.ok()) return command.status();
  return std::unique_ptr<LeanLocalEngine>(
      new LeanLocalEngine(std::move(options), std::move(command).value()));
}

LeanLocalEngine::LeanLocalEngine(LeanLocalOptions options, lean_local::LeanCommand command)
    : options_(std::move(options)), command_(std::move(command)) {}

EngineCapabilities LeanLocalEngine::capabilities() const {
  EngineCapabilities caps = CatalogueCapabilities(options_.max_bars);
  // C# needs compiling first, which lean-cli does, not LEAN.
  if (options_.algorithm_source) caps.languages = {"python"};
  return caps;
}

Status LeanLocalEngine::Validate(const BacktestSpec& spec) const {
  if (!spec.algorithm.empty()) {
    if (!options_.algorithm_source) {
      return Status::InvalidArgument(
          "algorithm: this server does not run algorithms' own source on lean_local (an "
          "operator enables it with engines.lean_local.algorithm_source = true)");
    }
    if (spec.algorithm.language != "python") {
      return Status::InvalidArgument(
          "algorithm.language: lean_local runs Python algorithms; a C# project needs compiling "
          "first (run it on qc_cloud, or build it with lean-cli)");
    }
    return lean::CheckSourceSpec(spec);
  }
  Result<ResolvedStrategy> resolved = ResolveStrategy(spec.strategy);
  if (!resolved.ok()) return resolved.status();
  return SpecWindow(spec).status();
}

Health LeanLocalEngine::Probe(Clock::time_point deadline) {
  const Clock::time_point start = Clock::now();
  Health health;
  auto done = [&](bool healthy, std::string detail) {
    health.healthy = healthy;
    health.detail = std::move(detail);
    health.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    return health;
  };
  Result<std::string> program = lean_local::FindProgram(command_.program());
  if (!program.ok()) {
    return done(false, "launcher " + program.status().message() +
                           "; install it or set engines.lean_local.command");
  }
  std::error_code ec;
  fs::create_directories(options_.work_dir, ec);
  if (options_.work_dir.empty() || ec || ::access(options_.work_dir.c_str(), W_OK) != 0) {
    return done(false, "engines.lean_local.work_dir: '" + options_.work_dir + "' is not a " +
                           "writable folder");
  }
  if (!options_.lean_data_dir.empty()) {
    Status databases = lean_local::CheckLeanDataDir(options_.lean_data_dir);
    if (!databases.ok()) return done(false, databases.message());
  }
  if (!command_.is_docker()) return done(true, "launcher " + *program + " (not started by probes)");

  ProcessOptions version;
  version.argv = {*program, "version", "--format", "{{.Server.Version}}"};
  // Leave room to stop a hung client before the probe's own deadline.
  version.kill_grace = milliseconds(200);
  version.deadline = std::max(Clock::now() + milliseconds(50), deadline - milliseconds(250));
  std::vector<std::string> lines;
  version.on_line = [&lines](std::string_view line) {
    if (!line.empty() && lines.size() < 3) lines.push_back(Excerpt(line));
  };
  Result<ProcessOutcome> outcome = lean_local::RunProcess(version);
  if (!outcome.ok()) return done(false, "docker version: " + outcome.status().message());
  if (outcome->end != ProcessEnd::kExited) {
    return done(false, "docker version did not answer before the probe deadline");
  }
  std::string output;
  for (const std::string& line : lines) output += (output.empty() ? "" : " | ") + line;
  if (!outcome->succeeded() || lines.empty()) {
    return done(false, "Docker engine not reachable (docker version: " + outcome->Describe() +
                           (output.empty() ? "" : ": " + output) + ")");
  }
  return done(true, "Docker engine " + lines.front());
}

Result<EngineRun> LeanLocalEngine::Run(const BacktestSpec& spec, const BarSeries& dataset,
                                       const RunContext& context) {
  const Clock::time_point start = Clock::now();
  // Only the window's bars are written for LEAN, and its start and end dates are theirs.
  Result<BarWindow> window = CutToWindow(dataset, spec);
  if (!window.ok()) return window.status();
  const BarSeries& bars = window->bars();
  if (options_.max_bars != 0 && bars.size() > options_.max_bars) {
    return Status::InvalidArgument("dataset: " + std::to_string(bars.size()) +
                                   " bars exceed the lean_local engine's limit of " +
                                   std::to_string(options_.max_bars) + " bars per run");
  }
  if (!spec.algorithm.empty()) BTR_RETURN_IF_ERROR(Validate(spec));  // opt-in, language
  Result<std::map<std::string, std::string>> parameters =
      spec.algorithm.empty() ? lean::AlgorithmParameters(spec, bars)
                             : lean::SourceParameters(spec, bars);
  if (!parameters.ok()) return parameters.status();
  if (Cancelled(context)) return Status::Cancelled("cancelled before LEAN was started");
  if (context.progress) context.progress(0, "preparing");

  Result<LeanWorkspace> ws = lean_local::CreateWorkspace(options_.work_dir);
  if (!ws.ok()) return ws.status();
  struct Cleanup {
    const LeanWorkspace& ws;
    bool keep;
    ~Cleanup() {
      if (!keep) lean_local::RemoveWorkspace(ws);
    }
  } cleanup{*ws, options_.keep_work_dirs};
  const lean_local::LeanView view = lean_local::ViewFor(*ws, command_);
  BTR_RETURN_IF_ERROR(lean_local::PopulateWorkspace(*ws, view, lean::ProjectFiles(spec), bars,
                                                    *parameters, options_.lean_data_dir));

  OutputWatcher watcher(bars, context);
  ProcessOptions launch;
  launch.argv = command_.Expand(ws->command_values());
  launch.deadline = start + options_.run_timeout;
  launch.cancel = context.cancel;
  launch.kill_grace = options_.kill_grace;
  launch.on_line = [&watcher](std::string_view line) { watcher.OnLine(line); };
  if (command_.is_docker_run() && command_.names_container()) {
    // Killing the docker client does not always stop the container; name it and kill it.
    launch.before_kill = [this, name = ws->container_name()] {
      ProcessOptions kill;
      kill.argv = {command_.program(), "kill", name};
      kill.deadline = Clock::now() + std::min(options_.kill_grace, milliseconds(10000));
      kill.kill_grace = milliseconds(500);
      (void)lean_local::RunProcess(kill);
    };
  }
  if (context.progress) context.progress(0, "running");
  Result<ProcessOutcome> outcome = lean_local::RunProcess(launch);
  const std::string program = "'" + command_.program() + "'";
  if (!outcome.ok()) {
    if (outcome.status().code() == StatusCode::kInternal) {
      return outcome.status().WithPrefix("lean_local: starting the launcher");
    }
    return Status::Unavailable(
        "lean_local: cannot start the LEAN launcher: " + outcome.status().message() +
        "; install Docker or the lean CLI, or set engines.lean_local.command");
  }
  switch (outcome->end) {
    case ProcessEnd::kTimedOut:
      return Status::DeadlineExceeded(
          "lean_local: LEAN did not finish within " +
          std::to_string(options_.run_timeout.count() / 1000) +
          " s (engines.lean_local.timeout_s); the launcher's process group was killed");
    case ProcessEnd::kCancelled:
      return Status::Cancelled("cancelled; the LEAN launcher's process group was killed");
    case ProcessEnd::kExited:
      break;
  }
  const std::string ended = "the launcher " + program + " ended with " + outcome->Describe();
  if (outcome->signal == 0 && outcome->exit_code == 127) {
    return Status::Unavailable("lean_local: the launcher could not run LEAN (" + ended +
                               ", 'command not found'); check engines.lean_local.command" +
                               watcher.Diagnostics());
  }

  Result<nlohmann::json> result = ReadResultFile(*ws);
  if (result.ok()) {
    const Status failed = lean::LeanResultError(*result);
    if (!failed.ok() && !spec.algorithm.empty()) {  // the code's own error: the request's fault
      return Status::InvalidArgument(
          "algorithm: the algorithm failed in LEAN: " + failed.message() + watcher.Diagnostics());
    }
    if (!failed.ok()) {
      return Status(failed.code(), "lean_local: LEAN run failed: " + failed.message() + "; " +
                                       ended + watcher.Diagnostics());
    }
  }
  if (!outcome->succeeded()) {
    return Status::Internal("lean_local: LEAN failed: " + ended + watcher.Diagnostics());
  }
  if (!result.ok()) {
    return Status::Internal("lean_local: " + result.status().message() + " although " + ended +
                            watcher.Diagnostics());
  }
  Result<EngineRun> run = lean::ParseLeanResult(*result, bars);
  if (!run.ok()) return run.status().WithPrefix("lean_local: LEAN's result");
  // An algorithm's own source has no catalogue warm-up: buy & hold starts at the first bar.
  run->warmup_bars = spec.algorithm.empty() ? WarmupBars(*parameters, spec, bars) : 0;
  run->engine_version = watcher.EngineVersion();
  run->run_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

}  // namespace btr
