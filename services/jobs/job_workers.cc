#include "services/jobs/job_workers.h"

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>

#include "engines/core/time.h"
#include "engines/data/bar_cache.h"
#include "engines/spec_json.h"
#include "engines/spec_window.h"
#include "services/jobs/fault_point.h"
#include "services/jobs/job_log.h"
#include "services/jobs/result_builder.h"
#include "services/jobs/sweep_job.h"
#include "services/log/logger.h"

namespace btr {
namespace {

constexpr const char* kUnexpected = "internal error; see the server log";

double SecondsBetween(TimeNs from, TimeNs to) {
  return from == 0 || to < from ? 0.0 : static_cast<double>(to - from) / 1e9;
}

// A cancelled job's message, saying it once: "cancelled while running" or "backtest cancelled at
// bar 16384" as they are; a message that does not say it gets the word in front.
std::string CancelledMessage(const Status& status) {
  const std::string& m = status.message();
  if (m.empty()) return "cancelled";
  return m.find("cancel") != std::string::npos ? m : "cancelled: " + m;
}

TimeNs Nanos(std::chrono::milliseconds ms) { return std::chrono::nanoseconds(ms).count(); }

}  // namespace

std::string DefaultWorkerOwner() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + ":" + std::to_string(::getpid());
}

// A job this process runs.
struct JobWorkers::Running {
  JobRecord job;  // as claimed, then as started
  int64_t epoch = 0;
  Delivery delivery;
  JobRunControl control;
  std::atomic<double> progress{0};
  std::atomic<TimeNs> updated_at{0};
  std::atomic<bool> lost{false};  // another worker claimed the job
  std::string sweep_report;       // a sweep's result (RunSweepJob)
};

// What the dispatcher reports, turned into store writes under the claim and published changes.
class JobWorkers::RunListener final : public DispatchListener {
 public:
  RunListener(JobWorkers* workers, Running* running, DatasetRecord dataset, BacktestSpec spec)
      : w_(workers),
        r_(running),
        dataset_(std::move(dataset)),
        spec_(std::move(spec)),
        log_(workers->parts_.jobs, workers->parts_.clock, running->job.id,
             workers->options_.max_log_lines) {}

  Result<int> Starting(const std::string& engine, const std::string& fallbacks_json) override {
    const TimeNs now = w_->parts_.clock->Now();
    if (!started_) {
      Result<JobRecord> started = w_->parts_.jobs->StartJob(r_->job.id, r_->epoch, engine, now);
      if (!started.ok()) return started.status();
      started_ = true;
      r_->job = std::move(started).value();
      FaultPoint("job_started");
      if (!engine.empty()) {
        log_.Info("started on " + engine + " (attempt " + std::to_string(r_->job.attempt) + ")");
      }
      DefaultLogger().Log(
          LogLevel::kInfo, "job started",
          {{"job_id", r_->job.id},
           {"tenant", r_->job.tenant},
           {"engine", engine},
           {"attempt", r_->job.attempt},
           {"worker", w_->options_.owner},
           {"queued_seconds", SecondsBetween(r_->job.created_at, r_->job.started_at)}});
    }
    if (r_->job.engine_used != engine || r_->job.fallbacks_json != fallbacks_json) {
      (void)w_->parts_.jobs->SetJobRouting(r_->job.id, r_->epoch, engine, fallbacks_json, now);
      r_->job.engine_used = engine;
      r_->job.fallbacks_json = fallbacks_json;
    }
    w_->parts_.events->PublishChange(r_->job);
    return r_->job.attempt;
  }

  // The dataset's bars inside the spec's window (every engine of the dispatch runs on these,
  // and the result's metrics are computed on them).
  Result<const BarSeries*> Bars() override {
    if (window_) return &window_->bars();
    Result<std::string> path = w_->parts_.datasets->LocalPath(dataset_, w_->options_.cache_dir);
    if (!path.ok()) return path.status().WithPrefix("dataset");
    LoadOptions load;
    load.cache_dir = w_->options_.cache_dir;
    Result<LoadedBars> loaded = LoadBars(*path, load);
    if (!loaded.ok()) return loaded.status().WithPrefix("dataset");
    if (r_->control.cancel) return Status::Cancelled("cancelled while loading the dataset");
    bars_ = std::move(loaded).value();
    Result<BarWindow> window = CutToWindow(bars_->bars, spec_);
    if (!window.ok()) return window.status();
    window_.emplace(std::move(window).value());
    return &window_->bars();
  }

