// JobStore: the source of truth of every job — its record, result and log — and of who runs it.
//
// Claims: a worker that takes a job from the queue first claims it (ClaimJob) for a lease; the
// claim's `epoch` fences every write the worker then makes (StartJob, SetJobRouting,
// UpdateProgress, FinishJob, RenewLease): a worker whose lease ran out and whose job was
// claimed again (epoch moved) is refused with FailedPrecondition, so a stale worker's late write
// never lands and a job is never finished twice. The holder renews its lease while it works.
// A job whose holder's lease ran out is claimable again: a queued one as it is, a running one as
// interrupted (back to queued, keeping engine_used and attempt so that its run can be asked
// about). RequeueExpired turns expired running claims into queued jobs for the dispatcher.
//
// Every read and write of tenant data is scoped by tenant: another tenant's id is NotFound.
// Times are TimeNs supplied by the caller (time is injected). Implementations are thread-safe
// and every method is atomic (one transaction).
// Errors: NotFound, AlreadyExists, FailedPrecondition (a state transition or claim that does not
// apply), InvalidArgument (empty ids), Internal or Unavailable (storage failure).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "services/store/store_types.h"

namespace btr {

// A job waiting to be dispatched (ListDispatchable).
struct DispatchableJob {
  std::string id;
  std::string tenant;
  std::string engine;  // engine_requested
  int priority = 1;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Inserts `job` (status queued). With an idempotency key already used by the tenant, inserts
  // nothing and returns the existing job instead (the caller compares spec_hash).
  virtual Result<JobRecord> CreateJob(const JobRecord& job) = 0;
  virtual Result<JobRecord> GetJob(std::string_view tenant, std::string_view id) = 0;
  virtual Result<JobPage> ListJobs(const JobQuery& query) = 0;

  // --- claims (the worker's side) ---
  // Claims the job for `owner` until `lease_until`: a queued job that no live lease holds, or a
  // running job whose lease ran out (it becomes queued again: an interrupted run). epoch += 1.
  // Returns the record as claimed. FailedPrecondition when the job is finished, or held by
  // another live lease; NotFound for an unknown id.
  virtual Result<JobRecord> ClaimJob(std::string_view id, std::string_view owner,
                                     TimeNs lease_until, TimeNs now) = 0;
  // Extends the claim to `lease_until`; answers whether a cancel was requested.
  // FailedPrecondition when the claim is lost (epoch moved) or the job finished.
  virtual Result<bool> RenewLease(std::string_view id, int64_t epoch, TimeNs lease_until,
                                  TimeNs now) = 0;
  // Gives the claim up without finishing (the worker stops): the job is claimable at once; a
  // running one becomes an interrupted run. FailedPrecondition when the claim is lost.
  virtual Status ReleaseJob(std::string_view id, int64_t epoch, TimeNs now) = 0;
  // queued -> running on `engine_used`, attempt += 1, under the claim. Returns the record.
  virtual Result<JobRecord> StartJob(std::string_view id, int64_t epoch,
                                     std::string_view engine_used, TimeNs now) = 0;
  // A running job's routing as the dispatcher changes it (a fallback): engine_used and
  // fallbacks_json ([{"from", "to", "reason"}]), under the claim.
  virtual Status SetJobRouting(std::string_view id, int64_t epoch, std::string_view engine_used,
                               std::string_view fallbacks_json, TimeNs now) = 0;
  // Running jobs under the claim only. An empty phase keeps the current one.
  virtual Status UpdateProgress(std::string_view id, int64_t epoch, double progress,
                                std::string_view phase, TimeNs now) = 0;
  // running -> terminal with the result, in one transaction, under the claim (the lease is
  // released). A success of a job whose cancel was requested ends cancelled, without the result
  // (the cancel was accepted first).
  virtual Status FinishJob(std::string_view id, int64_t epoch, JobStatus status,
                           const JobResult& result, std::string_view error_code,
                           std::string_view error_message, TimeNs now) = 0;

  // --- the API's side ---
  // Queued jobs become cancelled at once; running jobs get cancel_requested. Returns the
  // record. FailedPrecondition for a finished job.
  virtual Result<JobRecord> CancelJob(std::string_view tenant, std::string_view id, TimeNs now) = 0;
  // Deletes a finished job, its result and log. FailedPrecondition while queued or running.
  virtual Status DeleteJob(std::string_view tenant, std::string_view id) = 0;
  // FailedPrecondition while the job has no result (not finished yet).
  virtual Result<JobResult> GetResult(std::string_view tenant, std::string_view id) = 0;
  // Jobs queued or running for a tenant (the per-tenant concurrency limit).
  virtual Result<size_t> CountActiveJobs(std::string_view tenant) = 0;
  // Queued jobs by engine_requested (queue depth).
  virtual Result<std::map<std::string, size_t>> CountQueuedByEngine() = 0;

  // --- recovery and dispatch ---
  // The embedded mode's restart (one process owns every claim, and it died): every claim is
  // void; running jobs go back to queued (interrupted runs), except those with cancel_requested,
  // which become cancelled. Returns the queued jobs, oldest first.
  virtual Result<std::vector<JobRecord>> RecoverJobs(TimeNs now) = 0;
  // Running jobs whose lease ran out become queued (interrupted runs) or, with cancel_requested,
  // cancelled. Returns how many changed.
  virtual Result<size_t> RequeueExpired(TimeNs now) = 0;
  // Queued jobs no live lease holds, created before `created_before`, highest priority and
  // oldest first, at most `limit`: what the dispatcher makes sure the queue holds.
  virtual Result<std::vector<DispatchableJob>> ListDispatchable(TimeNs created_before, TimeNs now,
                                                                size_t limit) = 0;

  // --- logs ---
  // Appends lines to a job's log (their seq is ignored and assigned); NotFound for an unknown
  // job. Lines of a deleted job go with it.
  virtual Status AppendJobLog(std::string_view job_id, const std::vector<JobLogEntry>& lines) = 0;
  // The tenant's job's lines with seq > `after`, oldest first, at most `limit` (0 counts as 1);
  // NotFound when the job is not the tenant's.
  virtual Result<std::vector<JobLogEntry>> ListJobLog(std::string_view tenant,
                                                      std::string_view job_id, int64_t after,
                                                      size_t limit) = 0;
};

}  // namespace btr
