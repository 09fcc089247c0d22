// JobService: running a job — routing at run time, fallback, per-engine slots and time limits,
// the final state (the lifecycle around it is in job_service.cc).
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "engines/core/time.h"
#include "engines/data/bar_cache.h"
#include "engines/spec_json.h"
#include "services/jobs/job_service_internal.h"
#include "services/jobs/result_builder.h"
#include "services/log/logger.h"

namespace btr {
namespace {

constexpr std::chrono::milliseconds kSlotPoll{50};  // re-checks health while waiting for a slot
constexpr std::chrono::milliseconds kWatchdogTick{20};

constexpr std::chrono::milliseconds kMaxReconcileBackoff{5000};

// The message of a job whose engine may have accepted the run before contact was lost.
Status UnknownOutcomeStatus(const std::string& engine, const Status& status) {
  return Status::UnknownOutcome(
      "the outcome on engine '" + engine + "' is unknown (" + status.message() +
      "): the engine may have accepted and run it, so it was not re-run on another engine; "
      "check the engine, or resubmit");
}

// The key a run is submitted under (RunContext::run_key): unique per job, attempt and engine.
std::string RunKey(const std::string& job_id, int attempt, const std::string& engine) {
  return job_id + "." + std::to_string(attempt) + "." + engine;
}

// A cancelled job's message, saying it once: "cancelled while running" or "backtest cancelled at
// bar 16384" as they are, never "cancelled: cancelled while running"; a message that does not
// say it gets the word in front.
std::string CancelledMessage(const Status& status) {
  const std::string& m = status.message();
  if (m.empty()) return "cancelled";
  return m.find("cancel") != std::string::npos ? m : "cancelled: " + m;
}

// The message of a job that ended on an exception: no internals (the server log has them).
constexpr const char* kUnexpected = "internal error; see the server log";

// What an exception said, for the server log.
std::string ExceptionText(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Calls `call` (an engine's run or reconcile, with what the worker does around it) so that an
// exception thrown inside fails this one job with Internal instead of ending the process.
template <typename Call>
auto GuardEngineCall(std::string_view engine, std::string_view job_id, Call&& call)
    -> decltype(call()) {
  try {
    return call();
  } catch (...) {
    DefaultLogger().Log(LogLevel::kError, "engine threw",
                        {{"job_id", std::string(job_id)},
                         {"engine", std::string(engine)},
                         {"exception", ExceptionText(std::current_exception())}});
  }
  return Status::Internal("engine '" + std::string(engine) + "' failed unexpectedly; " +
                          kUnexpected);
}

std::string FormatSeconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", seconds);
  return text;
}

}  // namespace

void JobService::WatchdogLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    watchdog_cv_.wait_for(lock, kWatchdogTick);
    const TimeNs now = clock_->Now();
    for (auto& [id, live] : running_) {
      const TimeNs deadline = live->deadline.load();
      if (deadline != 0 && now >= deadline && !live->timed_out.exchange(true)) live->cancel = true;
    }
  }
}

void JobService::RunJob(const QueuedJob& queued) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = queued_by_engine_.find(queued.engine);
    if (it != queued_by_engine_.end() && it->second > 0) --it->second;
  }
  Result<JobRecord> job = store_->GetJob(queued.tenant, queued.id);
  if (!job.ok() || job->status != JobStatus::kQueued) return;  // cancelled or deleted meanwhile
  auto live = std::make_shared<LiveJob>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_[job->id] = live;
  }
  try {
    Execute(*job, *live);
  } catch (...) {
    // The last boundary of a worker thread: whatever threw fails this job, not the server.
    DefaultLogger().Log(
        LogLevel::kError, "job threw",
        {{"job_id", job->id}, {"exception", ExceptionText(std::current_exception())}});
    FailUnexpectedly(job->tenant, job->id);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(queued.id);
  }
  NotifyChange(queued.tenant, queued.id);
}

