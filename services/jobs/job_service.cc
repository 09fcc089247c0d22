#include "services/jobs/job_service.h"


#include "engines/spec_json.h"
#include "services/jobs/job_service_internal.h"
#include "services/log/logger.h"

namespace btr {

JobService::JobService(Store* store, const EngineRegistry* engines, const Clock* clock,
                       JobServiceOptions options, HealthMonitor* health)
    : store_(store),
      engines_(engines),
      clock_(clock),
      options_(std::move(options)),
      health_(health),
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
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++queued_by_engine_[job.engine_requested];
    }
    JobLog(store_, clock_, job.id, options_.max_log_lines)
        .Warn(job.attempt > 0 ? "the server restarted while the job ran on " + job.engine_used +
                                    "; queued again"
                              : "the server restarted; still queued");
    queue_.PushUnbounded({job.id, job.tenant, job.engine_requested});
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
  watchdog_ = std::thread([this] { WatchdogLoop(); });
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
  watchdog_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  if (watchdog_.joinable()) watchdog_.join();
  started_ = false;
}

Result<RoutePlan> JobService::PlanSubmit(std::string_view tenant, const BacktestSpec& spec) const {
  // Names, strategy and settings first (their errors come before the dataset's), then the
  // engines able to run it on this dataset.
  Result<RoutePlan> plan = PlanRoute(spec, 0, *engines_, health_, options_.routing);
  if (!plan.ok()) return plan.status();
  Result<DatasetRecord> dataset = store_->GetDataset(tenant, spec.dataset);
  if (!dataset.ok()) {
    if (dataset.status().code() != StatusCode::kNotFound) return dataset.status();
    return Status::InvalidArgument("dataset: no dataset '" + spec.dataset +
                                   "' (upload one with POST /v1/datasets)");
  }
  return PlanRoute(spec, dataset->bars, *engines_, health_, options_.routing);
}

Status JobService::Validate(std::string_view tenant, const BacktestSpec& spec) const {
  Result<RoutePlan> plan = PlanSubmit(tenant, spec);
  if (!plan.ok() && plan.status().code() == StatusCode::kUnavailable) return Status::Ok();
  return plan.ok() ? Status::Ok() : plan.status();
}

Result<SubmitOutcome> JobService::Submit(std::string_view tenant, const BacktestSpec& spec,
                                         std::string_view idempotency_key) {
  // The spec and its dataset (Validate), then whether any candidate engine takes runs now.
  Result<RoutePlan> plan = PlanSubmit(tenant, spec);
  if (!plan.ok()) return plan.status();
  BTR_RETURN_IF_ERROR(CheckAdmissible(*plan));
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++queued_by_engine_[stored->engine_requested];
  }
  JobLog(store_, clock_, stored->id, options_.max_log_lines)
      .Info("submitted: engine " + stored->engine_requested + ", strategy " + spec.strategy.name +
            ", dataset " + spec.dataset);
  queue_.PushReserved({stored->id, stored->tenant, stored->engine_requested});
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

Status JobService::CheckAdmissible(const RoutePlan& plan) const {
  if (health_ == nullptr) return Status::Ok();
  std::string why;
  for (const Engine* engine : plan.candidates) {
    const Admission a = health_->Check(engine->name());
    if (a.admitted || a.retry_soon) return Status::Ok();
    why += (why.empty() ? "" : "; ") + std::string(engine->name()) + " is " + a.reason;
  }
  return Status::Unavailable("engine: no engine can take this backtest now: " + why);
}

size_t JobService::queue_depth(std::string_view engine) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t depth = 0;
  if (auto it = queued_by_engine_.find(engine); it != queued_by_engine_.end()) depth += it->second;
  if (auto it = waiting_by_engine_.find(engine); it != waiting_by_engine_.end()) {
    depth += it->second;
  }
  return depth;
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

}  // namespace btr
