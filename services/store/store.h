// Store: the durable state of btrouter — jobs, their results, datasets and API keys — behind
// one interface, so the embedded SQLite store and the distributed PostgreSQL store are
// interchangeable (services/store/sqlite_store.h is the embedded default).
//
// Every read and write of tenant data is scoped by tenant: another tenant's id is NotFound.
// Times are TimeNs (engines/core/time.h) supplied by the caller (time is injected).
// Implementations are thread-safe; every method is atomic (one transaction).
// Errors: NotFound, AlreadyExists, FailedPrecondition (a state transition that does not apply),
// Internal (storage failure, with the storage's message).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "engines/core/time.h"

namespace btr {

enum class JobStatus { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
std::string_view JobStatusName(JobStatus s);  // "queued", "running", ...
std::optional<JobStatus> ParseJobStatus(std::string_view name);
inline bool IsTerminal(JobStatus s) {
  return s == JobStatus::kSucceeded || s == JobStatus::kFailed || s == JobStatus::kCancelled;
}

struct JobRecord {
  std::string id;
  std::string tenant;
  JobStatus status = JobStatus::kQueued;
  double progress = 0;  // 0..1
  std::string phase;    // "queued", "running", "metrics", ...
  std::string spec_json;
  std::string spec_hash;        // sha256 of the canonical spec (idempotency)
  std::string idempotency_key;  // empty when none was given
  std::string engine_requested;
  std::string engine_used;  // empty until an engine accepted the job
  std::string fallbacks_json = "[]";
  std::string error_code;  // StatusCodeName, for failed jobs
  std::string error_message;
  int attempt = 0;  // incremented by every StartJob (fencing for FinishJob)
  bool cancel_requested = false;
  TimeNs created_at = 0, updated_at = 0, started_at = 0, finished_at = 0;  // 0 = not yet
};

struct JobQuery {
  std::string tenant;
  std::optional<JobStatus> status;  // filter
  std::string engine;               // filter on engine_requested; empty = any
  std::string cursor;               // opaque, from the previous page; empty = newest first
  size_t limit = 50;
};

struct JobPage {
  std::vector<JobRecord> jobs;  // newest first
  std::string next_cursor;      // empty when there is no further page
};

// What FinishJob stores with a terminal status (empty for failed and cancelled jobs).
struct JobResult {
  std::string result_json;  // {"metrics", "native", "trades", "open_trades", ...}
  std::string equity;       // equity curve: raw little-endian doubles, one per bar
};

// One line of a job's log.
struct JobLogEntry {
  int64_t seq = 0;  // set by the store: increasing, unique across jobs
  TimeNs time = 0;
  std::string level;   // "info", "warn", "error"
  std::string source;  // "btrouter", or the engine that wrote the line
  std::string message;
};

struct DatasetRecord {
  std::string id;
  std::string tenant;
  std::string name;
  std::string sha256;
  std::string path;  // where the CSV lives in the data directory
  uint64_t bars = 0;
  uint64_t bytes = 0;
  TimeNs first_time = 0, last_time = 0;
  TimeNs created_at = 0;
};

// A comparison of one spec on several engines (docs/comparisons.md). Its runs are ordinary
// jobs; the record holds the request, which job each run became, and the finished report.
struct ComparisonRecord {
  std::string id;
  std::string tenant;
  std::string status = "running";  // "running", "succeeded", "failed"
  std::string request_json;        // the POST /v1/comparisons body as given
  std::string runs_json;           // [{"label", "engine", "overrides", "backtest_id", ...}]
  std::string report_json;         // empty until the comparison finished
  TimeNs created_at = 0, updated_at = 0, finished_at = 0;  // 0 = not yet
};

struct ComparisonPage {
  std::vector<ComparisonRecord> comparisons;  // newest first, report_json left empty
  std::string next_cursor;                    // empty when there is no further page
};

enum class Role { kUser, kAdmin };
std::string_view RoleName(Role r);  // "user", "admin"

struct ApiKeyRecord {
  std::string id;  // public key id (looked up), not secret
  std::string tenant;
  Role role = Role::kUser;
  std::string secret_hash;  // hex sha256 of the secret part; the secret is never stored
  TimeNs created_at = 0;
  TimeNs revoked_at = 0;  // 0 = active
};

class Store {
 public:
  virtual ~Store() = default;

