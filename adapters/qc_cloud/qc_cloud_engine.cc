#include "adapters/qc_cloud/qc_cloud_engine.h"

#include <algorithm>
#include <optional>
#include <random>
#include <set>

#include "adapters/lean/lean_project.h"
#include "adapters/lean/lean_result.h"
#include "adapters/qc_cloud/qc_wire.h"
#include "engines/catalogue/catalogue.h"
#include "engines/spec_window.h"

namespace btr {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kTimeoutSetting = "engines.qc_cloud.timeout_s";
constexpr int64_t kOrdersPerPage = 99;  // the API wants end - start < 100

void Report(const RunContext& context, double fraction, std::string_view phase) {
  if (context.progress) context.progress(std::clamp(fraction, 0.0, 1.0), phase);
}

void Log(const RunContext& context, const std::string& line) {
  if (context.log) context.log(line);
}

std::string RandomSuffix() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 8; ++i) out += kHex[rd() % 16];
  return out;
}

// What the run is called on the cloud: the strategy, or "algorithm" for a spec's own source.
std::string RunSubject(const BacktestSpec& spec) {
  return spec.algorithm.empty() ? spec.strategy.name : "algorithm";
}

// "btrouter-<strategy>-<run key>": Reconcile finds the project of a run by its key.
std::string ProjectName(const BacktestSpec& spec, const RunContext& context) {
  return "btrouter-" + RunSubject(spec) + "-" +
         (context.run_key.empty() ? RandomSuffix() : context.run_key);
}

int64_t UnixSeconds(TimeNs new_york) { return lean::NewYorkToUtc(new_york) / kNsPerSecond; }

}  // namespace

struct QcCloudEngine::RunState {
  qc::CallScope scope;
  std::map<std::string, std::string> parameters;
  std::optional<int64_t> project;
  std::string compile_id;
  std::string backtest_id;
  bool following = false;         // failures now are "lost contact while it ran"
  bool algorithm_failed = false;  // the backtest itself ended in an error (Runtime Error, ...)
};

QcCloudEngine::QcCloudEngine(QcCloudOptions options) : options_(std::move(options)) {
  client_ = std::make_unique<qc::QcClient>(
      options_.client, options_.clock != nullptr ? options_.clock : &system_clock_);
}

EngineCapabilities QcCloudEngine::capabilities() const {
  EngineCapabilities caps = CatalogueCapabilities(options_.max_bars);
  caps.languages = {"python"};
  return caps;
}

Status QcCloudEngine::Validate(const BacktestSpec& spec) const {
  if (!spec.algorithm.empty()) {
    if (spec.algorithm.language != "python") {
      return Status::InvalidArgument(
          "algorithm.language: btrouter sends Python projects to QuantConnect Cloud; a C# "
          "project runs there from QuantConnect's own tools");
    }
    return lean::CheckSourceSpec(spec);
  }
  // The parameters need bars: three minute bars stand in for the dataset (minute bars refuse
  // nothing that daily bars accept); Run checks the real bars.
  BarSeries probe;
  const TimeNs ten_am = DaysFromCivil(2020, 1, 2) * kNsPerDay + 10 * kNsPerHour;
  for (int i = 0; i < 3; ++i) probe.Append(ten_am + i * kNsPerMinute, 100, 100, 100, 100, 0);
  Result<std::map<std::string, std::string>> parameters = qc::CloudParameters(spec, probe);
  if (!parameters.ok()) return parameters.status();
  return SpecWindow(spec).status();
}

Health QcCloudEngine::Probe(SteadyClock::time_point deadline) {
  const SteadyClock::time_point start = SteadyClock::now();
  qc::CallScope scope;
  scope.deadline = deadline;
  scope.max_attempts = 1;
  const Status status = client_->Authenticate(scope);
  Health health;
  health.latency =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
  health.healthy = status.ok();
  health.detail = status.ok() ? "QuantConnect API v2: authenticated" : status.message();
  return health;
}