  void Progress(double fraction, std::string_view phase) override {
    const TimeNs now = w_->parts_.clock->Now();
    r_->progress = fraction;
    r_->updated_at = now;
    if (last_write_ != 0 && now - last_write_ < Nanos(w_->options_.progress_interval)) return;
    last_write_ = now;
    if (!w_->parts_.jobs->UpdateProgress(r_->job.id, r_->epoch, fraction, phase, now).ok()) return;
    r_->job.progress = fraction;
    if (!phase.empty()) r_->job.phase = std::string(phase);
    r_->job.updated_at = now;
    w_->parts_.events->PublishChange(r_->job);
  }

  void Log(std::string_view level, std::string_view source, std::string_view line) override {
    log_.Add(level, source, line);
  }

  JobLog& log() { return log_; }
  const DatasetRecord& dataset() const { return dataset_; }
  const BarSeries* bars() const { return window_ ? &window_->bars() : nullptr; }
  bool started() const { return started_; }

 private:
  JobWorkers* const w_;
  Running* const r_;
  const DatasetRecord dataset_;
  const BacktestSpec spec_;
  JobLog log_;
  std::optional<LoadedBars> bars_;
  std::optional<BarWindow> window_;  // of bars_'s bars
  bool started_ = false;
  TimeNs last_write_ = 0;
};

JobWorkers::JobWorkers(JobWorkerParts parts, JobWorkerOptions options)
    : parts_(parts), options_(std::move(options)) {
  if (options_.owner.empty()) options_.owner = DefaultWorkerOwner();
}

JobWorkers::~JobWorkers() { Stop(); }

Status JobWorkers::Start() {
  if (started_) return Status::FailedPrecondition("JobWorkers: already started");
  if (!parts_.jobs || !parts_.datasets || !parts_.queue || !parts_.events || !parts_.dispatcher ||
      !parts_.clock) {
    return Status::InvalidArgument("JobWorkers: every part is required");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  cancel_listener_ = parts_.events->OnCancel([this](const std::string& id) { OnCancel(id); });
  started_ = true;
  started_at_ = parts_.clock->Now();
  Report();
  for (size_t k = 0; k < std::max<size_t>(1, options_.threads); ++k) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
  return Status::Ok();
}

void JobWorkers::Stop() {
  if (!started_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, running] : running_) {
      running->control.stopping = true;
      running->control.cancel = true;
    }
  }
  heartbeat_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  heartbeat_.join();
  parts_.events->Remove(cancel_listener_);
  if (parts_.directory) (void)parts_.directory->Forget(options_.owner);
  started_ = false;
}

bool JobWorkers::LiveProgress(std::string_view id, double* progress, TimeNs* updated_at) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_.find(id);
  if (it == running_.end()) return false;
  *progress = it->second->progress.load();
  *updated_at = it->second->updated_at.load();
  return true;
}

size_t JobWorkers::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_.size();
}

JobWorkerStats JobWorkers::stats() const {
  return {claimed_.load(), skipped_.load(), finished_.load(), dead_.load(), lost_.load()};
}

void JobWorkers::WorkerLoop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    Result<std::optional<Delivery>> delivery = parts_.queue->Dequeue(options_.dequeue_wait);
    if (!delivery.ok()) {
      // The queue's server is down: wait a little; the reconciler re-enqueues what it lost.
      DefaultLogger().Log(LogLevel::kWarn, "queue unavailable",
                          {{"worker", options_.owner}, {"error", delivery.status().ToString()}});
      std::unique_lock<std::mutex> lock(mu_);
      heartbeat_cv_.wait_for(lock, options_.dequeue_wait, [this] { return stopping_; });
      continue;
    }
    if (!delivery->has_value()) continue;
    try {
      Handle(**delivery);
    } catch (...) {
      // The last boundary of a worker thread: the job's claim lapses and it runs again.
      DefaultLogger().Log(LogLevel::kError, "worker threw", {{"job_id", (*delivery)->job.id}});
    }
  }
}

void JobWorkers::Handle(const Delivery& delivery) {
  if (delivery.dead_letter) {
    FailDeadLetter(delivery);
    (void)parts_.queue->Ack(delivery);
    return;
  }
  const TimeNs now = parts_.clock->Now();
  Result<JobRecord> claimed =
      parts_.jobs->ClaimJob(delivery.job.id, options_.owner, now + Nanos(options_.lease), now);
  if (!claimed.ok()) {
    // Held by another worker, finished, cancelled or deleted; or the store failed, and the
    // reconciler enqueues the still queued job again. Either way this delivery is done.
    ++skipped_;
    (void)parts_.queue->Ack(delivery);
    return;
  }
  ++claimed_;
  Run(*claimed, delivery);
  (void)parts_.queue->Ack(delivery);
}

