// LeanLocalEngine against the fake LEAN launcher (tests/fakes/fake_lean.py), which reads the
// config, databases and LEAN-format bars the adapter wrote, runs the strategy with btrouter's
// native engine and writes LEAN-shaped results. A correct adapter therefore gives exactly the
// native engine's trades and equity: the bars must survive the trip through LEAN's data format
// and the results must be aligned back to them.
#include "adapters/lean_local/lean_local_engine.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "adapters/lean/lean_project.h"
#include "engines/data/csv_loader.h"
#include "engines/data/lean_loader.h"
#include "engines/native/native_engine.h"
#include "tests/adapters/lean_local/lean_local_test_util.h"
#include "tests/engines/trade_checks.h"
#include "tests/test_util.h"

namespace btr {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::Near;
using testing::TempDir;
using testing::lean_local::FakeCommand;
using testing::lean_local::Goog;
using testing::lean_local::LeftOver;
using testing::lean_local::Make;
using testing::lean_local::MakeLeanDataDir;
using testing::lean_local::Options;

BacktestSpec SmaCross() {
  BacktestSpec spec;
  spec.engine = "lean_local";
  spec.strategy.name = "sma_cross";
  return spec;
}

// A pid that no longer runs (gone, or a zombie its new parent has not reaped yet). SIGKILL is
// delivered asynchronously, so a process killed a moment ago gets up to 2 s to die.
bool Gone(pid_t pid) {
  const Clock::time_point until = Clock::now() + std::chrono::seconds(2);
  for (;;) {
    const std::string stat = testing::ReadFile("/proc/" + std::to_string(pid) + "/stat");
    if (stat.empty() || stat.find(") Z ") != std::string::npos) return true;
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

// The pids the fake writes with --pid-file ("<pid> <child pid>"), once both are there.
std::vector<pid_t> WaitForPids(const std::string& path) {
  const Clock::time_point until = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < until) {
    std::istringstream in(testing::ReadFile(path));
    std::vector<pid_t> pids;
    for (pid_t pid = 0; in >> pid;) pids.push_back(pid);
    if (pids.size() == 2) return pids;
    std::this_thread::sleep_for(milliseconds(20));
  }
  FAIL("the fake did not write " << path);
  return {};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("lean_local: same trades and equity as the native engine", "[lean_local]") {
  TempDir tmp;
  const LeanLocalOptions options = Options(tmp, FakeCommand());
  auto engine = Make(options);
  const BarSeries bars = Goog();
  std::vector<double> progress;
  std::vector<std::string> phases;
  std::vector<std::string> log;
  RunContext context;
  context.progress = [&](double fraction, std::string_view phase) {
    progress.push_back(fraction);
    phases.emplace_back(phase);
  };
  context.log = [&](std::string_view line) { log.emplace_back(line); };
  Result<EngineRun> lean = engine->Run(SmaCross(), bars, context);
  REQUIRE(lean.ok());
  // LEAN's own log lines reach the job's log, in order, none empty.
  REQUIRE(log.size() > 5);
  CHECK(std::none_of(log.begin(), log.end(), [](const std::string& l) { return l.empty(); }));
  CHECK(std::any_of(log.begin(), log.end(), [](const std::string& l) {
    return l.find("STATISTICS") != std::string::npos;
  }));
  NativeEngine native;
  Result<EngineRun> local = native.Run(SmaCross(), bars, {});
  REQUIRE(local.ok());

  REQUIRE(lean->trades.size() == 93);
  testing::CheckSameTrades(lean->trades, local->trades);
  REQUIRE(lean->equity.size() == bars.size());
  for (size_t i = 0; i < bars.size(); ++i) {
    INFO("bar " << i);
    CHECK(lean->equity[i] == local->equity[i]);
  }
  CHECK(lean->warmup_bars == local->warmup_bars);
  CHECK(lean->engine_version == "LEAN v2.5.0.0 (local)");
  CHECK(lean->run_seconds > 0);

  // LEAN's own numbers, kept raw and mapped where the meaning matches.
  CHECK(Contains(lean->native.raw_json, "\"Sharpe Ratio\""));
  const auto& m = lean->native.metrics;
  REQUIRE(m.count("num_trades") == 1);
  CHECK(m.at("num_trades") == 93);
  REQUIRE(m.count("total_return") == 1);
  CHECK(std::fabs(m.at("total_return") - (local->equity.back() / 10000 - 1)) < 1e-4);
  REQUIRE(m.count("equity_final") == 1);
  CHECK(std::fabs(m.at("equity_final") - local->equity.back()) < 0.01);
  CHECK_FALSE(lean->native.conventions.empty());

  // Progress moves forward, from the algorithm's BTR_PROGRESS lines, and ends complete.
  REQUIRE(progress.size() >= 10);
  for (size_t i = 1; i < progress.size(); ++i) CHECK(progress[i] >= progress[i - 1]);
  CHECK(progress.back() == 1.0);
  CHECK(phases.back() == "running");
  CHECK(LeftOver(options) == 0);
}

TEST_CASE("lean_local: minute bars round-trip too (SPY, extended hours)", "[lean_local]") {
  Result<BarSeries> bars = LoadLeanMinuteDir(testing::SharedData("lean/equity/usa/minute/spy"));
  REQUIRE(bars.ok());
  BacktestSpec spec = SmaCross();
  spec.strategy.params = {{"fast", 30}, {"slow", 90}};
  spec.commission = 0.001;
  TempDir tmp;
  Result<EngineRun> lean = Make(Options(tmp, FakeCommand()))->Run(spec, *bars, {});
  REQUIRE(lean.ok());
  Result<EngineRun> local = NativeEngine().Run(spec, *bars, {});
  REQUIRE(local.ok());
  REQUIRE(lean->trades.size() == local->trades.size());
  REQUIRE_FALSE(lean->trades.empty());
  for (size_t i = 0; i < lean->trades.size(); ++i) {
    INFO("trade " << i);
    CHECK(lean->trades[i].size == local->trades[i].size);
    CHECK(lean->trades[i].entry_bar == local->trades[i].entry_bar);
    CHECK(lean->trades[i].exit_bar == local->trades[i].exit_bar);
    CHECK(lean->trades[i].entry_time == local->trades[i].entry_time);
    CHECK(Near(lean->trades[i].pnl, local->trades[i].pnl, 1e-9));
    CHECK(Near(lean->trades[i].commission, local->trades[i].commission, 1e-9));
  }
  REQUIRE(lean->equity.size() == bars->size());
  for (size_t i = 0; i < bars->size(); ++i) CHECK(lean->equity[i] == local->equity[i]);
}

TEST_CASE("lean_local: the run folder and config.json LEAN is given", "[lean_local]") {
  TempDir tmp;
  LeanLocalOptions options = Options(tmp, FakeCommand());
  options.keep_work_dirs = true;
  auto engine = Make(options);
  REQUIRE(engine->Run(SmaCross(), Goog(), {}).ok());
  REQUIRE(LeftOver(options) == 1);
  const fs::path run = fs::directory_iterator(options.work_dir)->path();
  const nlohmann::json config = nlohmann::json::parse(testing::ReadFile(run / "config.json"));
  const std::string id = config.at("algorithm-id");
  CHECK(id.size() == 10);
  CHECK(id[0] == '1');
  CHECK(run.filename().string().ends_with("-" + id));
  CHECK(config.at("algorithm-type-name") == "main");
  CHECK(config.at("algorithm-language") == "Python");
  // The fake's template mounts nothing, so LEAN is given host paths.
  CHECK(config.at("algorithm-location") == (run / "project/main.py").string());
  CHECK(config.at("data-folder") == (run / "data").string());
  CHECK(config.at("results-destination-folder") == (run / "results").string());
  CHECK(config.at("close-automatically") == true);
  CHECK(config.at("environment") == "backtesting");
  CHECK(config.at("parameters").at("strategy") == "sma_cross");
  for (const auto& [key, value] : config.at("parameters").items()) CHECK(value.is_string());
  const nlohmann::json& env = config.at("environments").at("backtesting");
  for (const char* key : {"live-mode", "setup-handler", "result-handler", "data-feed-handler",
                          "real-time-handler", "history-provider", "transaction-handler"}) {
    CHECK(env.contains(key));
  }
  CHECK(testing::ReadFile(run / "project/main.py") == lean::AlgorithmSource());
  CHECK(fs::is_regular_file(run / "data/equity/usa/daily/btrdata.zip"));
  CHECK(fs::is_regular_file(run / "data/market-hours/market-hours-database.json"));
  CHECK(fs::is_regular_file(run / "data/symbol-properties/symbol-properties-database.csv"));
  CHECK(fs::is_regular_file(run / "results" / (id + ".json")));
  CHECK(fs::is_regular_file(run / "results" / (id + "-summary.json")));
  CHECK(fs::is_regular_file(run / "results/log.txt"));
}

TEST_CASE("lean_local: the window reaches LEAN: its dates and only its bars", "[lean_local]") {
  TempDir tmp;
  LeanLocalOptions options = Options(tmp, FakeCommand());
  options.keep_work_dirs = true;
  auto engine = Make(options);
  const BarSeries goog = Goog();
  BacktestSpec spec = SmaCross();
  spec.start = "2008-01-01";
  spec.end = "2009-12-31";
  Result<EngineRun> lean = engine->Run(spec, goog, {});
  INFO((lean.ok() ? "" : lean.status().ToString()));
  REQUIRE(lean.ok());
  // The bars of 2008 and 2009, cut here one by one.
  BarSeries cut;
  for (size_t i = 0; i < goog.size(); ++i) {
    const CivilTime c = ToCivil(goog.time[i]);
    if (c.year != 2008 && c.year != 2009) continue;
    cut.Append(goog.time[i], goog.open[i], goog.high[i], goog.low[i], goog.close[i],
               goog.volume[i]);
  }
  cut.has_volume = true;
  BacktestSpec whole = SmaCross();
  Result<EngineRun> local = NativeEngine().Run(whole, cut, {});
  REQUIRE(local.ok());
  REQUIRE(lean->equity.size() == cut.size());
  for (size_t i = 0; i < cut.size(); ++i) CHECK(lean->equity[i] == local->equity[i]);
  testing::CheckSameTrades(lean->trades, local->trades);
  CHECK(lean->warmup_bars == local->warmup_bars);

  // What LEAN was given: SetStartDate/SetEndDate of the window's first and last bar, and data
  // files holding the window's bars only.
  REQUIRE(LeftOver(options) == 1);
  const fs::path run = fs::directory_iterator(options.work_dir)->path();
  const nlohmann::json params =
      nlohmann::json::parse(testing::ReadFile(run / "config.json")).at("parameters");
  CHECK(params.at("start") == FormatIsoTime(cut.time.front()).substr(0, 10));
  CHECK(params.at("end") == FormatIsoTime(cut.time.back()).substr(0, 10));
  CHECK(params.at("bars") == std::to_string(cut.size()));
  Result<BarSeries> written =
      LoadLeanDailyZip((run / "data/equity/usa/daily/btrdata.zip").string());
  REQUIRE(written.ok());
  CHECK(written->size() == cut.size());
  CHECK(written->time.front() == cut.time.front());
  CHECK(written->time.back() == cut.time.back());
}

TEST_CASE("lean_local: paths with spaces stay one argument", "[lean_local]") {
  TempDir tmp;
  LeanLocalOptions options = Options(tmp, FakeCommand());
  options.work_dir = tmp.Path("with space/lean work");
  auto engine = Make(options);
  Result<EngineRun> run = engine->Run(SmaCross(), Goog(), {});
  REQUIRE(run.ok());
  CHECK(run->trades.size() == 93);
  CHECK(LeftOver(options) == 0);
}

TEST_CASE("lean_local: LEAN failures end with a clear status", "[lean_local]") {
  TempDir tmp;
  const BarSeries bars = Goog();
  struct Case {
    const char* fault;
    StatusCode code;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"runtime_error",
       StatusCode::kInternal,
       {"RuntimeError", "ZeroDivisionError", "exit status 1", "LEAN errors:"}},
      {"missing_results", StatusCode::kInternal, {"no result file", "exit status 0"}},
      {"malformed_json", StatusCode::kInternal, {"not a JSON object", ".json"}},
      {"exit_nonzero", StatusCode::kInternal, {"exit status 3", "fault exit_nonzero"}},
  };
  for (const Case& c : cases) {
    INFO(c.fault);
    const LeanLocalOptions options = Options(tmp, FakeCommand(std::string(" --fault ") + c.fault));
    Result<EngineRun> run = Make(options)->Run(SmaCross(), bars, {});
    REQUIRE_FALSE(run.ok());
    CHECK(run.status().code() == c.code);
    const std::string message = run.status().message();
    INFO(message);
    for (const std::string& part : c.parts) CHECK(Contains(message, part));
    CHECK(Contains(message, "python3"));  // the launcher is named
    CHECK(LeftOver(options) == 0);
  }
}

TEST_CASE("lean_local: a slow run reports progress as it goes", "[lean_local]") {
  TempDir tmp;
  auto engine = Make(Options(tmp, FakeCommand(" --fault slow")));
  std::vector<std::pair<double, Clock::time_point>> progress;
  RunContext context;
  context.progress = [&](double fraction, std::string_view phase) {
    if (phase == "running") progress.emplace_back(fraction, Clock::now());
  };
  REQUIRE(engine->Run(SmaCross(), Goog(), context).ok());
  REQUIRE(progress.size() >= 15);
  const auto spread = progress.back().second - progress.front().second;
  CHECK(spread > milliseconds(1000));  // forwarded while LEAN runs, not at the end
  CHECK(progress[progress.size() / 2].first > 0.2);
  CHECK(progress[progress.size() / 2].first < 0.8);
}

TEST_CASE("lean_local: the wall-clock limit kills a hanging LEAN", "[lean_local]") {
  TempDir tmp;
  LeanLocalOptions options =
      Options(tmp, FakeCommand(" --fault hang --pid-file " + tmp.Path("pids")));
  options.run_timeout = milliseconds(3000);
  const auto start = Clock::now();
  Result<EngineRun> run = Make(options)->Run(SmaCross(), Goog(), {});
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kDeadlineExceeded);
  CHECK(Contains(run.status().message(), "engines.lean_local.timeout_s"));
  CHECK(elapsed < std::chrono::seconds(8));
  for (pid_t pid : WaitForPids(tmp.Path("pids"))) CHECK(Gone(pid));
  CHECK(LeftOver(options) == 0);
}

TEST_CASE("lean_local: cancel kills the launcher's process group", "[lean_local]") {
  TempDir tmp;
  for (const std::string fault : {"hang", "hang_ignore_term"}) {
    INFO(fault);
    const std::string pid_file = tmp.Path(fault + ".pids");
    LeanLocalOptions options =
        Options(tmp, FakeCommand(" --fault " + fault + " --pid-file " + pid_file));
    options.kill_grace = milliseconds(500);
    auto engine = Make(options);
    std::atomic<bool> cancel{false};
    RunContext context;
    context.cancel = &cancel;
    std::vector<pid_t> pids;
    Clock::time_point cancelled_at;
    std::thread canceller([&] {
      pids = WaitForPids(pid_file);
      cancelled_at = Clock::now();
      cancel = true;
    });
    Result<EngineRun> run = engine->Run(SmaCross(), Goog(), context);
    const Clock::time_point returned = Clock::now();
    canceller.join();
    REQUIRE_FALSE(run.ok());
    CHECK(run.status().code() == StatusCode::kCancelled);
    CHECK(returned - cancelled_at < std::chrono::seconds(3));
    if (fault == "hang_ignore_term") CHECK(returned - cancelled_at >= milliseconds(450));
    REQUIRE(pids.size() == 2);
    for (pid_t pid : pids) CHECK(Gone(pid));
    CHECK(LeftOver(options) == 0);
  }
}

TEST_CASE("lean_local: a missing launcher is Unavailable", "[lean_local]") {
  TempDir tmp;
  for (const char* command :
       {"/nonexistent/lean-launcher --config {config}",
        "no-such-lean-launcher-btr --config {config}", "sh -c no-such-lean-command-btr"}) {
    INFO(command);
    const LeanLocalOptions options = Options(tmp, command);
    auto engine = Make(options);
    Result<EngineRun> run = engine->Run(SmaCross(), Goog(), {});
    REQUIRE_FALSE(run.ok());
    CHECK(run.status().code() == StatusCode::kUnavailable);
    CHECK(Contains(run.status().message(), "engines.lean_local.command"));
    CHECK(LeftOver(options) == 0);
  }
  const Health health =
      Make(Options(tmp, "no-such-lean-launcher-btr"))->Probe(Clock::now() + milliseconds(500));
  CHECK_FALSE(health.healthy);
  CHECK(Contains(health.detail, "no-such-lean-launcher-btr"));
}

TEST_CASE("lean_local: spec errors and limits are InvalidArgument", "[lean_local]") {
  TempDir tmp;
  LeanLocalOptions options = Options(tmp, FakeCommand());
  BacktestSpec bad = SmaCross();
  bad.strategy.params["no_such_param"] = 1;
  CHECK(Make(options)->Validate(bad).code() == StatusCode::kInvalidArgument);
  CHECK(Make(options)->Run(bad, Goog(), {}).status().code() == StatusCode::kInvalidArgument);
  options.max_bars = 100;
  Result<EngineRun> run = Make(options)->Run(SmaCross(), Goog(), {});
  CHECK(run.status().code() == StatusCode::kInvalidArgument);
  CHECK(Contains(run.status().message(), "100 bars"));
  CHECK(LeftOver(options) == 0);
}

TEST_CASE("lean_local: LEAN's databases come from lean_data_dir", "[lean_local]") {
  TempDir tmp;
  // Without them the fake fails as LEAN does, and the error says which file.
  LeanLocalOptions options = Options(tmp, FakeCommand());
  options.lean_data_dir.clear();
  Result<EngineRun> run = Make(options)->Run(SmaCross(), Goog(), {});
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInternal);
  CHECK(Contains(run.status().message(), "market-hours-database.json"));
  // A configured folder without them is refused before LEAN starts.
  options.lean_data_dir = tmp.Path("empty");
  fs::create_directories(options.lean_data_dir);
  run = Make(options)->Run(SmaCross(), Goog(), {});
  CHECK(run.status().code() == StatusCode::kUnavailable);
  CHECK(Contains(run.status().message(), "engines.lean_local.lean_data_dir"));
  const Health health = Make(options)->Probe(Clock::now() + milliseconds(500));
  CHECK_FALSE(health.healthy);
  CHECK(Contains(health.detail, "lean_data_dir"));
}