milliseconds QcCloudEngine::PollInterval(int poll) const {
  const int doublings = std::min(poll / 4, 16);
  return std::min(options_.poll_max, options_.poll_initial * (1 << doublings));
}

Result<EngineRun> QcCloudEngine::Run(const BacktestSpec& spec, const BarSeries& dataset,
                                     const RunContext& context) {
  const SteadyClock::time_point start = SteadyClock::now();
  // Only the window's bars go into the project, and its start and end dates are theirs.
  Result<BarWindow> window = CutToWindow(dataset, spec);
  if (!window.ok()) return window.status();
  const BarSeries& bars = window->bars();
  if (options_.max_bars != 0 && bars.size() > options_.max_bars) {
    return Status::InvalidArgument("dataset: " + std::to_string(bars.size()) +
                                   " bars exceed the qc_cloud engine's limit of " +
                                   std::to_string(options_.max_bars) + " bars per run");
  }
  if (bars.size() < 2) return Status::InvalidArgument("dataset: needs at least 2 bars");
  RunState state;
  if (!spec.algorithm.empty()) BTR_RETURN_IF_ERROR(Validate(spec));  // the language
  Result<std::map<std::string, std::string>> parameters =
      spec.algorithm.empty() ? qc::CloudParameters(spec, bars) : lean::SourceParameters(spec, bars);
  if (!parameters.ok()) return parameters.status();
  state.parameters = std::move(parameters).value();
  if (context.cancel != nullptr && context.cancel->load()) {
    return Status::Cancelled("cancelled before anything was sent to QuantConnect");
  }
  state.scope.cancel = context.cancel;
  state.scope.deadline = start + options_.run_timeout;
  state.scope.deadline_setting = std::string(kTimeoutSetting);

  Result<EngineRun> run = RunSteps(spec, bars, context, state);
  const bool unknown =
      !run.ok() && (run.status().code() == StatusCode::kUnknownOutcome ||
                    (run.status().code() == StatusCode::kUnavailable && state.following));
  // A backtest that may have been accepted is left for Reconcile to find by the run key.
  const bool keep = unknown && state.project && !context.run_key.empty();
  if (!keep) Cleanup(state);
  if (run.ok()) {
    run->run_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    return run;
  }
  // Say what was left behind and how it was cleaned up.
  std::string cleanup;
  if (keep) {
    cleanup = "; project " + std::to_string(*state.project) + " was kept for reconciling";
  } else if (state.project) {
    const std::string project = "project " + std::to_string(*state.project);
    cleanup = state.backtest_id.empty() ? "; " + project + " was deleted (best effort)"
                                        : "; backtest " + state.backtest_id + " and " + project +
                                              " were deleted (best effort)";
  }
  const Status& failure = run.status();
  switch (failure.code()) {
    case StatusCode::kCancelled:
      return Status::Cancelled("qc_cloud run cancelled" + cleanup);
    case StatusCode::kDeadlineExceeded:
      return Status::DeadlineExceeded("QuantConnect Cloud: the run did not finish within " +
                                      std::to_string(options_.run_timeout.count() / 1000) + " s (" +
                                      std::string(kTimeoutSetting) + ")" + cleanup);
    case StatusCode::kUnavailable:
      if (state.following) {
        return Status::UnknownOutcome("QuantConnect Cloud: lost contact while following backtest " +
                                      state.backtest_id + ": " + failure.message() + cleanup);
      }
      return Status::Unavailable(failure.message() + cleanup);
    default:
      return Status(failure.code(), failure.message() + cleanup);
  }
}

