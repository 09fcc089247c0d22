#include "routing/dispatcher.h"

#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>

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

// Calls `call` (an engine's run or reconcile) so that an exception thrown inside fails this one
// job with Internal instead of ending the process.
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
  return Status::Internal("engine '" + std::string(engine) +
                          "' failed unexpectedly; internal error; see the server log");
}

std::string FormatSeconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", seconds);
  return text;
}

double SecondsSince(const Clock& clock, TimeNs start) {
  const TimeNs now = clock.Now();
  return now > start ? static_cast<double>(now - start) / 1e9 : 0.0;
}

}  // namespace

std::string RunKey(const std::string& job_id, int attempt, const std::string& engine) {
  return job_id + "." + std::to_string(attempt) + "." + engine;
}

// A counting semaphore with a runtime count (one engine's concurrency limit).
class Dispatcher::Slots {
 public:
  explicit Slots(size_t count) : count_(count) {}
  // Takes a slot, waiting at most `timeout`; false when none came free.
  bool TryAcquireFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return count_ > 0; })) return false;
    --count_;
    return true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++count_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_;
};

Dispatcher::Dispatcher(const EngineRegistry* engines, HealthMonitor* health, const Clock* clock,
                       DispatcherOptions options)
    : engines_(engines), health_(health), clock_(clock), options_(std::move(options)) {
  for (Engine* engine : engines_->All()) {
    const std::string name(engine->name());
    auto it = options_.engine_concurrency.find(name);
    const size_t count =
        it != options_.engine_concurrency.end() ? it->second : options_.default_concurrency;
    slots_.emplace(name, std::make_unique<Slots>(std::max<size_t>(1, count)));
  }
  watchdog_ = std::thread([this] { WatchdogLoop(); });
}

Dispatcher::~Dispatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  watchdog_cv_.notify_all();
  watchdog_.join();
}

Result<RoutePlan> Dispatcher::Plan(const BacktestSpec& spec, size_t bars) const {
  return PlanRoute(spec, bars, *engines_, health_, options_.routing);
}

Status Dispatcher::CheckAdmissible(const RoutePlan& plan) const {
  if (health_ == nullptr) return Status::Ok();
  std::string why;
  for (const Engine* engine : plan.candidates) {
    const Admission a = health_->Check(engine->name());
    if (a.admitted || a.retry_soon) return Status::Ok();
    why += (why.empty() ? "" : "; ") + std::string(engine->name()) + " is " + a.reason;
  }
  return Status::Unavailable("engine: no engine can take this backtest now: " + why);
}

size_t Dispatcher::waiting(std::string_view engine) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiting_.find(engine);
  return it == waiting_.end() ? 0 : it->second;
}

size_t Dispatcher::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void Dispatcher::WatchdogLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    watchdog_cv_.wait_for(lock, kWatchdogTick);
    const TimeNs now = clock_->Now();
    for (JobRunControl* control : timed_) {
      const TimeNs deadline = control->deadline.load();
      if (deadline != 0 && now >= deadline && !control->timed_out.exchange(true)) {
        control->cancel = true;
      }
    }
  }
}

void Dispatcher::Watch(JobRunControl* control) {
  std::lock_guard<std::mutex> lock(mu_);
  timed_.insert(control);
}

void Dispatcher::Unwatch(JobRunControl* control) {
  std::lock_guard<std::mutex> lock(mu_);
  timed_.erase(control);
}

Result<Admission> Dispatcher::Acquire(const std::string& engine, JobRunControl& control) {
  Slots* slots = slots_.find(engine)->second.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++waiting_[engine];
  }
  Status refused;
  bool acquired = false;
  while (true) {
    if (control.cancel || control.stopping) {
      refused = Status::Cancelled(control.stopping ? "server stopping" : "cancelled before start");
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
    --waiting_[engine];
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
    if (!a.retry_soon || control.cancel || control.stopping) {
      slots->Release();
      if (control.cancel || control.stopping) return Status::Cancelled("cancelled before start");
      return Status::Unavailable("engine '" + engine + "' is " + a.reason);
    }
    std::this_thread::sleep_for(kSlotPoll);
  }
}