  // --- jobs ---
  // Inserts `job` (status queued). With an idempotency key already used by the tenant, inserts
  // nothing and returns the existing job instead (the caller compares spec_hash).
  virtual Result<JobRecord> CreateJob(const JobRecord& job) = 0;
  virtual Result<JobRecord> GetJob(std::string_view tenant, std::string_view id) = 0;
  virtual Result<JobPage> ListJobs(const JobQuery& query) = 0;
  // queued -> running, attempt += 1, engine_used set; FailedPrecondition if the job is not
  // queued (cancelled or deleted meanwhile). Returns the updated record.
  virtual Result<JobRecord> StartJob(std::string_view id, std::string_view engine_used,
                                     TimeNs now) = 0;
  // A running job's routing as the router changes it (a fallback to another engine): sets
  // engine_used and fallbacks_json (a JSON array of {"from", "to", "reason"}), only while the job
  // is running with this attempt. FailedPrecondition otherwise.
  virtual Status SetJobRouting(std::string_view id, int attempt, std::string_view engine_used,
                               std::string_view fallbacks_json, TimeNs now) = 0;
  // Running jobs only (FailedPrecondition otherwise). An empty phase keeps the current one.
  virtual Status UpdateProgress(std::string_view id, double progress, std::string_view phase,
                                TimeNs now) = 0;
  // running -> terminal, storing the result in the same transaction, only if the job is still
  // running with this attempt. A success of a job whose cancel was requested ends cancelled,
  // without the result (the cancel was accepted first). Otherwise as follows:
  // running -> terminal,
  // running with this attempt (so a job is never finished twice). FailedPrecondition otherwise.
  virtual Status FinishJob(std::string_view id, int attempt, JobStatus status,
                           const JobResult& result, std::string_view error_code,
                           std::string_view error_message, TimeNs now) = 0;
  // Queued jobs become cancelled at once; running jobs get cancel_requested. Returns the record.
  // FailedPrecondition for a finished job.
  virtual Result<JobRecord> CancelJob(std::string_view tenant, std::string_view id, TimeNs now) = 0;
  // Deletes a finished job and its result. FailedPrecondition while queued or running.
  virtual Status DeleteJob(std::string_view tenant, std::string_view id) = 0;
  // FailedPrecondition while the job has no result (not finished yet).
  virtual Result<JobResult> GetResult(std::string_view tenant, std::string_view id) = 0;
  // After a restart: running jobs go back to queued (their attempt stays, so a late FinishJob
  // of the dead attempt fails), except those with cancel_requested, which become cancelled;
  // returns every queued job, oldest first.
  virtual Result<std::vector<JobRecord>> RecoverJobs(TimeNs now) = 0;
  // Jobs queued or running for a tenant (the per-tenant concurrency limit).
  virtual Result<size_t> CountActiveJobs(std::string_view tenant) = 0;

  // --- job logs ---
  // Appends lines to a job's log (their seq is ignored and assigned); NotFound for an unknown
  // job. Lines of a deleted job go with it.
  virtual Status AppendJobLog(std::string_view job_id, const std::vector<JobLogEntry>& lines) = 0;
  // The tenant's job's lines with seq > `after`, oldest first, at most `limit` (0 counts as 1);
  // NotFound when the job is not the tenant's.
  virtual Result<std::vector<JobLogEntry>> ListJobLog(std::string_view tenant,
                                                      std::string_view job_id, int64_t after,
                                                      size_t limit) = 0;

  // --- datasets ---
  // Inserts, or replaces the tenant's own dataset with that id; AlreadyExists when the id is
  // another tenant's.
  virtual Status PutDataset(const DatasetRecord& dataset) = 0;
  // Inserts `dataset` unless the tenant already has one with the same name and sha256: then
  // nothing is inserted and that dataset is returned (the caller compares ids). AlreadyExists
  // when the id is taken.
  virtual Result<DatasetRecord> CreateDataset(const DatasetRecord& dataset) = 0;
  // The tenant's dataset named `name` whose content hashes to `sha256`; NotFound when none.
  virtual Result<DatasetRecord> FindDataset(std::string_view tenant, std::string_view name,
                                            std::string_view sha256) = 0;
  virtual Result<DatasetRecord> GetDataset(std::string_view tenant, std::string_view id) = 0;
  virtual Result<std::vector<DatasetRecord>> ListDatasets(std::string_view tenant) = 0;
  // Deletes the tenant's dataset record and returns it (the caller removes its file).
  // NotFound for an unknown id or another tenant's; FailedPrecondition, naming the job, while a
  // queued or running job of the tenant uses it.
  virtual Result<DatasetRecord> DeleteDataset(std::string_view tenant, std::string_view id) = 0;

  // --- comparisons ---
  // Inserts (status running); AlreadyExists for a used id.
  virtual Status CreateComparison(const ComparisonRecord& comparison) = 0;
  virtual Result<ComparisonRecord> GetComparison(std::string_view tenant, std::string_view id) = 0;
  // running -> `status` ("succeeded" or "failed") with the report, in one transaction;
  // FailedPrecondition when the comparison is not running (finished by another process).
  virtual Status FinishComparison(std::string_view id, std::string_view status,
                                  std::string_view report_json, TimeNs now) = 0;
  // Every tenant's running comparisons, oldest first, without reports (to resume after a
  // restart).
  virtual Result<std::vector<ComparisonRecord>> ListRunningComparisons() = 0;
  // The tenant's comparisons, newest first, `limit` per page (0 counts as 1); `cursor` from the
  // previous page ("" for the first). InvalidArgument for a cursor that did not come from here.
  virtual Result<ComparisonPage> ListComparisons(std::string_view tenant, std::string_view cursor,
                                                 size_t limit) = 0;

  // --- API keys ---
  // Inserts; AlreadyExists when the id is used (a key is never overwritten).
  virtual Status PutApiKey(const ApiKeyRecord& key) = 0;
  virtual Result<ApiKeyRecord> GetApiKey(std::string_view id) = 0;  // revoked keys included
  virtual Result<std::vector<ApiKeyRecord>> ListApiKeys() = 0;
  // NotFound for an unknown id; revoking again keeps the first revoked_at.
  virtual Status RevokeApiKey(std::string_view id, TimeNs now) = 0;
  virtual Result<size_t> CountApiKeys() = 0;  // revoked keys included
};

using StorePtr = std::unique_ptr<Store>;

}  // namespace btr