Result<EngineRun> QcCloudEngine::Reconcile(const BacktestSpec& spec, const BarSeries& dataset,
                                           const RunContext& context) {
  Result<BarWindow> window = CutToWindow(dataset, spec);  // the bars the run was given
  if (!window.ok()) return window.status();
  const BarSeries& bars = window->bars();
  if (context.run_key.empty()) {
    return Status::FailedPrecondition(
        "qc_cloud: the run had no run key, so its project cannot be found");
  }
  qc::CallScope scope;
  scope.cancel = context.cancel;
  scope.deadline = SteadyClock::now() + options_.cleanup_timeout;
  scope.max_attempts = 2;
  Result<std::vector<qc::ProjectSummary>> projects = client_->ListProjects(scope);
  if (!projects.ok()) {
    return Status::UnknownOutcome("QuantConnect Cloud: cannot list projects to find run " +
                                  context.run_key + ": " + projects.status().message());
  }
  const std::string name = ProjectName(spec, context);
  std::string deleted;
  for (const qc::ProjectSummary& project : *projects) {
    if (project.name != name) continue;
    Result<std::vector<std::string>> backtests = client_->ListBacktests(project.id, scope);
    if (!backtests.ok()) {
      return Status::UnknownOutcome("QuantConnect Cloud: cannot list the backtests of project " +
                                    std::to_string(project.id) + ": " +
                                    backtests.status().message());
    }
    if (!backtests->empty()) return Adopt(spec, bars, context, project.id, backtests->back());
    // No backtest was ever created in it: delete it, nothing can report a result.
    const Status gone = client_->DeleteProject(project.id, scope);
    if (!gone.ok()) {
      return Status::UnknownOutcome("QuantConnect Cloud: project " + std::to_string(project.id) +
                                    " of run " + context.run_key +
                                    " could not be deleted: " + gone.message());
    }
    deleted += (deleted.empty() ? "" : ", ") + std::to_string(project.id);
  }
  if (deleted.empty()) {
    return Status::NotFound("QuantConnect Cloud holds no project of run " + context.run_key +
                            " (deleted by the run's cleanup, or never created)");
  }
  return Status::NotFound("QuantConnect Cloud: project " + deleted + " of run " + context.run_key +
                          " held no backtest and was deleted");
}

Result<EngineRun> QcCloudEngine::Adopt(const BacktestSpec& spec, const BarSeries& bars,
                                       const RunContext& context, int64_t project,
                                       const std::string& backtest) const {
  const SteadyClock::time_point start = SteadyClock::now();
  RunState state;
  state.project = project;
  state.backtest_id = backtest;
  state.following = true;
  state.scope.cancel = context.cancel;
  state.scope.deadline = start + options_.run_timeout;
  state.scope.deadline_setting = std::string(kTimeoutSetting);
  Log(context, "found backtest " + backtest + " of run " + context.run_key + " in project " +
                   std::to_string(project) + "; following it");
  Result<EngineRun> run = FollowBacktest(spec, bars, context, state);
  Cleanup(state);
  if (run.ok()) {
    run->run_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    return run;
  }
  if (run.status().code() == StatusCode::kUnavailable) {
    return Status::UnknownOutcome(
        "QuantConnect Cloud: lost contact again while following "
        "backtest " +
        backtest + ": " + run.status().message());
  }
  return run.status();
}

Result<EngineRun> QcCloudEngine::RunSteps(const BacktestSpec& spec, const BarSeries& bars,
                                          const RunContext& context, RunState& state) const {
  const qc::QcClient& api = *client_;
  Report(context, 0, "creating project");
  Result<int64_t> project = api.CreateProject(ProjectName(spec, context), state.scope);
  if (!project.ok()) return project.status();
  state.project = *project;
  Log(context, "created project " + std::to_string(*project));
  Report(context, 0.02, "uploading");
  if (spec.algorithm.empty()) {
    BTR_RETURN_IF_ERROR(
        api.UpdateFile(*project, "main.py", std::string(lean::AlgorithmSource()), state.scope));
    BTR_RETURN_IF_ERROR(api.CreateFile(*project, std::string(qc::kDataFile),
                                       qc::DataModuleSource(bars), state.scope));
  } else {
    // The algorithm's own files; it reads QuantConnect's data, not the dataset's bars.
    for (const auto& [name, content] : spec.algorithm.files) {
      BTR_RETURN_IF_ERROR(name == "main.py" ? api.UpdateFile(*project, name, content, state.scope)
                                            : api.CreateFile(*project, name, content, state.scope));
    }
  }
  Report(context, 0.05, "compiling");
  BTR_RETURN_IF_ERROR(Compile(state, context));

  Result<std::string> backtest = api.CreateBacktest(
      *project, state.compile_id, "btrouter " + RunSubject(spec), state.parameters, state.scope);
  if (!backtest.ok()) return backtest.status();
  state.backtest_id = *backtest;
  state.following = true;
  Log(context, "compiled (" + state.compile_id + "); started backtest " + *backtest);
  Report(context, 0.1, "queued");
  return FollowBacktest(spec, bars, context, state);
}

