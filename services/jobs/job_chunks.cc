// JobWorkers::ChunkHost: the SweepChunkHost (services/jobs/sweep_job.h) of a sweep this process
// runs: chunk jobs created in the JobStore under the parent's tenant and queued like submits,
// and run inline by the parent's thread when no worker has claimed them.
#include <nlohmann/json.hpp>

#include "engines/spec_json.h"
#include "services/jobs/job_log.h"
#include "services/jobs/job_workers.h"

namespace btr {

class JobWorkers::ChunkHost final : public SweepChunkHost {
 public:
  ChunkHost(JobWorkers* workers, const JobRecord& parent) : w_(workers), parent_(parent) {}

  size_t chunk_trials() const override { return w_->options_.sweep_chunk_trials; }

  Result<std::string> CreateChunk(const BacktestSpec& spec, const std::string& key) override {
    const JobWorkerParts& parts = w_->parts_;
    JobRecord job;
    job.id = key;  // "<parent>_c<i>": unique, and the same when the parent runs again
    job.tenant = parent_.tenant;
    job.status = JobStatus::kQueued;
    job.phase = "queued";
    job.spec_json = SpecToJson(spec).dump();
    job.spec_hash = SpecHash(spec);
    job.idempotency_key = key;
    job.engine_requested = spec.engine;
    job.priority = parent_.priority;
    job.created_at = job.updated_at = parts.clock->Now();
    Result<JobRecord> stored = parts.jobs->CreateJob(job);
    if (!stored.ok()) return stored.status();
    if (stored->id == job.id && stored->status == JobStatus::kQueued) {
      // Queued (again): a lost entry is re-enqueued by the dispatch reconciler anyway.
      (void)parts.queue->Enqueue({stored->id, stored->tenant, stored->engine_requested,
                                  static_cast<JobPriority>(stored->priority)});
      parts.events->PublishChange(*stored);
    }
    return stored->id;
  }

  bool RunChunkHere(const std::string& id) override {
    const JobWorkerParts& parts = w_->parts_;
    Result<JobRecord> job = parts.jobs->GetJob(parent_.tenant, id);
    if (!job.ok() || job->status != JobStatus::kQueued) return false;
    const TimeNs now = parts.clock->Now();
    Result<JobRecord> claimed =
        parts.jobs->ClaimJob(id, w_->options_.owner, now + std::chrono::nanoseconds(w_->options_.lease).count(), now);
    if (!claimed.ok()) return false;
    ++w_->claimed_;
    w_->Run(*claimed, Delivery{});  // its queue entry is skipped by whoever takes it later
    return true;
  }

  Result<JobRecord> GetChunk(const std::string& id) override {
    return w_->parts_.jobs->GetJob(parent_.tenant, id);
  }

  Result<std::string> ChunkResult(const std::string& id) override {
    Result<JobResult> result = w_->parts_.jobs->GetResult(parent_.tenant, id);
    if (!result.ok()) return result.status();
    return std::move(result->result_json);
  }

  void CancelChunk(const std::string& id) override {
    const JobWorkerParts& parts = w_->parts_;
    Result<JobRecord> job = parts.jobs->CancelJob(parent_.tenant, id, parts.clock->Now());
    if (!job.ok()) return;  // ended already
    if (job->status == JobStatus::kRunning) parts.events->PublishCancel(job->id);
    parts.events->PublishChange(*job);
  }

 private:
  JobWorkers* w_;
  const JobRecord& parent_;
};

DispatchOutcome JobWorkers::RunSweep(const JobRecord& claimed, const BacktestSpec& spec,
                                     JobRunControl& control, DispatchListener& listener,
                                     std::string* report) {
  ChunkHost host(this, claimed);
  return RunSweepJob(spec, claimed.id, parts_.dispatcher->engines(), &host, control, listener,
                     report);
}

}  // namespace btr
