#include "services/jobs/job_service.h"

#include <set>

#include "engines/core/version.h"
#include "engines/spec_json.h"
#include "engines/spec_window.h"
#include "services/jobs/fault_point.h"
#include "services/log/logger.h"
#include "services/queue/local_job_queue.h"

namespace btr {
namespace {

constexpr size_t kRedispatchBatch = 500;  // queued jobs checked per pass

TimeNs Nanos(std::chrono::milliseconds ms) { return std::chrono::nanoseconds(ms).count(); }

JobPriority PriorityOf(int stored) {
  return stored <= 0 ? JobPriority::kHigh : stored == 1 ? JobPriority::kNormal : JobPriority::kLow;
}

}  // namespace

struct JobService::Owned {
  LocalJobQueue queue;
  LocalJobEvents events;
  std::unique_ptr<Dispatcher> dispatcher;
};

struct JobService::Assembly {
  std::unique_ptr<Owned> owned;
  JobServiceParts parts;
};

JobService::JobService(JobServiceParts parts, JobServiceOptions options)
    : JobService(Assembly{nullptr, parts}, std::move(options)) {}

JobService::JobService(Store* store, const EngineRegistry* engines, const Clock* clock,
                       JobServiceOptions options, HealthMonitor* health)
    : JobService(EmbeddedAssembly(store, engines, clock, options, health), options) {}

JobService::Assembly JobService::EmbeddedAssembly(Store* store, const EngineRegistry* engines,
                                                  const Clock* clock,
                                                  const JobServiceOptions& options,
                                                  HealthMonitor* health) {
  DispatcherOptions d;
  d.routing = options.routing;
  d.engine_concurrency = options.engine_concurrency;
  d.default_concurrency = std::max<size_t>(1, options.workers);
  d.engine_timeout = options.engine_timeout;
  d.reconcile_timeout = options.reconcile_timeout;
  d.reconcile_backoff = options.reconcile_backoff;
  d.on_fallback = options.on_fallback;
  Assembly a;
  a.owned = std::make_unique<Owned>();
  a.owned->dispatcher = std::make_unique<Dispatcher>(engines, health, clock, std::move(d));
  a.parts.jobs = store;
  a.parts.datasets = store;
  a.parts.clock = clock;
  a.parts.queue = &a.owned->queue;
  a.parts.events = &a.owned->events;
  a.parts.dispatcher = a.owned->dispatcher.get();
  return a;
}

JobService::JobService(Assembly assembly, JobServiceOptions options)
    : owned_(std::move(assembly.owned)), parts_(assembly.parts), options_(std::move(options)) {
  if (parts_.random == nullptr) parts_.random = &DefaultRandom();
  if (options_.workers > 0) {
    JobWorkerOptions worker;
    worker.threads = options_.workers;
    worker.lease = options_.lease;
    worker.progress_interval = options_.progress_interval;
    worker.max_log_lines = options_.max_log_lines;
    worker.cache_dir = options_.cache_dir;
    worker.sweep_chunk_trials = options_.sweep_chunk_trials;
    worker.dequeue_wait = std::chrono::milliseconds(200);
    worker.on_finished = options_.on_finished;
    worker.version = kBtrouterVersion;
    for (const Engine* engine : parts_.dispatcher->engines().All()) {
      worker.engines.emplace_back(engine->name());
    }
    workers_ = std::make_unique<JobWorkers>(
        JobWorkerParts{parts_.jobs, parts_.datasets, parts_.queue, parts_.events, parts_.dispatcher,
                       parts_.clock, parts_.directory},
        std::move(worker));
  }
}

JobService::~JobService() { Stop(); }

Status JobService::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return Status::FailedPrecondition("JobService: already started");
    stopping_ = false;
  }
  if (options_.recover_on_start) {
    Result<std::vector<JobRecord>> pending = parts_.jobs->RecoverJobs(parts_.clock->Now());
    if (!pending.ok()) return pending.status().WithPrefix("recovering jobs");
    for (const JobRecord& job : *pending) {
      LogOf(job.id).Warn(job.attempt > 0 ? "the server restarted while the job ran on " +
                                               job.engine_used + "; queued again"
                                         : "the server restarted; still queued");
      DefaultLogger().Log(LogLevel::kInfo, "job recovered",
                          {{"job_id", job.id},
                           {"tenant", job.tenant},
                           {"engine", job.engine_requested},
                           {"was", JobStatusName(job.status)}});
    }
  }
  BTR_RETURN_IF_ERROR(parts_.events->Start());
  change_listener_ = parts_.events->OnChange([this](const JobRecord&) {
    std::lock_guard<std::mutex> lock(mu_);
    changed_.notify_all();
  });
  // Everything queued now (recovered, or left by a process that died) is enqueued at once.
  if (Result<size_t> enqueued = Redispatch(); !enqueued.ok()) {
    DefaultLogger().Log(LogLevel::kWarn, "redispatch failed",
                        {{"error", enqueued.status().ToString()}});
  }
  if (workers_) BTR_RETURN_IF_ERROR(workers_->Start());
  {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = true;
  }
  if (options_.redispatch_interval.count() > 0) {
    reconciler_ = std::thread([this] { ReconcilerLoop(); });
  }
  return Status::Ok();
}