Result<EngineRun> QcCloudEngine::FollowBacktest(const BacktestSpec& spec, const BarSeries& bars,
                                                const RunContext& context, RunState& state) const {
  Result<json> finished = AwaitBacktest(state, context);
  if (!finished.ok() && state.algorithm_failed && !spec.algorithm.empty()) {
    // The spec's own code failed on the cloud: the request's fault, not the engine's.
    return Status::InvalidArgument("algorithm: " + finished.status().message());
  }
  if (!finished.ok()) return finished.status();
  Report(context, 0.95, "fetching results");
  Result<json> chart = FetchChart(state, bars);
  if (!chart.ok()) return chart.status();
  Report(context, 0.975, "fetching results");
  Result<std::vector<json>> orders = FetchOrders(state);
  if (!orders.ok()) return orders.status();
  state.following = false;

  Result<EngineRun> run = qc::ReadCloudRun(client_->replies(), *finished, *chart, *orders, bars);
  if (!run.ok()) return run.status().WithPrefix("QuantConnect backtest " + state.backtest_id);
  run->engine_version = "QuantConnect Cloud (LEAN)";
  // The algorithm starts deciding where the native strategy does (its warm-up); buy & hold and
  // alpha are measured from that bar, as for every engine.
  if (spec.algorithm.empty()) {
    Result<size_t> warmup = lean::CatalogueWarmup(spec, bars);
    if (warmup.ok()) run->warmup_bars = *warmup;
  }
  Report(context, 1, "fetching results");
  return run;
}

Status QcCloudEngine::Compile(RunState& state, const RunContext& context) const {
  Result<std::string> compile = client_->CreateCompile(*state.project, state.scope);
  if (!compile.ok()) return compile.status();
  state.compile_id = *compile;
  for (int poll = 0;; ++poll) {
    Result<qc::CompileState> read = client_->ReadCompile(*state.project, *compile, state.scope);
    if (!read.ok()) return read.status();
    if (read->state == "BuildSuccess") {
      Report(context, 0.1, "compiled");
      return Status::Ok();
    }
    if (read->state == "BuildError") {
      std::string logs;
      for (const std::string& line : read->logs) logs += (logs.empty() ? "" : " | ") + line;
      return Status::InvalidArgument(
          "QuantConnect could not compile the btrouter algorithm (compile " + *compile +
          "): " + Excerpt(logs.empty() ? "no build log" : logs, 800));
    }
    Report(context, 0.05 + 0.05 * (1 - 1.0 / (poll + 2)), "compiling");
    BTR_RETURN_IF_ERROR(client_->Sleep(PollInterval(poll), state.scope));
  }
}

