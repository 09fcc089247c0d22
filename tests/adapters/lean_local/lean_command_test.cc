// The pieces of the lean_local adapter that need no LEAN: the command template, the LEAN
// configuration written for a run, and the process launcher.
#include "adapters/lean_local/lean_command.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <regex>
#include <thread>

#include "adapters/lean_local/lean_launcher.h"
#include "adapters/lean_local/lean_workspace.h"
#include "tests/test_util.h"

namespace btr::lean_local {
namespace {

using std::chrono::milliseconds;

LeanCommand Parse(std::string_view text) {
  Result<LeanCommand> command = LeanCommand::Parse(text);
  REQUIRE(command.ok());
  return std::move(command).value();
}

TEST_CASE("lean command: the default docker template mounts every folder", "[lean_local]") {
  const LeanCommand command = Parse(kDefaultCommand);
  CHECK(command.program() == "docker");
  CHECK(command.is_docker());
  CHECK(command.is_docker_run());
  CHECK_FALSE(command.names_container());
  CHECK(command.MountTarget("project_dir") == std::optional<std::string>("/LeanCLI"));
  CHECK(command.MountTarget("data_dir") == std::optional<std::string>("/Lean/Data"));
  CHECK(command.MountTarget("results_dir") == std::optional<std::string>("/Results"));
  CHECK(command.MountTarget("config") ==
        std::optional<std::string>("/Lean/Launcher/bin/Debug/config.json"));
}

TEST_CASE("lean command: placeholders expand inside words after splitting", "[lean_local]") {
  const LeanCommand command =
      Parse("  docker run  --name {container} -v {data_dir}:/Lean/Data:ro\t--x={config} img ");
  CommandValues values;
  values.config = "/w d/run 1/config.json";
  values.data_dir = "/w d/run 1/data";
  values.container = "btr-lean-r1";
  const std::vector<std::string> argv = command.Expand(values);
  const std::vector<std::string> expected = {"docker",
                                             "run",
                                             "--name",
                                             "btr-lean-r1",
                                             "-v",
                                             "/w d/run 1/data:/Lean/Data:ro",
                                             "--x=/w d/run 1/config.json",
                                             "img"};
  CHECK(argv == expected);
  CHECK(command.names_container());
  CHECK(command.MountTarget("data_dir") == std::optional<std::string>("/Lean/Data"));
  CHECK_FALSE(command.MountTarget("project_dir").has_value());
  CHECK(Parse("docker run --name={container} img").names_container());
}

TEST_CASE("lean command: other mount spellings", "[lean_local]") {
  const LeanCommand command = Parse(
      "podman run --volume={project_dir}:/Algo --mount type=bind,source={data_dir},target=/D "
      "--mount type=bind,src={results_dir},dst=/R img");
  CHECK_FALSE(command.is_docker());
  CHECK(command.MountTarget("project_dir") == std::optional<std::string>("/Algo"));
  CHECK(command.MountTarget("data_dir") == std::optional<std::string>("/D"));
  CHECK(command.MountTarget("results_dir") == std::optional<std::string>("/R"));
  CHECK(Parse("/usr/local/bin/docker run x").is_docker_run());
  CHECK_FALSE(Parse("lean backtest {project_dir}").is_docker());
}

TEST_CASE("lean command: bad templates name the config key", "[lean_local]") {
  for (const char* text : {"", "   ", "docker {nope}", "docker {config", "docker config}",
                           "{config} run", "docker {{config}}"}) {
    INFO(text);
    Result<LeanCommand> command = LeanCommand::Parse(text);
    REQUIRE_FALSE(command.ok());
    CHECK(command.status().code() == StatusCode::kInvalidArgument);
    CHECK(command.status().message().find("engines.lean_local.command") != std::string::npos);
  }
}

TEST_CASE("lean workspace: algorithm ids and the config LEAN sees", "[lean_local]") {
  const std::regex id_pattern("1[0-9]{9}");
  for (int i = 0; i < 20; ++i) CHECK(std::regex_match(NewAlgorithmId(), id_pattern));

  testing::TempDir tmp;
  Result<LeanWorkspace> ws = CreateWorkspace(tmp.Path("work"));
  REQUIRE(ws.ok());
  CHECK(ws->run_id.ends_with(ws->algorithm_id));
  CHECK(ws->container_name() == "btr-lean-" + ws->run_id);
  CHECK(ws->result_path() == ws->results_dir + "/" + ws->algorithm_id + ".json");

  // Mounted folders are given to LEAN by their container paths...
  const LeanView docker = ViewFor(*ws, Parse(kDefaultCommand));
  CHECK(docker.algorithm_location == "/LeanCLI/main.py");
  CHECK(docker.data_folder == "/Lean/Data");
  CHECK(docker.results_folder == "/Results");
  // ...the others by their host paths.
  const LeanView host = ViewFor(*ws, Parse("lean-launcher --config {config}"));
  CHECK(host.algorithm_location == ws->project_dir + "/main.py");
  CHECK(host.data_folder == ws->data_dir);
  CHECK(host.results_folder == ws->results_dir);

  const nlohmann::json config = LeanConfig(ws->algorithm_id, docker, {{"strategy", "sma_cross"}});
  CHECK(config["algorithm-type-name"] == "main");
  CHECK(config["algorithm-language"] == "Python");
  CHECK(config["algorithm-location"] == "/LeanCLI/main.py");
  CHECK(config["data-folder"] == "/Lean/Data");
  CHECK(config["results-destination-folder"] == "/Results");
  CHECK(config["algorithm-id"] == ws->algorithm_id);
  CHECK(config["close-automatically"] == true);
  CHECK(config["environment"] == "backtesting");
  CHECK(config["parameters"] == nlohmann::json{{"strategy", "sma_cross"}});
  CHECK(config["api-access-token"] == "");
  const nlohmann::json& env = config["environments"]["backtesting"];
  CHECK(env["live-mode"] == false);
  CHECK(env["setup-handler"] == "QuantConnect.Lean.Engine.Setup.BacktestingSetupHandler");
  CHECK(env["result-handler"] == "QuantConnect.Lean.Engine.Results.BacktestingResultHandler");
  CHECK(env["data-feed-handler"] == "QuantConnect.Lean.Engine.DataFeeds.FileSystemDataFeed");
  CHECK(env["real-time-handler"] == "QuantConnect.Lean.Engine.RealTime.BacktestingRealTimeHandler");
  CHECK(env["transaction-handler"] ==
        "QuantConnect.Lean.Engine.TransactionHandlers.BacktestingTransactionHandler");
  CHECK(env["history-provider"].is_array());

  RemoveWorkspace(*ws);
  CHECK_FALSE(std::filesystem::exists(ws->root));
}

TEST_CASE("lean launcher: finds programs, follows lines, reports the exit", "[lean_local]") {
  CHECK(FindProgram("sh").ok());
  CHECK(FindProgram("no-such-program-btr-test").status().code() == StatusCode::kNotFound);
  CHECK(FindProgram("/nonexistent/launcher").status().code() == StatusCode::kNotFound);

  ProcessOptions options;
  options.argv = {"sh", "-c", "echo one; printf 'two\\r\\n'; echo err >&2; printf three; exit 3"};
  std::vector<std::string> lines;
  options.on_line = [&lines](std::string_view line) { lines.emplace_back(line); };
  Result<ProcessOutcome> outcome = RunProcess(options);
  REQUIRE(outcome.ok());
  CHECK(outcome->end == ProcessEnd::kExited);
  CHECK(outcome->exit_code == 3);
  CHECK(outcome->Describe() == "exit status 3");
  CHECK(lines == std::vector<std::string>{"one", "two", "err", "three"});

  options.argv = {"/nonexistent/launcher"};
  CHECK(RunProcess(options).status().code() == StatusCode::kNotFound);
}

TEST_CASE("lean launcher: a deadline stops the whole process group", "[lean_local]") {
  testing::TempDir tmp;
  ProcessOptions options;
  // The shell starts a grandchild that would outlive a plain kill of the shell.
  options.argv = {"sh", "-c", "sleep 30 & echo $! > " + tmp.Path("child") + "; wait"};
  options.deadline = std::chrono::steady_clock::now() + milliseconds(500);
  options.kill_grace = milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessOutcome> outcome = RunProcess(options);
  REQUIRE(outcome.ok());
  CHECK(outcome->end == ProcessEnd::kTimedOut);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  const std::string child = testing::ReadFile(tmp.Path("child"));
  REQUIRE_FALSE(child.empty());
  const pid_t pid = std::stoi(child);
  // Gone, or a zombie waiting for its new parent to reap it (SIGKILL takes a moment).
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    const std::string stat = testing::ReadFile("/proc/" + std::to_string(pid) + "/stat");
    gone = stat.empty() || stat.find(") Z ") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(milliseconds(10));
  }
  CHECK(gone);
}

TEST_CASE("lean launcher: cancel runs before_kill, then stops the child", "[lean_local]") {
  std::atomic<bool> cancel{false};
  bool before_kill = false;
  ProcessOptions options;
  options.argv = {"sleep", "30"};
  options.cancel = &cancel;
  options.kill_grace = milliseconds(500);
  options.before_kill = [&before_kill] { before_kill = true; };
  std::thread stopper([&cancel] {
    std::this_thread::sleep_for(milliseconds(200));
    cancel = true;
  });
  Result<ProcessOutcome> outcome = RunProcess(options);
  stopper.join();
  REQUIRE(outcome.ok());
  CHECK(outcome->end == ProcessEnd::kCancelled);
  CHECK(outcome->signal == SIGTERM);
  CHECK(before_kill);
}

}  // namespace
}  // namespace btr::lean_local