Result<Admission> JobService::AcquireEngine(const std::string& engine, LiveJob& live) {
  Semaphore* slots = engine_slots_.find(engine)->second.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++waiting_by_engine_[engine];
  }
  Status refused;
  bool acquired = false;
  while (true) {
    if (live.cancel) {
      refused = Status::Cancelled(stopping_ ? "server stopping" : "cancelled before start");
      break;
    }
    if (health_ != nullptr) {
      const Admission a = health_->Check(engine);
      if (!a.admitted && !a.retry_soon) {
        refused = Status::Unavailable("engine '" + engine + "' is " + a.reason);
        break;
      }
    }
    if (slots->TryAcquireFor(kSlotPoll)) {
      acquired = true;
      break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --waiting_by_engine_[engine];
  }
  if (!acquired) return refused;
  if (health_ == nullptr) {
    Admission a;
    a.admitted = true;
    return a;
  }
  while (true) {
    Admission a = health_->Admit(engine);
    if (a.admitted) return a;
    // A half-open trial is in flight: its verdict decides; wait for it holding the slot.
    if (!a.retry_soon || live.cancel) {
      slots->Release();
      if (live.cancel) return Status::Cancelled("cancelled before start");
      return Status::Unavailable("engine '" + engine + "' is " + a.reason);
    }
    std::this_thread::sleep_for(kSlotPoll);
  }
}

void JobService::ReleaseEngine(const std::string& engine, const Admission& admission) {
  if (health_ != nullptr) health_->Release(engine, admission);
  engine_slots_.find(engine)->second->Release();
}

// One execution of a queued job: the plan, the candidates tried in turn, the store writes.
struct JobService::Execution {
  std::optional<JobRecord> started;  // after StartJob
  nlohmann::json fallbacks = nlohmann::json::array();
};

void JobService::Execute(const JobRecord& job, LiveJob& live) {
  JobLog log(store_, clock_, job.id, options_.max_log_lines);
  Execution ex;
  JobResult result;
  Status status;
  // Marks the job running (once) on `engine` and stores the routing so far. False when the job
  // is no longer queued (cancelled or deleted meanwhile).
  auto start_on = [&](const std::string& engine) {
    const TimeNs now = clock_->Now();
    if (!ex.started) {
      Result<JobRecord> started = store_->StartJob(job.id, engine, now);
      if (!started.ok()) return false;
      ex.started = std::move(started).value();
      if (!engine.empty()) {
        log.Info("started on " + engine + " (attempt " + std::to_string(ex.started->attempt) + ")");
      }
      DefaultLogger().Log(
          LogLevel::kInfo, "job started",
          {{"job_id", ex.started->id},
           {"tenant", ex.started->tenant},
           {"engine", engine},
           {"attempt", ex.started->attempt},
           {"queued_seconds", SecondsBetween(ex.started->created_at, ex.started->started_at)}});
    }
    const std::string fallbacks = ex.fallbacks.dump();
    if (ex.started->engine_used != engine || ex.started->fallbacks_json != fallbacks) {
      (void)store_->SetJobRouting(job.id, ex.started->attempt, engine, fallbacks, now);
      ex.started->engine_used = engine;
      ex.started->fallbacks_json = fallbacks;
    }
    NotifyChange(job.tenant, job.id);
    return true;
  };
  auto fall_back = [&](const std::string& from, const std::string& to, const std::string& why) {
    ex.fallbacks.push_back({{"from", from}, {"to", to}, {"reason", why}});
    log.Warn("fallback " + from + " -> " + to + ": " + why);
    DefaultLogger().Log(LogLevel::kWarn, "job falls back",
                        {{"job_id", job.id}, {"from", from}, {"to", to}, {"reason", why}});
    if (options_.on_fallback) options_.on_fallback(from, to, why);
  };

  Result<BacktestSpec> spec = SpecFromJson(nlohmann::json::parse(job.spec_json, nullptr, false));
  Result<DatasetRecord> dataset = spec.ok() ? store_->GetDataset(job.tenant, spec->dataset)
                                            : Result<DatasetRecord>(spec.status());
  if (!dataset.ok() && spec.ok()) dataset = dataset.status().WithPrefix("dataset");
  Result<RoutePlan> plan =
      dataset.ok() ? PlanRoute(*spec, dataset->bars, *engines_, health_, options_.routing)
                   : Result<RoutePlan>(dataset.status());
  if (!plan.ok()) status = plan.status();
  std::optional<LoadedBars> bars;
  auto load_bars = [&]() -> Status {
    if (bars) return Status::Ok();
    LoadOptions load;
    load.cache_dir = options_.cache_dir;
    Result<LoadedBars> loaded = LoadBars(dataset->path, load);
    if (!loaded.ok()) return loaded.status().WithPrefix("dataset");
    if (live.cancel) return Status::Cancelled("cancelled while loading the dataset");
    bars = std::move(loaded).value();
    return Status::Ok();
  };
  std::string used;      // the engine that ran (or last tried to run) the job
  bool decided = false;  // the interrupted run's outcome decided the job: no routing
  if (plan.ok() && job.attempt > 0 && !job.engine_used.empty()) {
    // The server stopped while this job ran: what the engine made of that run comes first.
    status = load_bars();
    Result<EngineRun> run =
        status.ok() ? GuardEngineCall(
                          job.engine_used, job.id,
                          [&] { return ReconcileInterrupted(job, *spec, bars->bars, live, log); })
                    : Result<EngineRun>(status);
    if (!run.ok() && run.status().code() == StatusCode::kCancelled) return;  // still queued
    if (run.ok() || run.status().code() != StatusCode::kNotFound) {
      if (!start_on(job.engine_used)) return;
      used = job.engine_used;
      status = run.ok() ? Status::Ok() : run.status();
      if (run.ok()) {
        result = BuildResult(bars->bars, *run, ResultContext{used, dataset->id, dataset->sha256});
      }
      decided = true;
    } else {
      status = Status::Ok();
    }
  }
  for (size_t i = 0; !decided && plan.ok() && i < plan->candidates.size(); ++i) {
    Engine& engine = *plan->candidates[i];
    const std::string name(engine.name());
    const std::string next =
        i + 1 < plan->candidates.size() ? std::string(plan->candidates[i + 1]->name()) : "";
    Result<Admission> admission = AcquireEngine(name, live);
    if (!admission.ok()) {
      status = admission.status();
      if (status.code() == StatusCode::kCancelled || next.empty()) break;
      fall_back(name, next, status.message());
      continue;
    }
    if (!start_on(name)) {
      ReleaseEngine(name, *admission);
      return;
    }
    used = name;
    status = load_bars();
    if (!status.ok()) {
      ReleaseEngine(name, *admission);
      break;
    }
    const TimeNs run_start = clock_->Now();
    if (i > 0) log.Info("running on " + name);
    status = GuardEngineCall(name, job.id, [&] {
      return RunOnEngine(*ex.started, *spec, *dataset, bars->bars, engine, live, log, &result);
    });
    if (health_ != nullptr) {
      health_->RecordRun(name, *admission, status, SecondsBetween(run_start, clock_->Now()));
    }
    engine_slots_.find(name)->second->Release();
    if (FailedBeforeAcceptance(status) && !live.cancel && !next.empty()) {
      fall_back(name, next, status.ToString());
      result = JobResult{};
      continue;
    }
    break;
  }
  if (status.code() == StatusCode::kUnknownOutcome) status = UnknownOutcomeStatus(used, status);

  if (!ex.started) {
    // No engine ran it. Stopping (or a cancel, which the store already applied to the queued
    // job) leaves it as it is; otherwise it fails with the routing that was tried.
    if (status.code() == StatusCode::kCancelled) return;
    if (!start_on("")) return;
  }
  Finish(*ex.started, status, result, live, log);
}