void Dispatcher::Release(const std::string& engine, const Admission& admission) {
  if (health_ != nullptr) health_->Release(engine, admission);
  slots_.find(engine)->second->Release();
}

// The state of one dispatch: the routing so far and the outcome being built.
struct Dispatcher::Attempt {
  DispatchOutcome out;
  nlohmann::json fallbacks = nlohmann::json::array();
  DispatchListener* listener = nullptr;

  // Tells the listener `engine` takes the run. False when the job is no longer the caller's.
  bool StartOn(const std::string& engine) {
    Result<int> attempt = listener->Starting(engine, fallbacks.dump());
    if (!attempt.ok()) {
      out.abandoned = true;
      return false;
    }
    out.attempt = *attempt;
    out.engine = engine;
    return true;
  }
};

DispatchOutcome Dispatcher::Dispatch(const DispatchRequest& request, JobRunControl& control,
                                     DispatchListener& listener) {
  Attempt a;
  a.listener = &listener;
  Result<RoutePlan> plan = Plan(request.spec, request.bars);
  if (plan.ok() && !request.interrupted_engine.empty()) {
    // The job's earlier run was interrupted: what its engine made of that run comes first.
    Result<const BarSeries*> bars = listener.Bars();
    Result<EngineRun> run =
        bars.ok() ? GuardEngineCall(
                        request.interrupted_engine, request.job_id,
                        [&] { return ReconcileInterrupted(request, **bars, control, listener); })
                  : Result<EngineRun>(bars.status());
    if (!run.ok() && run.status().code() == StatusCode::kCancelled) {
      a.out.abandoned = true;  // stopping: the job stays as it is
      return a.out;
    }
    if (run.ok() || run.status().code() != StatusCode::kNotFound) {
      if (!a.StartOn(request.interrupted_engine)) return a.out;
      a.out.status = run.ok() ? Status::Ok() : run.status();
      if (run.ok()) a.out.run = std::move(run).value();
      return a.out;
    }
  }
  Status status = plan.ok() ? Status::Ok() : plan.status();
  for (size_t i = 0; plan.ok() && i < plan->candidates.size(); ++i) {
    Engine& engine = *plan->candidates[i];
    const std::string name(engine.name());
    const std::string next =
        i + 1 < plan->candidates.size() ? std::string(plan->candidates[i + 1]->name()) : "";
    auto fall_back = [&](const std::string& why) {
      a.fallbacks.push_back({{"from", name}, {"to", next}, {"reason", why}});
      listener.Log("warn", "btrouter", "fallback " + name + " -> " + next + ": " + why);
      DefaultLogger().Log(
          LogLevel::kWarn, "job falls back",
          {{"job_id", request.job_id}, {"from", name}, {"to", next}, {"reason", why}});
      if (options_.on_fallback) options_.on_fallback(name, next, why);
    };
    Result<Admission> admission = Acquire(name, control);
    if (!admission.ok()) {
      status = admission.status();
      if (status.code() == StatusCode::kCancelled || next.empty()) break;
      fall_back(status.message());
      continue;
    }
    if (!a.StartOn(name)) {
      Release(name, *admission);
      return a.out;
    }
    Result<const BarSeries*> bars = listener.Bars();
    if (!bars.ok()) {
      status = bars.status();
      Release(name, *admission);
      break;
    }
    if (i > 0) listener.Log("info", "btrouter", "running on " + name);
    const TimeNs run_start = clock_->Now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++running_;
    }
    std::optional<EngineRun> run;
    status = GuardEngineCall(name, request.job_id, [&] {
      return RunOnEngine(engine, request, a.out.attempt, **bars, control, listener, &run);
    });
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
    if (health_ != nullptr) {
      health_->RecordRun(name, *admission, status, SecondsSince(*clock_, run_start));
    }
    slots_.find(name)->second->Release();
    if (FailedBeforeAcceptance(status) && !control.cancel && !next.empty()) {
      fall_back(status.ToString());
      continue;
    }
    if (status.ok()) a.out.run = std::move(run);
    break;
  }
  if (status.code() == StatusCode::kUnknownOutcome) {
    status = UnknownOutcomeStatus(a.out.engine, status);
  }
  a.out.status = status;
  if (a.out.attempt == 0) {
    // No engine ran it. Stopping, or a cancel (which the store already applied to the queued
    // job), leaves it as it is; otherwise it is started on no engine, to fail with the routing
    // that was tried.
    if (status.code() == StatusCode::kCancelled) {
      a.out.abandoned = true;
    } else {
      a.StartOn("");
    }
  }
  return a.out;
}

