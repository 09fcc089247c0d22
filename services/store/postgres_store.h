// PostgresStore: the distributed mode's Store, on PostgreSQL 15 (docs/distributed.md). Every
// API and worker process opens one on the same database; the semantics, and the messages, are
// those of store.h as SqliteStore has them, so the two are interchangeable.
//
// Concurrency: every method is one statement where it can be (UPDATE ... RETURNING, INSERT ...
// ON CONFLICT), or one transaction. Claims and the claim holder's writes are single
// conditional UPDATEs on the job's row, so among any number of processes racing for a job
// exactly one claim wins, and a write under a lost claim changes nothing.
// Durability: what a method returned OK for is committed (with the server's synchronous_commit).
// Connections: a pool of `pool_size` (PgPool, services/pg/pg_client.h); a method holds one for
//   its statement or transaction. Connections the server closed (a restart) are replaced, so
//   the store works again once the server is back, without reopening it.
// Schema: versioned migrations (postgres_schema.h) run by Open.
// Text: PostgreSQL text holds UTF-8 without NUL bytes; text that is not (an engine's log line,
//   say) is stored with U+FFFD in place of each byte that does not fit.
// Errors: as store.h. A server that cannot be reached is Unavailable "the database is
//   unavailable (<Method>): ..."; any other server failure is Internal "<Method>: postgres:
//   ...". No message holds the URL's password. Nothing throws.
// Threads: thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "services/store/store.h"

namespace btr {

class PgPool;

struct PostgresStoreOptions {
  // Connections at most, shared by all callers; a call waits up to connect_timeout for one.
  // Default 16.
  size_t pool_size = 16;
  // How long a connection attempt, or a wait for a pooled connection, may take. Default 5 s.
  std::chrono::seconds connect_timeout{5};
};

class PostgresStore final : public Store {
 public:
  // Connects to `url` (a libpq URI or connection string) and migrates the database to the
  // current schema; several processes may do so at once (the migration takes an advisory lock).
  // Errors: InvalidArgument for an empty url; Unavailable when the server cannot be reached;
  // FailedPrecondition when the database's schema is newer than this build knows; Internal when
  // a migration fails (nothing of that step is applied).
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url,
                                                     PostgresStoreOptions options = {});
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // The schema version this build writes.
  static int SchemaVersion();

  // --- jobs (postgres_store_jobs.cc) ---
  // As SqliteStore: stored queued, unclaimed, phase "queued" when empty, updated_at =
  // created_at when 0; AlreadyExists for a used id.
  Result<JobRecord> CreateJob(const JobRecord& job) override;
  Result<JobRecord> GetJob(std::string_view tenant, std::string_view id) override;
  Result<JobPage> ListJobs(const JobQuery& query) override;
  Result<JobRecord> CancelJob(std::string_view tenant, std::string_view id, TimeNs now) override;
  Status DeleteJob(std::string_view tenant, std::string_view id) override;
  Result<JobResult> GetResult(std::string_view tenant, std::string_view id) override;
  Result<size_t> CountActiveJobs(std::string_view tenant) override;
  Result<std::map<std::string, size_t>> CountQueuedByEngine() override;

  // --- claims, recovery and dispatch (postgres_store_claims.cc) ---
  Result<JobRecord> ClaimJob(std::string_view id, std::string_view owner, TimeNs lease_until,
                             TimeNs now) override;
  Result<bool> RenewLease(std::string_view id, int64_t epoch, TimeNs lease_until,
                          TimeNs now) override;
  Status ReleaseJob(std::string_view id, int64_t epoch, TimeNs now) override;
  Result<JobRecord> StartJob(std::string_view id, int64_t epoch, std::string_view engine_used,
                             TimeNs now) override;
  Status SetJobRouting(std::string_view id, int64_t epoch, std::string_view engine_used,
                       std::string_view fallbacks_json, TimeNs now) override;
  // Progress is clamped to 0..1; an empty phase keeps the current one.
  Status UpdateProgress(std::string_view id, int64_t epoch, double progress, std::string_view phase,
                        TimeNs now) override;
  // Phase becomes the status name, progress 1 for succeeded; the result row is stored for
  // every terminal status, in the same statement. InvalidArgument for a non-terminal status.
  Status FinishJob(std::string_view id, int64_t epoch, JobStatus status, const JobResult& result,
                   std::string_view error_code, std::string_view error_message,
                   TimeNs now) override;
  Result<std::vector<JobRecord>> RecoverJobs(TimeNs now) override;
  Result<size_t> RequeueExpired(TimeNs now) override;
  Result<std::vector<DispatchableJob>> ListDispatchable(TimeNs created_before, TimeNs now,
                                                        size_t limit) override;

