// SqliteStore: the embedded Store (the default of `btrouter serve`): one SQLite database file
// holding jobs, their results, datasets and API keys. Semantics are those of store.h.
//
// Durability: WAL journal. Every write method that returned OK survives a kill -9 of the
//   process. Against a machine crash or power cut (as far as the disk honours fsync), writes are
//   of two kinds:
//   - synced (synchronous=FULL, one fsync each): everything a user or the recovery relies on:
//     CreateJob (a 202 means the job is on disk), FinishJob, CancelJob, DeleteJob, datasets,
//     comparisons, keys, RecoverJobs, RequeueExpired;
//   - redoable (synchronous=NORMAL, no fsync of their own): ClaimJob, RenewLease, ReleaseJob,
//     StartJob, SetJobRouting, UpdateProgress, AppendJobLog. The next synced write syncs them
//     with it. A machine crash may lose the last of them: the job then reverts to queued (or to
//     an earlier progress), which recovery redoes, and the newest log lines may be missing.
//   Each write is one BEGIN IMMEDIATE transaction; callers should still throttle UpdateProgress
//   (a few per second per job is plenty).
// Threads: thread-safe. Writes share one connection behind a mutex, so they are serialized;
//   reads (Get*, List*, Count*) use a second connection behind its own mutex, so they are not
//   held up by a write's fsync (a WAL reader sees the last committed state). Another process
//   may open the same file: the write lock is waited for up to 5 s (busy_timeout), then the
//   method fails with Internal "database is locked".
// Schema: versioned migrations (sqlite_schema.h) run by Open.
// Errors: a SQLite failure is Internal "<Method>: sqlite: <SQLite's message>"; empty ids or
//   tenants are InvalidArgument; see store.h for the rest. Nothing throws.
#pragma once

#include <memory>
#include <string>

#include "services/store/store.h"

namespace btr {

namespace sqlite {
class Connection;
}

class SqliteStore final : public Store {
 public:
  // Opens the database at `path`, creating the file and its parent folders when missing, and
  // migrates it to the current schema. The file, and the -wal and -shm files beside it, are
  // readable and writable by their owner only (0600, whatever the umask). ":memory:" gives a
  // private in-memory store (one connection, nothing durable; for tests). Errors:
  // FailedPrecondition when the file's schema is newer than this build knows; Internal when the
  // file cannot be created, opened or switched to WAL (e.g. a read-only folder or a file that is
  // not a database).
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // --- jobs ---
  // The record is stored with status queued (whatever job.status says), no claim, phase
  // "queued" when empty and updated_at = created_at when 0. A duplicate id is AlreadyExists.
  Result<JobRecord> CreateJob(const JobRecord& job) override;
  Result<JobRecord> GetJob(std::string_view tenant, std::string_view id) override;
  // InvalidArgument for a cursor that did not come from ListJobs. A limit of 0 counts as 1.
  Result<JobPage> ListJobs(const JobQuery& query) override;
  // Claims and the claim holder's writes, recovery and dispatch: sqlite_store_claims.cc.
  Result<JobRecord> ClaimJob(std::string_view id, std::string_view owner, TimeNs lease_until,
                             TimeNs now) override;
  Result<bool> RenewLease(std::string_view id, int64_t epoch, TimeNs lease_until,
                          TimeNs now) override;
  Status ReleaseJob(std::string_view id, int64_t epoch, TimeNs now) override;
  Result<JobRecord> StartJob(std::string_view id, int64_t epoch, std::string_view engine_used,
                             TimeNs now) override;
  Status SetJobRouting(std::string_view id, int64_t epoch, std::string_view engine_used,
                       std::string_view fallbacks_json, TimeNs now) override;
  // Progress is clamped to 0..1 and an empty phase keeps the current one.
  Status UpdateProgress(std::string_view id, int64_t epoch, double progress, std::string_view phase,
                        TimeNs now) override;
  // Sets phase to the status name and progress to 1 for succeeded (kept otherwise); the result
  // row is stored for every terminal status. InvalidArgument for a non-terminal `status`.
  Status FinishJob(std::string_view id, int64_t epoch, JobStatus status, const JobResult& result,
                   std::string_view error_code, std::string_view error_message,
                   TimeNs now) override;
  Result<JobRecord> CancelJob(std::string_view tenant, std::string_view id, TimeNs now) override;
  Status DeleteJob(std::string_view tenant, std::string_view id) override;
  // FailedPrecondition while the job has no result (not finished yet).
  Result<JobResult> GetResult(std::string_view tenant, std::string_view id) override;
  Result<std::vector<JobRecord>> RecoverJobs(TimeNs now) override;
  Result<size_t> RequeueExpired(TimeNs now) override;
  Result<std::vector<DispatchableJob>> ListDispatchable(TimeNs created_before, TimeNs now,
                                                        size_t limit) override;
  Result<size_t> CountActiveJobs(std::string_view tenant) override;
  Result<std::map<std::string, size_t>> CountQueuedByEngine() override;

