#include "services/jobs/job_service.h"

#include <random>

#include "engines/data/bar_cache.h"
#include "engines/spec_json.h"
#include "services/jobs/result_builder.h"
#include "services/log/logger.h"

namespace btr {

// A counting semaphore with a runtime count (per-engine concurrency).
class JobService::Semaphore {
 public:
  explicit Semaphore(size_t count) : count_(count) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return count_ > 0; });
    --count_;
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

namespace {

double Seconds(TimeNs from, TimeNs to) {
  return from == 0 || to < from ? 0.0 : static_cast<double>(to - from) / 1e9;
}

}  // namespace

std::string NewId(std::string_view prefix) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  const uint64_t a = rng(), b = rng();
  for (int k = 0; k < 16; ++k) id += kHex[(a >> (4 * k)) & 0xf];
  for (int k = 0; k < 4; ++k) id += kHex[(b >> (4 * k)) & 0xf];
  return id;
}

JobService::JobService(Store* store, const EngineRegistry* engines, const Clock* clock,
                       JobServiceOptions options)
    : store_(store),
      engines_(engines),
      clock_(clock),
      options_(std::move(options)),
      queue_(options_.queue_capacity) {
  for (Engine* engine : engines_->All()) {
    auto it = options_.engine_concurrency.find(std::string(engine->name()));
    const size_t slots = it != options_.engine_concurrency.end() ? it->second : options_.workers;
    engine_slots_.emplace(std::string(engine->name()), std::make_unique<Semaphore>(slots));
  }
}

JobService::~JobService() { Stop(); }

Status JobService::Start() {
  Result<std::vector<JobRecord>> pending = store_->RecoverJobs(clock_->Now());
  if (!pending.ok()) return pending.status().WithPrefix("recovering jobs");
  for (const JobRecord& job : *pending) {
    queue_.PushUnbounded({job.id, job.tenant});
    DefaultLogger().Log(LogLevel::kInfo, "job recovered",
                        {{"job_id", job.id},
                         {"tenant", job.tenant},
                         {"engine", job.engine_requested},
                         {"was", JobStatusName(job.status)}});
  }
  started_ = true;
  for (size_t k = 0; k < std::max<size_t>(1, options_.workers); ++k) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
  return Status::Ok();
}

void JobService::Stop() {
  if (!started_) return;
  stopping_ = true;
  queue_.Close();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, live] : running_) live->cancel = true;
  }
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  started_ = false;
}

Result<Engine*> JobService::ResolveEngine(const BacktestSpec& spec) const {
  if (spec.engine == "auto") {
    // Until health-based routing lands: the first engine that lists the strategy.
    for (Engine* engine : engines_->All()) {
      const EngineCapabilities caps = engine->capabilities();
      for (const std::string& s : caps.strategies) {
        if (s == spec.strategy.name) return engine;
      }
    }
    return Status::InvalidArgument("strategy.name: no engine can run '" + spec.strategy.name + "'");
  }
  Engine* engine = engines_->Find(spec.engine);
  if (engine == nullptr) {
    return Status::InvalidArgument("engine: unknown engine '" + spec.engine +
                                   "' (available: auto, " + engines_->Names() + ")");
  }
  return engine;
}