Status JobService::RunOnEngine(const JobRecord& job, const BacktestSpec& spec,
                               const DatasetRecord& dataset, const BarSeries& bars, Engine& engine,
                               LiveJob& live, JobLog& log, JobResult* result) {
  if (job.cancel_requested) return Status::Cancelled("cancelled before start");
  const std::string name(engine.name());
  auto last_write = std::chrono::steady_clock::now();
  RunContext context;
  context.cancel = &live.cancel;
  context.progress = [&](double fraction, std::string_view phase) {
    live.progress = fraction;
    live.updated_at = clock_->Now();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_write < options_.progress_interval) return;
    last_write = now;
    (void)store_->UpdateProgress(job.id, fraction, phase, clock_->Now());
    NotifyChange(job.tenant, job.id);
  };
  const auto limit = options_.engine_timeout.find(name);
  const bool timed = limit != options_.engine_timeout.end() && limit->second.count() > 0;
  if (timed) {
    live.timed_out = false;
    live.deadline = clock_->Now() + static_cast<TimeNs>(limit->second.count()) * 1'000'000;
  }
  context.run_key = RunKey(job.id, job.attempt, name);
  context.log = [&log, &name](std::string_view line) { log.Add("info", name, line); };
  Result<EngineRun> run = engine.Run(spec, bars, context);
  if (!run.ok() && run.status().code() == StatusCode::kUnknownOutcome && !live.cancel) {
    const Status lost = run.status();
    run = ReconcileRun(engine, spec, bars, context, live, lost, log);
    if (!run.ok() && run.status().code() == StatusCode::kFailedPrecondition) run = lost;
  }
  live.deadline = 0;
  if (timed && live.timed_out) {
    live.cancel = false;  // the watchdog's cancel, not the user's
    char text[64];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(limit->second.count()) / 1000);
    return Status::DeadlineExceeded("engine '" + name + "' did not finish within engines." + name +
                                    ".timeout_s = " + text + " s; the run was stopped");
  }
  if (!run.ok()) return run.status();
  *result = BuildResult(bars, *run, ResultContext{name, dataset.id, dataset.sha256});
  return Status::Ok();
}