Status Dispatcher::RunOnEngine(Engine& engine, const DispatchRequest& request, int attempt,
                               const BarSeries& bars, JobRunControl& control,
                               DispatchListener& listener, std::optional<EngineRun>* run_out) {
  const std::string name(engine.name());
  RunContext context;
  context.cancel = &control.cancel;
  context.progress = [&listener](double fraction, std::string_view phase) {
    listener.Progress(fraction, phase);
  };
  const auto limit = options_.engine_timeout.find(name);
  const bool timed = limit != options_.engine_timeout.end() && limit->second.count() > 0;
  if (timed) {
    control.timed_out = false;
    control.deadline = clock_->Now() + static_cast<TimeNs>(limit->second.count()) * 1'000'000;
    Watch(&control);
  }
  context.run_key = RunKey(request.job_id, attempt, name);
  context.log = [&listener, &name](std::string_view line) { listener.Log("info", name, line); };
  Result<EngineRun> run = engine.Run(request.spec, bars, context);
  if (!run.ok() && run.status().code() == StatusCode::kUnknownOutcome && !control.cancel) {
    const Status lost = run.status();
    run = Reconcile(engine, request.spec, bars, context, control, lost, listener);
    if (!run.ok() && run.status().code() == StatusCode::kFailedPrecondition) run = lost;
  }
  if (timed) Unwatch(&control);
  control.deadline = 0;
  if (timed && control.timed_out) {
    control.cancel = false;  // the watchdog's cancel, not the user's
    char text[64];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(limit->second.count()) / 1000);
    return Status::DeadlineExceeded("engine '" + name + "' did not finish within engines." + name +
                                    ".timeout_s = " + text + " s; the run was stopped");
  }
  if (!run.ok()) return run.status();
  *run_out = std::move(run).value();
  return Status::Ok();
}