Result<SubmitOutcome> JobService::Submit(std::string_view tenant, const BacktestSpec& spec,
                                         std::string_view idempotency_key) {
  Result<Engine*> engine = ResolveEngine(spec);
  if (!engine.ok()) return engine.status();
  BTR_RETURN_IF_ERROR((*engine)->Validate(spec));
  Result<DatasetRecord> dataset = store_->GetDataset(tenant, spec.dataset);
  if (!dataset.ok()) {
    if (dataset.status().code() != StatusCode::kNotFound) return dataset.status();
    return Status::InvalidArgument("dataset: no dataset '" + spec.dataset +
                                   "' (upload one with POST /v1/datasets)");
  }
  Result<size_t> active = store_->CountActiveJobs(tenant);
  if (!active.ok()) return active.status();
  if (*active >= options_.max_active_per_tenant) {
    return Status::ResourceExhausted("tenant has " + std::to_string(*active) +
                                     " queued or running jobs, the limit is " +
                                     std::to_string(options_.max_active_per_tenant));
  }
  if (!queue_.TryReserve()) {
    return Status::ResourceExhausted("the job queue is full (" +
                                     std::to_string(options_.queue_capacity) + " jobs)");
  }
  JobRecord job;
  job.id = NewId("bt_");
  job.tenant = std::string(tenant);
  job.status = JobStatus::kQueued;
  job.phase = "queued";
  job.spec_json = SpecToJson(spec).dump();
  job.spec_hash = SpecHash(spec);
  job.idempotency_key = std::string(idempotency_key);
  job.engine_requested = spec.engine;
  job.created_at = job.updated_at = clock_->Now();
  Result<JobRecord> stored = store_->CreateJob(job);
  if (!stored.ok() || stored->id != job.id) queue_.Unreserve();
  if (!stored.ok()) return stored.status();
  if (stored->id != job.id) {
    if (stored->spec_hash != job.spec_hash) {
      return Status::AlreadyExists("Idempotency-Key: already used with a different request (job " +
                                   stored->id + ")");
    }
    return SubmitOutcome{std::move(stored).value(), false};
  }
  queue_.PushReserved({stored->id, stored->tenant});
  DefaultLogger().Log(LogLevel::kInfo, "job submitted",
                      {{"job_id", stored->id},
                       {"tenant", stored->tenant},
                       {"engine", stored->engine_requested},
                       {"strategy", spec.strategy.name}});
  NotifyChange(stored->tenant, stored->id);
  return SubmitOutcome{std::move(stored).value(), true};
}

Result<JobRecord> JobService::Get(std::string_view tenant, std::string_view id) {
  Result<JobRecord> job = store_->GetJob(tenant, id);
  if (!job.ok() || job->status != JobStatus::kRunning) return job;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = running_.find(id); it != running_.end()) {
    job->progress = it->second->progress.load();
    job->updated_at = std::max(job->updated_at, it->second->updated_at.load());
  }
  return job;
}

Result<JobRecord> JobService::WaitForChange(std::string_view tenant, std::string_view id,
                                            TimeNs since, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    Result<JobRecord> job = Get(tenant, id);
    if (!job.ok() || IsTerminal(job->status) || job->updated_at > since) return job;
    std::unique_lock<std::mutex> lock(mu_);
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      lock.unlock();
      return Get(tenant, id);
    }
  }
}

Result<JobRecord> JobService::Cancel(std::string_view tenant, std::string_view id) {
  Result<JobRecord> job = store_->CancelJob(tenant, id, clock_->Now());
  if (!job.ok() && job.status().code() == StatusCode::kFailedPrecondition) {
    Result<JobRecord> current = store_->GetJob(tenant, id);
    if (current.ok()) {
      return Status::FailedPrecondition("status: " + std::string(id) + " already " +
                                        std::string(JobStatusName(current->status)) +
                                        "; there is nothing to cancel");
    }
  }
  if (!job.ok()) return job;
  DefaultLogger().Log(
      LogLevel::kInfo, "job cancel requested",
      {{"job_id", job->id},
       {"tenant", job->tenant},
       {"engine", job->engine_used.empty() ? job->engine_requested : job->engine_used},
       {"status", JobStatusName(job->status)}});
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = running_.find(id); it != running_.end()) it->second->cancel = true;
  }
  NotifyChange(tenant, id);
  return job;
}

Status JobService::Delete(std::string_view tenant, std::string_view id) {
  return store_->DeleteJob(tenant, id);
}

size_t JobService::running_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_.size();
}

uint64_t JobService::AddListener(JobListener listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_[next_listener_] = std::move(listener);
  return next_listener_++;
}

void JobService::RemoveListener(uint64_t id) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(id);
}

void JobService::NotifyChange(std::string_view tenant, std::string_view id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    changed_.notify_all();
  }
  std::lock_guard<std::mutex> lock(listeners_mu_);
  if (listeners_.empty()) return;
  Result<JobRecord> job = Get(tenant, id);
  if (!job.ok()) return;
  for (const auto& [listener_id, listener] : listeners_) listener(*job);
}

void JobService::WorkerLoop() {
  while (std::optional<QueuedJob> queued = queue_.Pop()) RunJob(*queued);
}