Result<EngineRun> JobService::ReconcileRun(Engine& engine, const BacktestSpec& spec,
                                           const BarSeries& bars, const RunContext& context,
                                           const LiveJob& live, const Status& lost, JobLog& log) {
  using SteadyClock = std::chrono::steady_clock;
  if (options_.reconcile_timeout.count() <= 0) return lost;
  const std::string name(engine.name());
  const SteadyClock::time_point start = SteadyClock::now();
  const SteadyClock::time_point until = start + options_.reconcile_timeout;
  std::chrono::milliseconds wait = options_.reconcile_backoff;
  LogFields fields = {{"run_key", context.run_key}, {"engine", name}, {"lost", lost.message()}};
  log.Warn("the outcome on " + name + " is unknown (" + lost.message() + "); asking " + name +
           " what became of run " + context.run_key);
  Status last;
  int asks = 0;
  while (!live.cancel) {
    ++asks;
    Result<EngineRun> run = engine.Reconcile(spec, bars, context);
    fields["asks"] = asks;
    const StatusCode code = run.ok() ? StatusCode::kOk : run.status().code();
    if (code == StatusCode::kFailedPrecondition) {  // the engine cannot reconcile
      fields["outcome"] = run.status().message();
      log.Warn("not reconciled: " + run.status().message());
      DefaultLogger().Log(LogLevel::kWarn, "run not reconciled", fields);
      return run.status();
    }
    if (code != StatusCode::kUnknownOutcome && code != StatusCode::kUnavailable) {
      fields["outcome"] = run.ok()                        ? "adopted the engine's run"
                          : code == StatusCode::kNotFound ? "the engine holds no run"
                                                          : run.status().ToString();
      DefaultLogger().Log(LogLevel::kInfo, "run reconciled", fields);
      log.Info("reconciled after " + std::to_string(asks) +
               " ask(s): " + (run.ok() ? "adopted " + name + "'s run" : run.status().ToString()));
      if (code != StatusCode::kNotFound) return run;
      return Status::Unavailable(
          "the reply was lost (" + lost.message() +
          "); reconciling proved the run is not held: " + run.status().message());
    }
    last = run.status();
    if (SteadyClock::now() + wait >= until) break;
    const SteadyClock::time_point resume = SteadyClock::now() + wait;
    while (!live.cancel && SteadyClock::now() < resume) std::this_thread::sleep_for(kWatchdogTick);
    wait = std::min(wait * 2, kMaxReconcileBackoff);
  }
  if (live.cancel) return Status::Cancelled("cancelled while reconciling an unknown outcome");
  log.Warn("not reconciled after " + std::to_string(asks) + " ask(s): " + last.message());
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  fields["outcome"] = "still unknown: " + last.message();
  DefaultLogger().Log(LogLevel::kWarn, "run not reconciled", fields);
  return Status::UnknownOutcome(
      lost.message() + "; asked " + std::to_string(asks) + " time(s) over " +
      FormatSeconds(seconds) +
      " s (engines.reconcile_timeout_s), still unknown: " + last.message());
}

Result<EngineRun> JobService::ReconcileInterrupted(const JobRecord& job, const BacktestSpec& spec,
                                                   const BarSeries& bars, LiveJob& live,
                                                   JobLog& log) {
  if (options_.reconcile_timeout.count() <= 0) {  // engines.reconcile_timeout_s = 0: never ask
    log.Info("the interrupted run on " + job.engine_used +
             " is not asked about "
             "(engines.reconcile_timeout_s = 0); the job runs again");
    return Status::NotFound("not asked");
  }
  Engine* engine = engines_->Find(job.engine_used);
  if (engine == nullptr) {
    log.Warn("engine " + job.engine_used +
             " of the interrupted run is no longer served; the "
             "job is routed again");
    return Status::NotFound("engine gone");
  }
  RunContext context;
  context.cancel = &live.cancel;
  context.run_key = RunKey(job.id, job.attempt, job.engine_used);
  context.log = [&log, &job](std::string_view line) { log.Add("info", job.engine_used, line); };
  const Status lost =
      Status::UnknownOutcome("the server stopped while the run was on " + job.engine_used);
  Result<EngineRun> run = ReconcileRun(*engine, spec, bars, context, live, lost, log);
  if (run.ok()) return run;
  switch (run.status().code()) {
    case StatusCode::kFailedPrecondition:  // cannot be asked: as before, the job runs again
    case StatusCode::kUnavailable:         // proven not held
      log.Info("the interrupted run is not held by " + job.engine_used + "; the job runs again");
      return Status::NotFound("not held");
    default:
      return run.status();
  }
}