// A job whose queue entry was delivered too often without finishing (a worker that keeps dying
// on it): failed without another run.
void JobWorkers::FailDeadLetter(const Delivery& delivery) {
  ++dead_;
  const TimeNs now = parts_.clock->Now();
  Result<JobRecord> claimed =
      parts_.jobs->ClaimJob(delivery.job.id, options_.owner, now + Nanos(options_.lease), now);
  if (!claimed.ok()) return;
  if (!parts_.jobs->StartJob(claimed->id, claimed->epoch, claimed->engine_used, now).ok()) return;
  const std::string message = "delivered " + std::to_string(delivery.deliveries) +
                              " times without finishing; moved to the dead letters";
  if (parts_.jobs
          ->FinishJob(claimed->id, claimed->epoch, JobStatus::kFailed, {}, "dead_letter", message,
                      now)
          .ok()) {
    JobLog(parts_.jobs, parts_.clock, claimed->id, options_.max_log_lines)
        .Add("error", "btrouter", "failed: " + message);
    if (Result<JobRecord> failed = parts_.jobs->GetJob(claimed->tenant, claimed->id); failed.ok()) {
      parts_.events->PublishChange(*failed);
    }
  }
}

void JobWorkers::Run(const JobRecord& claimed, const Delivery& delivery) {
  auto running = std::make_shared<Running>();
  running->job = claimed;
  running->epoch = claimed.epoch;
  running->delivery = delivery;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) running->control.stopping = running->control.cancel = true;
    running_[claimed.id] = running;
  }
  Result<BacktestSpec> spec =
      SpecFromJson(nlohmann::json::parse(claimed.spec_json, nullptr, false));
  Result<DatasetRecord> dataset = spec.ok()
                                      ? parts_.datasets->GetDataset(claimed.tenant, spec->dataset)
                                      : Result<DatasetRecord>(spec.status());
  if (!dataset.ok() && spec.ok()) dataset = dataset.status().WithPrefix("dataset");
  RunListener listener(this, running.get(), dataset.ok() ? *dataset : DatasetRecord{},
                       spec.ok() ? *spec : BacktestSpec{});
  DispatchOutcome outcome;
  if (!dataset.ok()) {
    // Nothing to route: the job fails on no engine, with why.
    Result<int> started = listener.Starting("", "[]");
    outcome.abandoned = !started.ok();
    outcome.status = dataset.status();
  } else {
    DispatchRequest request;
    request.job_id = claimed.id;
    request.spec = *spec;
    request.bars =
        BarsInWindowIfWhole(*spec, dataset->bars, dataset->first_time, dataset->last_time);
    if (claimed.attempt > 0 && !claimed.engine_used.empty()) {
      request.interrupted_engine = claimed.engine_used;
      request.interrupted_attempt = claimed.attempt;
    }
    try {
      outcome = spec->sweep.empty()
                    ? parts_.dispatcher->Dispatch(request, running->control, listener)
                    : RunSweep(claimed, *spec, running->control, listener,
                               &running->sweep_report);
    } catch (...) {
      DefaultLogger().Log(LogLevel::kError, "dispatch threw", {{"job_id", claimed.id}});
      outcome.status = Status::Internal(kUnexpected);
      outcome.abandoned = !listener.started() && !listener.Starting("", "[]").ok();
    }
  }
  std::optional<JobRecord> final_record;
  if (!outcome.abandoned) final_record = Finish(*running, listener, outcome);
  if (running->control.stopping) {
    // Interrupted by Stop(): let go of the claim so that the next claim is immediate.
    (void)parts_.jobs->ReleaseJob(claimed.id, running->epoch, parts_.clock->Now());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(claimed.id);
  }
  if (!final_record) {
    Result<JobRecord> now = parts_.jobs->GetJob(claimed.tenant, claimed.id);
    if (now.ok()) final_record = std::move(now).value();
  }
  if (final_record) parts_.events->PublishChange(*final_record);
}