void JobService::RunJob(const QueuedJob& queued) {
  Result<JobRecord> job = store_->GetJob(queued.tenant, queued.id);
  if (!job.ok() || job->status != JobStatus::kQueued) return;  // cancelled or deleted meanwhile
  Result<BacktestSpec> spec = SpecFromJson(nlohmann::json::parse(job->spec_json, nullptr, false));
  Result<Engine*> engine = spec.ok() ? ResolveEngine(*spec) : Result<Engine*>(spec.status());
  auto live = std::make_shared<LiveJob>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_[job->id] = live;
  }
  Semaphore* slots = engine.ok() ? engine_slots_.find((*engine)->name())->second.get() : nullptr;
  if (slots != nullptr) slots->Acquire();
  Result<JobRecord> started =
      store_->StartJob(job->id, engine.ok() ? (*engine)->name() : "", clock_->Now());
  if (started.ok()) {
    DefaultLogger().Log(LogLevel::kInfo, "job started",
                        {{"job_id", started->id},
                         {"tenant", started->tenant},
                         {"engine", started->engine_used},
                         {"attempt", started->attempt},
                         {"queued_seconds", Seconds(started->created_at, started->started_at)}});
    NotifyChange(queued.tenant, queued.id);
    JobResult result;
    Status status = engine.ok() ? RunOnEngine(*started, **engine, *live, &result) : engine.status();
    // A cancel that arrived before the end wins, even when the engine finished first.
    if (status.ok() && live->cancel && !stopping_) {
      status = Status::Cancelled("cancelled while running");
      result = JobResult{};
    }
    const bool interrupted =
        status.code() == StatusCode::kCancelled && stopping_ && !started->cancel_requested;
    if (!interrupted) {
      const JobStatus final_status = status.ok() ? JobStatus::kSucceeded
                                     : status.code() == StatusCode::kCancelled
                                         ? JobStatus::kCancelled
                                         : JobStatus::kFailed;
      Status finished = store_->FinishJob(started->id, started->attempt, final_status, result,
                                          status.ok() ? "" : StatusCodeName(status.code()),
                                          status.message(), clock_->Now());
      const double run_seconds = Seconds(started->started_at, clock_->Now());
      if (finished.ok()) {
        LogFields fields = {{"job_id", started->id},
                            {"tenant", started->tenant},
                            {"engine", started->engine_used},
                            {"status", JobStatusName(final_status)},
                            {"seconds", run_seconds}};
        if (!status.ok()) fields["error"] = status.ToString();
        DefaultLogger().Log(final_status == JobStatus::kFailed ? LogLevel::kWarn : LogLevel::kInfo,
                            "job finished", fields);
      } else {
        // FailedPrecondition: a newer attempt owns the job.
        DefaultLogger().Log(LogLevel::kWarn, "job result dropped",
                            {{"job_id", started->id},
                             {"engine", started->engine_used},
                             {"attempt", started->attempt},
                             {"reason", finished.ToString()}});
      }
    } else {
      DefaultLogger().Log(LogLevel::kInfo, "job interrupted",
                          {{"job_id", started->id},
                           {"engine", started->engine_used},
                           {"note", "server stopping; the next start re-queues it"}});
    }
  }
  if (slots != nullptr) slots->Release();
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(queued.id);
  }
  NotifyChange(queued.tenant, queued.id);
}

Status JobService::RunOnEngine(const JobRecord& job, Engine& engine, LiveJob& live,
                               JobResult* result) {
  if (job.cancel_requested) return Status::Cancelled("cancelled before start");
  Result<BacktestSpec> spec = SpecFromJson(nlohmann::json::parse(job.spec_json, nullptr, false));
  if (!spec.ok()) return spec.status();
  Result<DatasetRecord> dataset = store_->GetDataset(job.tenant, spec->dataset);
  if (!dataset.ok()) return dataset.status().WithPrefix("dataset");
  LoadOptions load;
  load.cache_dir = options_.cache_dir;
  Result<LoadedBars> bars = LoadBars(dataset->path, load);
  if (!bars.ok()) return bars.status().WithPrefix("dataset");
  if (live.cancel) return Status::Cancelled("cancelled while loading the dataset");

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
  Result<EngineRun> run = engine.Run(*spec, bars->bars, context);
  if (!run.ok()) return run.status();
  *result = BuildResult(bars->bars, *run,
                        ResultContext{std::string(engine.name()), dataset->id, dataset->sha256});
  return Status::Ok();
}

}  // namespace btr