Result<EngineRun> Dispatcher::Reconcile(Engine& engine, const BacktestSpec& spec,
                                        const BarSeries& bars, const RunContext& context,
                                        const JobRunControl& control, const Status& lost,
                                        DispatchListener& listener) {
  if (options_.reconcile_timeout.count() <= 0) return lost;
  const std::string name(engine.name());
  const TimeNs start = clock_->Now();
  const TimeNs until = start + std::chrono::nanoseconds(options_.reconcile_timeout).count();
  std::chrono::milliseconds wait = options_.reconcile_backoff;
  LogFields fields = {{"run_key", context.run_key}, {"engine", name}, {"lost", lost.message()}};
  listener.Log("warn", "btrouter",
               "the outcome on " + name + " is unknown (" + lost.message() + "); asking " + name +
                   " what became of run " + context.run_key);
  Status last;
  int asks = 0;
  while (!control.cancel) {
    ++asks;
    Result<EngineRun> run = engine.Reconcile(spec, bars, context);
    fields["asks"] = asks;
    const StatusCode code = run.ok() ? StatusCode::kOk : run.status().code();
    if (code == StatusCode::kFailedPrecondition) {  // the engine cannot reconcile
      fields["outcome"] = run.status().message();
      listener.Log("warn", "btrouter", "not reconciled: " + run.status().message());
      DefaultLogger().Log(LogLevel::kWarn, "run not reconciled", fields);
      return run.status();
    }
    if (code != StatusCode::kUnknownOutcome && code != StatusCode::kUnavailable) {
      fields["outcome"] = run.ok()                        ? "adopted the engine's run"
                          : code == StatusCode::kNotFound ? "the engine holds no run"
                                                          : run.status().ToString();
      DefaultLogger().Log(LogLevel::kInfo, "run reconciled", fields);
      listener.Log("info", "btrouter",
                   "reconciled after " + std::to_string(asks) + " ask(s): " +
                       (run.ok() ? "adopted " + name + "'s run" : run.status().ToString()));
      if (code != StatusCode::kNotFound) return run;
      return Status::Unavailable(
          "the reply was lost (" + lost.message() +
          "); reconciling proved the run is not held: " + run.status().message());
    }
    last = run.status();
    const TimeNs wait_ns = std::chrono::nanoseconds(wait).count();
    if (clock_->Now() + wait_ns >= until) break;
    // Waits in short steps so that a cancel is seen promptly.
    for (TimeNs waited = 0; waited < wait_ns && !control.cancel;) {
      const TimeNs step =
          std::min<TimeNs>(wait_ns - waited, std::chrono::nanoseconds(kWatchdogTick).count());
      clock_->SleepFor(std::chrono::nanoseconds(step));
      waited += step;
    }
    wait = std::min(wait * 2, kMaxReconcileBackoff);
  }
  if (control.cancel) return Status::Cancelled("cancelled while reconciling an unknown outcome");
  listener.Log("warn", "btrouter",
               "not reconciled after " + std::to_string(asks) + " ask(s): " + last.message());
  fields["outcome"] = "still unknown: " + last.message();
  DefaultLogger().Log(LogLevel::kWarn, "run not reconciled", fields);
  return Status::UnknownOutcome(
      lost.message() + "; asked " + std::to_string(asks) + " time(s) over " +
      FormatSeconds(SecondsSince(*clock_, start)) +
      " s (engines.reconcile_timeout_s), still unknown: " + last.message());
}

Result<EngineRun> Dispatcher::ReconcileInterrupted(const DispatchRequest& request,
                                                   const BarSeries& bars, JobRunControl& control,
                                                   DispatchListener& listener) {
  const std::string& engine_name = request.interrupted_engine;
  if (options_.reconcile_timeout.count() <= 0) {  // engines.reconcile_timeout_s = 0: never ask
    listener.Log("info", "btrouter",
                 "the interrupted run on " + engine_name +
                     " is not asked about (engines.reconcile_timeout_s = 0); the job runs again");
    return Status::NotFound("not asked");
  }
  Engine* engine = engines_->Find(engine_name);
  if (engine == nullptr) {
    listener.Log("warn", "btrouter",
                 "engine " + engine_name +
                     " of the interrupted run is no longer served; the job is routed again");
    return Status::NotFound("engine gone");
  }
  RunContext context;
  context.cancel = &control.cancel;
  context.run_key = RunKey(request.job_id, request.interrupted_attempt, engine_name);
  context.log = [&listener, &engine_name](std::string_view line) {
    listener.Log("info", engine_name, line);
  };
  const Status lost =
      Status::UnknownOutcome("the server stopped while the run was on " + engine_name);
  Result<EngineRun> run = Reconcile(*engine, request.spec, bars, context, control, lost, listener);
  if (run.ok()) return run;
  switch (run.status().code()) {
    case StatusCode::kFailedPrecondition:  // cannot be asked: as before, the job runs again
    case StatusCode::kUnavailable:         // proven not held
      listener.Log("info", "btrouter",
                   "the interrupted run is not held by " + engine_name + "; the job runs again");
      return Status::NotFound("not held");
    default:
      return run.status();
  }
}

}  // namespace btr