void JobService::FailUnexpectedly(std::string_view tenant, std::string_view id) {
  Result<JobRecord> job = store_->GetJob(tenant, id);
  if (job.ok() && job->status == JobStatus::kQueued) job = store_->StartJob(id, "", clock_->Now());
  if (!job.ok() || job->status != JobStatus::kRunning) return;
  const Status failed =
      store_->FinishJob(id, job->attempt, JobStatus::kFailed, {},
                        StatusCodeName(StatusCode::kInternal), kUnexpected, clock_->Now());
  if (!failed.ok()) return;
  JobLog(store_, clock_, std::string(id), options_.max_log_lines)
      .Add("error", "btrouter", std::string("failed: internal: ") + kUnexpected);
}

void JobService::Finish(const JobRecord& started, Status status, const JobResult& result_in,
                        LiveJob& live, JobLog& log) {
  JobResult result = result_in;
  // A cancel that arrived before the end wins, even when the engine finished first.
  if (status.ok() && live.cancel && !stopping_) {
    status = Status::Cancelled("cancelled while running");
    result = JobResult{};
  }
  const bool interrupted =
      status.code() == StatusCode::kCancelled && stopping_ && !started.cancel_requested;
  if (interrupted) {
    log.Warn("interrupted: the server is stopping; the next start queues the job again");
    DefaultLogger().Log(LogLevel::kInfo, "job interrupted",
                        {{"job_id", started.id},
                         {"engine", started.engine_used},
                         {"note", "server stopping; the next start re-queues it"}});
    return;
  }
  const JobStatus final_status = status.ok()                               ? JobStatus::kSucceeded
                                 : status.code() == StatusCode::kCancelled ? JobStatus::kCancelled
                                                                           : JobStatus::kFailed;
  const std::string message =
      final_status == JobStatus::kCancelled ? CancelledMessage(status) : status.message();
  Status finished =
      store_->FinishJob(started.id, started.attempt, final_status, result,
                        status.ok() ? "" : StatusCodeName(status.code()), message, clock_->Now());
  if (!finished.ok()) {
    // FailedPrecondition: a newer attempt owns the job. Nothing was committed, so the job's log
    // says nothing about an end (the attempt that owns the job writes it).
    DefaultLogger().Log(LogLevel::kWarn, "job result dropped",
                        {{"job_id", started.id},
                         {"engine", started.engine_used},
                         {"attempt", started.attempt},
                         {"reason", finished.ToString()}});
    return;
  }
  // Committed: only now does the log tell how the job ended, from what the store holds (a
  // cancel accepted while the run ended turns a success into a cancel there).
  Result<JobRecord> stored = store_->GetJob(started.tenant, started.id);
  const JobStatus ended_status = stored.ok() ? stored->status : final_status;
  const double seconds = SecondsBetween(started.started_at, clock_->Now());
  if (ended_status == JobStatus::kSucceeded) {
    log.Info("succeeded on " + started.engine_used + " in " + FormatElapsed(seconds));
  } else if (ended_status == JobStatus::kCancelled) {
    log.Info(stored.ok() && !stored->error_message.empty() ? stored->error_message : message);
  } else {
    log.Add("error", "btrouter", "failed: " + status.ToString());
  }
  LogFields fields = {{"job_id", started.id},
                      {"tenant", started.tenant},
                      {"engine", started.engine_used},
                      {"status", JobStatusName(ended_status)},
                      {"seconds", seconds}};
  if (!status.ok()) fields["error"] = status.ToString();
  DefaultLogger().Log(ended_status == JobStatus::kFailed ? LogLevel::kWarn : LogLevel::kInfo,
                      "job finished", fields);
}

}  // namespace btr