void JobService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    stopping_ = true;
    changed_.notify_all();
  }
  if (reconciler_.joinable()) reconciler_.join();
  if (workers_) workers_->Stop();
  parts_.events->Remove(change_listener_);
  std::lock_guard<std::mutex> lock(mu_);
  started_ = false;
}

void JobService::ReconcilerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    changed_.wait_for(lock, options_.redispatch_interval);
    if (stopping_) return;
    lock.unlock();
    if (Result<size_t> enqueued = Redispatch(); !enqueued.ok()) {
      DefaultLogger().Log(LogLevel::kWarn, "redispatch failed",
                          {{"error", enqueued.status().ToString()}});
    }
    lock.lock();
  }
}

Result<size_t> JobService::Redispatch() {
  const TimeNs now = parts_.clock->Now();
  Result<size_t> requeued = parts_.jobs->RequeueExpired(now);
  if (!requeued.ok()) return requeued.status();
  if (*requeued > 0) {
    DefaultLogger().Log(LogLevel::kWarn, "expired claims requeued", {{"jobs", *requeued}});
  }
  Result<std::vector<DispatchableJob>> queued =
      parts_.jobs->ListDispatchable(now - Nanos(options_.redispatch_grace), now, kRedispatchBatch);
  if (!queued.ok()) return queued.status();
  if (queued->empty()) return size_t{0};
  std::vector<std::string> ids;
  ids.reserve(queued->size());
  for (const DispatchableJob& job : *queued) ids.push_back(job.id);
  Result<std::vector<std::string>> missing = parts_.queue->Missing(ids);
  if (!missing.ok()) return missing.status();
  std::set<std::string> absent(missing->begin(), missing->end());
  size_t enqueued = 0;
  for (const DispatchableJob& job : *queued) {
    if (absent.count(job.id) == 0) continue;
    BTR_RETURN_IF_ERROR(
        parts_.queue->Enqueue({job.id, job.tenant, job.engine, PriorityOf(job.priority)}));
    ++enqueued;
  }
  if (enqueued > 0 && !options_.recover_on_start) {
    DefaultLogger().Log(LogLevel::kWarn, "queued jobs dispatched again",
                        {{"jobs", enqueued}, {"note", "missing from the queue"}});
  }
  return enqueued;
}

Result<RoutePlan> JobService::PlanFor(std::string_view tenant, const BacktestSpec& spec) {
  // Names, strategy and settings first (their errors come before the dataset's), then the
  // engines able to run it on this dataset.
  Result<RoutePlan> plan = parts_.dispatcher->Plan(spec, 0);
  if (!plan.ok()) return plan.status();
  Result<DatasetRecord> dataset = parts_.datasets->GetDataset(tenant, spec.dataset);
  if (!dataset.ok()) {
    if (dataset.status().code() != StatusCode::kNotFound) return dataset.status();
    return Status::InvalidArgument("dataset: no dataset '" + spec.dataset +
                                   "' (upload one with POST /v1/datasets)");
  }
  BTR_RETURN_IF_ERROR(CheckWindowOverlaps(spec, dataset->first_time, dataset->last_time));
  return parts_.dispatcher->Plan(
      spec, BarsInWindowIfWhole(spec, dataset->bars, dataset->first_time, dataset->last_time));
}

Status JobService::Validate(std::string_view tenant, const BacktestSpec& spec) {
  return PlanFor(tenant, spec).status();
}