// A stand-in `docker` CLI: records its arguments; `run --name X CMD...` runs CMD; `version`
// answers like a running engine unless the file "down" (fails like a stopped engine) or "hang"
// (never answers) exists next to it.
std::string FakeDocker(const TempDir& tmp) {
  const std::string path = tmp.Path("docker");
  std::ofstream(path) << "#!/bin/sh\n"
                         "dir=$(dirname \"$0\")\n"
                         "echo \"$*\" >> \"$dir/calls\"\n"
                         "case \"$1\" in\n"
                         "  version)\n"
                         "    if [ -e \"$dir/hang\" ]; then sleep 30; fi\n"
                         "    if [ -e \"$dir/down\" ]; then\n"
                         "      echo 'Cannot connect to the Docker daemon at "
                         "unix:///var/run/docker.sock. Is the docker daemon running?' >&2\n"
                         "      exit 1\n"
                         "    fi\n"
                         "    echo 24.0.7;;\n"
                         "  kill) exit 0;;\n"
                         "  run) shift 3; exec \"$@\";;\n"
                         "esac\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

TEST_CASE("lean_local: docker templates", "[lean_local]") {
  TempDir tmp;
  const std::string docker = FakeDocker(tmp);
  const std::string pid_file = tmp.Path("pids");
  LeanLocalOptions options = Options(tmp, docker + " run --name {container} " +
                                              FakeCommand(" --fault hang --pid-file " + pid_file));
  options.kill_grace = milliseconds(500);
  auto engine = Make(options);

  Health health = engine->Probe(Clock::now() + milliseconds(2000));
  CHECK(health.healthy);
  CHECK(health.detail == "Docker engine 24.0.7");
  std::ofstream(tmp.Path("down")) << "";
  health = engine->Probe(Clock::now() + milliseconds(2000));
  CHECK_FALSE(health.healthy);
  CHECK(Contains(health.detail, "Cannot connect to the Docker daemon"));
  // A client that does not answer is stopped by the probe's deadline.
  std::ofstream(tmp.Path("hang")) << "";
  const Clock::time_point probe_deadline = Clock::now() + milliseconds(1000);
  health = engine->Probe(probe_deadline);
  CHECK(Clock::now() < probe_deadline + milliseconds(300));
  CHECK_FALSE(health.healthy);
  CHECK(Contains(health.detail, "did not answer"));
  fs::remove(tmp.Path("hang"));

  // Cancel kills the client's process group and the named container.
  std::atomic<bool> cancel{false};
  RunContext context;
  context.cancel = &cancel;
  std::thread canceller([&] {
    (void)WaitForPids(pid_file);
    cancel = true;
  });
  Result<EngineRun> run = engine->Run(SmaCross(), Goog(), context);
  canceller.join();
  CHECK(run.status().code() == StatusCode::kCancelled);
  const std::string calls = testing::ReadFile(tmp.Path("calls"));
  INFO(calls);
  CHECK(Contains(calls, "version --format {{.Server.Version}}"));
  const size_t at = calls.find("run --name btr-lean-");
  REQUIRE(at != std::string::npos);
  const std::string name = calls.substr(at + 11, calls.find(' ', at + 11) - at - 11);
  CHECK(Contains(calls, "kill " + name));
}

}  // namespace
}  // namespace btr