Result<json> QcCloudEngine::AwaitBacktest(RunState& state, const RunContext& context) const {
  int final_reads = 0;
  std::string last_status;
  for (int poll = 0;; ++poll) {
    Result<json> backtest = client_->ReadBacktest(*state.project, state.backtest_id, state.scope);
    if (!backtest.ok()) return backtest.status();
    const qc::BacktestState read = qc::ReadBacktestState(*backtest);
    // "In Queue...", "Running: 42%" ...: each new status word once (not every percent).
    const std::string status_word = read.status.substr(0, read.status.find(':'));
    if (status_word != last_status) {
      Log(context, "backtest " + state.backtest_id + ": " + client_->Redact(read.status));
      last_status = status_word;
    }
    switch (read.phase) {
      case qc::BacktestPhase::kFailed:
        state.following = false;
        state.algorithm_failed = true;
        return Status::Internal("QuantConnect backtest " + state.backtest_id + " failed (" +
                                client_->Redact(read.status) +
                                "): " + Excerpt(client_->Redact(read.error), 400));
      case qc::BacktestPhase::kCompleted:
        if (read.has_total_performance || final_reads >= options_.final_read_attempts) {
          return std::move(backtest).value();
        }
        ++final_reads;  // lean-cli: totalPerformance may arrive a little after completion
        BTR_RETURN_IF_ERROR(client_->Sleep(options_.final_read_interval, state.scope));
        continue;
      case qc::BacktestPhase::kRunning:
        Report(context, 0.1 + 0.85 * read.progress,
               read.status.rfind("In Queue", 0) == 0 ? "queued" : "running");
        BTR_RETURN_IF_ERROR(client_->Sleep(PollInterval(poll), state.scope));
        continue;
    }
  }
}

Result<json> QcCloudEngine::FetchChart(RunState& state, const BarSeries& bars) const {
  // The whole run, with a day's margin each side; enough points for one per bar.
  const int64_t start_s = UnixSeconds(bars.time[0]) - 86400;
  const int64_t end_s = UnixSeconds(bars.time[bars.size() - 1]) + 2 * 86400;
  const auto count = static_cast<int64_t>(std::max<size_t>(100, 2 * bars.size() + 10));
  milliseconds wait = options_.chart_retry_initial;
  for (int attempt = 1;; ++attempt) {
    Result<std::optional<json>> chart =
        client_->ReadChart(*state.project, state.backtest_id, std::string(qc::kEquityChart), count,
                           start_s, end_s, state.scope);
    if (!chart.ok()) return chart.status();
    if (chart->has_value()) return std::move(**chart);
    if (attempt >= options_.chart_max_attempts) {
      return Status::Internal(
          "QuantConnect backtests/chart/read: the \"Strategy Equity\" chart "
          "of backtest " +
          state.backtest_id + " was still loading after " + std::to_string(attempt) + " reads");
    }
    BTR_RETURN_IF_ERROR(client_->Sleep(wait, state.scope));
    wait = std::min(wait * 2, options_.chart_retry_initial * 4);
  }
}

Result<std::vector<json>> QcCloudEngine::FetchOrders(RunState& state) const {
  std::vector<json> orders;
  std::set<std::string> seen;
  for (int page = 0; page < options_.max_order_pages; ++page) {
    const int64_t start = page * kOrdersPerPage;
    Result<qc::OrdersPage> read = client_->ReadOrders(*state.project, state.backtest_id, start,
                                                      start + kOrdersPerPage, state.scope);
    if (!read.ok()) return read.status();
    size_t added = 0;
    for (json& order : read->orders) {
      // Pages may overlap if the API reads `end` inclusively: keep each order once.
      const std::string key = order.is_object() && order.contains("id")
                                  ? order["id"].dump(-1, ' ', false, json::error_handler_t::replace)
                                  : order.dump(-1, ' ', false, json::error_handler_t::replace);
      if (seen.insert(key).second) {
        orders.push_back(std::move(order));
        ++added;
      }
    }
    if (added == 0) break;
  }
  return orders;
}

void QcCloudEngine::Cleanup(const RunState& state) const {
  if (!state.project) return;
  qc::CallScope scope;  // not the run's: cleanup also follows a cancel or a timeout
  scope.deadline = SteadyClock::now() + options_.cleanup_timeout;
  scope.max_attempts = 2;
  if (!state.backtest_id.empty()) {
    (void)client_->DeleteBacktest(*state.project, state.backtest_id, scope);
  }
  (void)client_->DeleteProject(*state.project, scope);
}

}  // namespace btr