std::optional<JobRecord> JobWorkers::Finish(Running& running, RunListener& listener,
                                            const DispatchOutcome& outcome) {
  const JobRecord& started = running.job;
  JobLog& log = listener.log();
  Status status = outcome.status;
  JobResult result;
  if (status.ok() && outcome.run && listener.bars() != nullptr) {
    const DatasetRecord& dataset = listener.dataset();
    result = BuildResult(*listener.bars(), *outcome.run,
                         ResultContext{outcome.engine, dataset.id, dataset.sha256});
  } else if (status.ok() && !running.sweep_report.empty()) {
    result.result_json = std::move(running.sweep_report);
  }
  // A cancel that arrived before the end wins, even when the engine finished first.
  if (status.ok() && running.control.cancel && !running.control.stopping && !running.lost) {
    status = Status::Cancelled("cancelled while running");
    result = JobResult{};
  }
  if (running.lost) {
    ++lost_;
    log.Warn(
        "this run's claim was lost to another worker (its lease ran out); its outcome is "
        "dropped");
    DefaultLogger().Log(LogLevel::kWarn, "job claim lost",
                        {{"job_id", started.id}, {"engine", started.engine_used},
                         {"epoch", running.epoch}});
    return std::nullopt;
  }
  if (status.code() == StatusCode::kCancelled && running.control.stopping &&
      !started.cancel_requested) {
    log.Warn("interrupted: the worker is stopping; the job will be claimed again");
    DefaultLogger().Log(LogLevel::kInfo, "job interrupted",
                        {{"job_id", started.id}, {"engine", started.engine_used}});
    return std::nullopt;
  }
  const JobStatus final_status = status.ok()                               ? JobStatus::kSucceeded
                                 : status.code() == StatusCode::kCancelled ? JobStatus::kCancelled
                                                                           : JobStatus::kFailed;
  const std::string message =
      final_status == JobStatus::kCancelled ? CancelledMessage(status) : status.message();
  const Status finished = parts_.jobs->FinishJob(started.id, running.epoch, final_status, result,
                                                 status.ok() ? "" : StatusCodeName(status.code()),
                                                 message, parts_.clock->Now());
  if (!finished.ok()) {
    // The claim was lost meanwhile: nothing was committed, so the log says nothing about an end.
    DefaultLogger().Log(LogLevel::kWarn, "job result dropped",
                        {{"job_id", started.id},
                         {"engine", started.engine_used},
                         {"epoch", running.epoch},
                         {"reason", finished.ToString()}});
    return std::nullopt;
  }
  ++finished_;
  // Committed: only now does the log tell how the job ended, from what the store holds (a
  // cancel accepted while the run ended turns a success into a cancel there).
  Result<JobRecord> stored = parts_.jobs->GetJob(started.tenant, started.id);
  const JobStatus ended = stored.ok() ? stored->status : final_status;
  const double seconds = SecondsBetween(started.started_at, parts_.clock->Now());
  if (ended == JobStatus::kSucceeded) {
    log.Info("succeeded on " + started.engine_used + " in " + FormatElapsed(seconds));
  } else if (ended == JobStatus::kCancelled) {
    log.Info(stored.ok() && !stored->error_message.empty() ? stored->error_message : message);
  } else {
    log.Add("error", "btrouter", "failed: " + status.ToString());
  }
  LogFields fields = {{"job_id", started.id},
                      {"tenant", started.tenant},
                      {"engine", started.engine_used},
                      {"status", JobStatusName(ended)},
                      {"seconds", seconds}};
  if (!status.ok()) fields["error"] = status.ToString();
  DefaultLogger().Log(ended == JobStatus::kFailed ? LogLevel::kWarn : LogLevel::kInfo,
                      "job finished", fields);
  if (options_.on_finished && stored.ok()) options_.on_finished(*stored);
  if (!stored.ok()) return std::nullopt;
  return std::move(stored).value();
}

void JobWorkers::HeartbeatLoop() {
  const auto period = std::max(options_.lease / 3, std::chrono::milliseconds(10));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    heartbeat_cv_.wait_for(lock, period, [this] { return stopping_; });
    if (stopping_) return;
    std::vector<std::shared_ptr<Running>> jobs;
    for (const auto& [id, running] : running_) jobs.push_back(running);
    lock.unlock();
    Report();
    for (const std::shared_ptr<Running>& running : jobs) {
      const TimeNs now = parts_.clock->Now();
      Result<bool> renewed = parts_.jobs->RenewLease(running->job.id, running->epoch,
                                                     now + Nanos(options_.lease), now);
      if (renewed.ok()) {
        if (*renewed) running->control.cancel = true;  // a cancel the event did not bring
        if (!running->delivery.token.empty()) (void)parts_.queue->Touch(running->delivery);
      } else if (renewed.status().code() == StatusCode::kFailedPrecondition) {
        running->lost = true;
        running->control.cancel = true;
      }
    }
    lock.lock();
  }
}

void JobWorkers::Report() {
  if (!parts_.directory) return;
  WorkerInfo info;
  info.id = options_.owner;
  info.host = options_.owner.substr(0, options_.owner.rfind(':'));
  info.pid = ::getpid();
  info.version = options_.version;
  info.engines = options_.engines;
  info.threads = static_cast<int64_t>(options_.threads);
  info.running = static_cast<int64_t>(running());
  info.finished = static_cast<int64_t>(finished_.load());
  info.started_at = started_at_;
  info.seen_at = parts_.clock->Now();
  (void)parts_.directory->Report(info);
}

void JobWorkers::OnCancel(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = running_.find(job_id); it != running_.end()) it->second->control.cancel = true;
}

}  // namespace btr