Result<SubmitOutcome> JobService::Submit(std::string_view tenant, const BacktestSpec& spec,
                                         std::string_view idempotency_key, JobPriority priority) {
  Result<RoutePlan> plan = PlanFor(tenant, spec);
  if (!plan.ok()) return plan.status();
  BTR_RETURN_IF_ERROR(parts_.dispatcher->CheckAdmissible(*plan));
  Result<size_t> active = parts_.jobs->CountActiveJobs(tenant);
  if (!active.ok()) return active.status();
  if (*active >= options_.max_active_per_tenant) {
    return Status::ResourceExhausted("tenant has " + std::to_string(*active) +
                                     " queued or running jobs, the limit is " +
                                     std::to_string(options_.max_active_per_tenant));
  }
  if (Result<size_t> depth = parts_.queue->Depth();
      depth.ok() && *depth >= options_.queue_capacity) {
    return Status::ResourceExhausted("the job queue is full (" +
                                     std::to_string(options_.queue_capacity) + " jobs)");
  }
  JobRecord job;
  job.id = NewId("bt_", *parts_.random);
  job.tenant = std::string(tenant);
  job.status = JobStatus::kQueued;
  job.phase = "queued";
  job.spec_json = SpecToJson(spec).dump();
  job.spec_hash = SpecHash(spec);
  job.idempotency_key = std::string(idempotency_key);
  job.engine_requested = spec.engine;
  job.priority = static_cast<int>(priority);
  job.created_at = job.updated_at = parts_.clock->Now();
  Result<JobRecord> stored = parts_.jobs->CreateJob(job);
  if (!stored.ok()) return stored.status();
  if (stored->id != job.id) {
    if (stored->spec_hash != job.spec_hash) {
      return Status::AlreadyExists("Idempotency-Key: already used with a different request (job " +
                                   stored->id + ")");
    }
    return SubmitOutcome{std::move(stored).value(), false};
  }
  // What runs: the catalogue strategy, or "own python code" for an algorithm's source.
  const std::string runs =
      spec.algorithm.empty() ? spec.strategy.name : "own " + spec.algorithm.language + " code";
  LogOf(stored->id)
      .Info("submitted: engine " + stored->engine_requested + ", strategy " + runs + ", dataset " +
            spec.dataset);
  // Committed first, enqueued after: if this enqueue fails (or the process dies before it),
  // the dispatch reconciler enqueues the job.
  FaultPoint("submit_committed");
  if (Status enqueued =
          parts_.queue->Enqueue({stored->id, stored->tenant, stored->engine_requested, priority});
      !enqueued.ok()) {
    DefaultLogger().Log(LogLevel::kWarn, "enqueue failed; the reconciler will dispatch the job",
                        {{"job_id", stored->id}, {"error", enqueued.ToString()}});
  }
  DefaultLogger().Log(LogLevel::kInfo, "job submitted",
                      {{"job_id", stored->id},
                       {"tenant", stored->tenant},
                       {"engine", stored->engine_requested},
                       {"strategy", runs}});
  parts_.events->PublishChange(*stored);
  return SubmitOutcome{std::move(stored).value(), true};
}

Result<JobRecord> JobService::Get(std::string_view tenant, std::string_view id) {
  Result<JobRecord> job = parts_.jobs->GetJob(tenant, id);
  if (!job.ok() || job->status != JobStatus::kRunning || !workers_) return job;
  double progress = 0;
  TimeNs updated_at = 0;
  if (workers_->LiveProgress(id, &progress, &updated_at)) {
    job->progress = progress;
    job->updated_at = std::max(job->updated_at, updated_at);
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
    if (stopping_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      lock.unlock();
      return Get(tenant, id);
    }
  }
}

Result<JobRecord> JobService::Cancel(std::string_view tenant, std::string_view id) {
  Result<JobRecord> job = parts_.jobs->CancelJob(tenant, id, parts_.clock->Now());
  if (!job.ok() && job.status().code() == StatusCode::kFailedPrecondition) {
    Result<JobRecord> current = parts_.jobs->GetJob(tenant, id);
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
  if (job->status == JobStatus::kRunning) parts_.events->PublishCancel(job->id);
  parts_.events->PublishChange(*job);
  return job;
}

Status JobService::Delete(std::string_view tenant, std::string_view id) {
  return parts_.jobs->DeleteJob(tenant, id);
}

uint64_t JobService::AddListener(JobListener listener) {
  return parts_.events->OnChange(std::move(listener));
}

void JobService::RemoveListener(uint64_t id) { parts_.events->Remove(id); }

size_t JobService::queue_depth() const {
  Result<size_t> depth = parts_.queue->Depth();
  return depth.ok() ? *depth : 0;
}

size_t JobService::queue_depth(std::string_view engine) const {
  size_t depth = parts_.dispatcher->waiting(engine);
  Result<std::map<std::string, size_t>> queued = parts_.jobs->CountQueuedByEngine();
  if (queued.ok()) {
    if (auto it = queued->find(std::string(engine)); it != queued->end()) depth += it->second;
  }
  return depth;
}

size_t JobService::running_count() const { return workers_ ? workers_->running() : 0; }

JobLog JobService::LogOf(const std::string& job_id) const {
  return JobLog(parts_.jobs, parts_.clock, job_id, options_.max_log_lines);
}

}  // namespace btr