  // --- job logs (sqlite_store_logs.cc) ---
  Status AppendJobLog(std::string_view job_id, const std::vector<JobLogEntry>& lines) override;
  Result<std::vector<JobLogEntry>> ListJobLog(std::string_view tenant, std::string_view job_id,
                                              int64_t after, size_t limit) override;

  // --- datasets (sqlite_store_catalog.cc) ---
  // Inserts, or replaces the tenant's own dataset with this id (created_at kept).
  // AlreadyExists when the id belongs to another tenant. Listing is newest first.
  Status PutDataset(const DatasetRecord& dataset) override;
  Result<DatasetRecord> CreateDataset(const DatasetRecord& dataset) override;
  Result<DatasetRecord> FindDataset(std::string_view tenant, std::string_view name,
                                    std::string_view sha256) override;
  Result<DatasetRecord> GetDataset(std::string_view tenant, std::string_view id) override;
  Result<std::vector<DatasetRecord>> ListDatasets(std::string_view tenant) override;
  // A job uses a dataset when its stored spec names it ("dataset" of spec_json).
  Result<DatasetRecord> DeleteDataset(std::string_view tenant, std::string_view id) override;

  // --- comparisons (sqlite_store_comparisons.cc) ---
  Status CreateComparison(const ComparisonRecord& comparison) override;
  Result<ComparisonRecord> GetComparison(std::string_view tenant, std::string_view id) override;
  Status FinishComparison(std::string_view id, std::string_view status,
                          std::string_view report_json, TimeNs now) override;
  Result<std::vector<ComparisonRecord>> ListRunningComparisons() override;
  Result<ComparisonPage> ListComparisons(std::string_view tenant, std::string_view cursor,
                                         size_t limit) override;

  // --- projects (sqlite_store_projects.cc) ---
  Result<int64_t> CreateProject(const ProjectRecord& project) override;
  Result<ProjectRecord> GetProject(std::string_view tenant, int64_t id) override;
  Result<std::vector<ProjectRecord>> ListProjects(std::string_view tenant) override;
  Status UpdateProject(const ProjectRecord& project) override;
  Status SetProjectRuns(std::string_view tenant, int64_t id, std::string_view runs_json) override;
  Status DeleteProject(std::string_view tenant, int64_t id) override;

  // --- API keys ---
  // Insert only: AlreadyExists for a used id (a key's hash is never overwritten).
  Status PutApiKey(const ApiKeyRecord& key) override;
  Result<ApiKeyRecord> GetApiKey(std::string_view id) override;
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override;  // oldest first
  // NotFound for an unknown id; revoking a revoked key keeps the first revoked_at.
  Status RevokeApiKey(std::string_view id, TimeNs now) override;
  Result<size_t> CountApiKeys() override;  // revoked keys included

  // --- maintenance ---
  // PRAGMA integrity_check: OK, or Internal with SQLite's report.
  Status CheckIntegrity();
  // The schema version this build writes.
  static int SchemaVersion();

 private:
  SqliteStore(std::unique_ptr<sqlite::Connection> writer,
              std::unique_ptr<sqlite::Connection> reader);
  sqlite::Connection* reader() { return reader_ ? reader_.get() : writer_.get(); }

  std::unique_ptr<sqlite::Connection> writer_;
  std::unique_ptr<sqlite::Connection> reader_;  // null for ":memory:" (reads use writer_)
};

}  // namespace btr