  // --- job logs (postgres_store_logs.cc) ---
  // seq comes from a sequence: increasing in the order lines are inserted. Lines appended to
  // one job at the same moment by two processes may commit out of seq order; each job's lines
  // come from the one process that holds its claim, so a follower reading after a seq misses
  // nothing in practice.
  Status AppendJobLog(std::string_view job_id, const std::vector<JobLogEntry>& lines) override;
  Result<std::vector<JobLogEntry>> ListJobLog(std::string_view tenant, std::string_view job_id,
                                              int64_t after, size_t limit) override;

  // --- datasets (postgres_store_datasets.cc) ---
  Status PutDataset(const DatasetRecord& dataset) override;
  Result<DatasetRecord> CreateDataset(const DatasetRecord& dataset) override;
  Result<DatasetRecord> FindDataset(std::string_view tenant, std::string_view name,
                                    std::string_view sha256) override;
  Result<DatasetRecord> GetDataset(std::string_view tenant, std::string_view id) override;
  Result<std::vector<DatasetRecord>> ListDatasets(std::string_view tenant) override;
  // Also drops the stored bytes of its sha256 when no dataset (of any tenant) has them any more.
  Result<DatasetRecord> DeleteDataset(std::string_view tenant, std::string_view id) override;

  // --- dataset bytes (postgres_store_dataset_bytes.cc) ---
  // Stores the file's bytes in the database (table dataset_chunks, 4 MiB a row), read from the
  // file a chunk at a time; one copy per sha256, shared by every dataset with those bytes
  // (nothing is written when they are there already: one lookup). Call it once the dataset's
  // record is stored (CreateDataset, PutDataset): bytes no record names may be dropped by a
  // DeleteDataset running meanwhile. Call it also when CreateDataset answered with an existing
  // dataset, so that an upload interrupted between the record and its bytes is completed.
  // Errors: NotFound or InvalidArgument when the file cannot be read; InvalidArgument when its
  // bytes do not hash to dataset.sha256 (nothing is stored).
  Status PutDatasetBytes(const DatasetRecord& dataset, const std::string& file_path) override;
  // <cache_dir>/datasets/<sha256>.csv (the folder 0700, the file 0600), fetched from the
  // database the first time: written to a temporary file beside it, checked against the
  // record's sha256, then renamed into place, so processes that fetch it at once are safe. A file
  // already there with the record's size is used as it is. Errors: InvalidArgument for an empty
  // cache_dir; NotFound when the database has no bytes for the sha256; Internal when the bytes
  // fetched do not hash to it or the file cannot be written.
  Result<std::string> LocalPath(const DatasetRecord& dataset,
                                const std::string& cache_dir) override;

  // --- comparisons (postgres_store_comparisons.cc) ---
  Status CreateComparison(const ComparisonRecord& comparison) override;
  Result<ComparisonRecord> GetComparison(std::string_view tenant, std::string_view id) override;
  Status FinishComparison(std::string_view id, std::string_view status,
                          std::string_view report_json, TimeNs now) override;
  Result<std::vector<ComparisonRecord>> ListRunningComparisons() override;
  Result<ComparisonPage> ListComparisons(std::string_view tenant, std::string_view cursor,
                                         size_t limit) override;

  // --- projects (postgres_store_projects.cc) ---
  // Ids come from an identity column: increasing, never given again after a delete, but not
  // gapless (an insert refused for a taken name uses one up).
  Result<int64_t> CreateProject(const ProjectRecord& project) override;
  Result<ProjectRecord> GetProject(std::string_view tenant, int64_t id) override;
  Result<std::vector<ProjectRecord>> ListProjects(std::string_view tenant) override;
  Status UpdateProject(const ProjectRecord& project) override;
  Status SetProjectRuns(std::string_view tenant, int64_t id, std::string_view runs_json) override;
  Status DeleteProject(std::string_view tenant, int64_t id) override;

  // --- API keys (postgres_store_keys.cc) ---
  Status PutApiKey(const ApiKeyRecord& key) override;
  Result<ApiKeyRecord> GetApiKey(std::string_view id) override;
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override;  // oldest first
  Status RevokeApiKey(std::string_view id, TimeNs now) override;
  Result<size_t> CountApiKeys() override;

 private:
  explicit PostgresStore(std::unique_ptr<PgPool> pool);

  std::unique_ptr<PgPool> pool_;
};

}  // namespace btr
