// StoreWrapper: a test-only Store that forwards every call to another Store, so a test can
// override one method to observe the order of calls or inject a failure (as leveldb's
// EnvWrapper does for the file system). Thread-safe as the wrapped store is.
#pragma once

#include "services/store/store.h"

namespace btr::testing {

class StoreWrapper : public Store {
 public:
  // `target` is not owned and must outlive the wrapper.
  explicit StoreWrapper(Store* target) : target_(target) {}
  Store* target() const { return target_; }

  Result<JobRecord> CreateJob(const JobRecord& job) override { return target_->CreateJob(job); }
  Result<JobRecord> GetJob(std::string_view tenant, std::string_view id) override {
    return target_->GetJob(tenant, id);
  }
  Result<JobPage> ListJobs(const JobQuery& query) override { return target_->ListJobs(query); }
  Result<JobRecord> ClaimJob(std::string_view id, std::string_view owner, TimeNs lease_until,
                             TimeNs now) override {
    return target_->ClaimJob(id, owner, lease_until, now);
  }
  Result<bool> RenewLease(std::string_view id, int64_t epoch, TimeNs lease_until,
                          TimeNs now) override {
    return target_->RenewLease(id, epoch, lease_until, now);
  }
  Status ReleaseJob(std::string_view id, int64_t epoch, TimeNs now) override {
    return target_->ReleaseJob(id, epoch, now);
  }
  Result<JobRecord> StartJob(std::string_view id, int64_t epoch, std::string_view engine_used,
                             TimeNs now) override {
    return target_->StartJob(id, epoch, engine_used, now);
  }
  Status SetJobRouting(std::string_view id, int64_t epoch, std::string_view engine_used,
                       std::string_view fallbacks_json, TimeNs now) override {
    return target_->SetJobRouting(id, epoch, engine_used, fallbacks_json, now);
  }
  Status UpdateProgress(std::string_view id, int64_t epoch, double progress, std::string_view phase,
                        TimeNs now) override {
    return target_->UpdateProgress(id, epoch, progress, phase, now);
  }
  Status FinishJob(std::string_view id, int64_t epoch, JobStatus status, const JobResult& result,
                   std::string_view error_code, std::string_view error_message,
                   TimeNs now) override {
    return target_->FinishJob(id, epoch, status, result, error_code, error_message, now);
  }
  Result<JobRecord> CancelJob(std::string_view tenant, std::string_view id, TimeNs now) override {
    return target_->CancelJob(tenant, id, now);
  }
  Status DeleteJob(std::string_view tenant, std::string_view id) override {
    return target_->DeleteJob(tenant, id);
  }
  Result<JobResult> GetResult(std::string_view tenant, std::string_view id) override {
    return target_->GetResult(tenant, id);
  }
  Result<std::vector<JobRecord>> RecoverJobs(TimeNs now) override {
    return target_->RecoverJobs(now);
  }
  Result<size_t> CountActiveJobs(std::string_view tenant) override {
    return target_->CountActiveJobs(tenant);
  }
  Result<std::map<std::string, size_t>> CountQueuedByEngine() override {
    return target_->CountQueuedByEngine();
  }
  Result<size_t> RequeueExpired(TimeNs now) override { return target_->RequeueExpired(now); }
  Result<std::vector<DispatchableJob>> ListDispatchable(TimeNs created_before, TimeNs now,
                                                        size_t limit) override {
    return target_->ListDispatchable(created_before, now, limit);
  }
  Status AppendJobLog(std::string_view job_id, const std::vector<JobLogEntry>& lines) override {
    return target_->AppendJobLog(job_id, lines);
  }
  Result<std::vector<JobLogEntry>> ListJobLog(std::string_view tenant, std::string_view job_id,
                                              int64_t after, size_t limit) override {
    return target_->ListJobLog(tenant, job_id, after, limit);
  }
  Status PutDataset(const DatasetRecord& dataset) override { return target_->PutDataset(dataset); }
  Result<DatasetRecord> CreateDataset(const DatasetRecord& dataset) override {
    return target_->CreateDataset(dataset);
  }
  Result<DatasetRecord> FindDataset(std::string_view tenant, std::string_view name,
                                    std::string_view sha256) override {
    return target_->FindDataset(tenant, name, sha256);
  }
  Result<DatasetRecord> GetDataset(std::string_view tenant, std::string_view id) override {
    return target_->GetDataset(tenant, id);
  }
  Result<DatasetRecord> DeleteDataset(std::string_view tenant, std::string_view id) override {
    return target_->DeleteDataset(tenant, id);
  }
  Result<std::vector<DatasetRecord>> ListDatasets(std::string_view tenant) override {
    return target_->ListDatasets(tenant);
  }
  Status PutDatasetBytes(const DatasetRecord& dataset, const std::string& file_path) override {
    return target_->PutDatasetBytes(dataset, file_path);
  }
  Result<std::string> LocalPath(const DatasetRecord& dataset,
                                const std::string& cache_dir) override {
    return target_->LocalPath(dataset, cache_dir);
  }
  Status CreateComparison(const ComparisonRecord& comparison) override {
    return target_->CreateComparison(comparison);
  }
  Result<ComparisonRecord> GetComparison(std::string_view tenant, std::string_view id) override {
    return target_->GetComparison(tenant, id);
  }
  Status FinishComparison(std::string_view id, std::string_view status,
                          std::string_view report_json, TimeNs now) override {
    return target_->FinishComparison(id, status, report_json, now);
  }
  Result<std::vector<ComparisonRecord>> ListRunningComparisons() override {
    return target_->ListRunningComparisons();
  }
  Result<ComparisonPage> ListComparisons(std::string_view tenant, std::string_view cursor,
                                         size_t limit) override {
    return target_->ListComparisons(tenant, cursor, limit);
  }
  Result<int64_t> CreateProject(const ProjectRecord& project) override {
    return target_->CreateProject(project);
  }
  Result<ProjectRecord> GetProject(std::string_view tenant, int64_t id) override {
    return target_->GetProject(tenant, id);
  }
  Result<std::vector<ProjectRecord>> ListProjects(std::string_view tenant) override {
    return target_->ListProjects(tenant);
  }
  Status SetProjectRuns(std::string_view tenant, int64_t id, std::string_view runs_json) override {
    return target_->SetProjectRuns(tenant, id, runs_json);
  }
  Status UpdateProject(const ProjectRecord& project) override {
    return target_->UpdateProject(project);
  }
  Status DeleteProject(std::string_view tenant, int64_t id) override {
    return target_->DeleteProject(tenant, id);
  }
  Status PutApiKey(const ApiKeyRecord& key) override { return target_->PutApiKey(key); }
  Result<ApiKeyRecord> GetApiKey(std::string_view id) override { return target_->GetApiKey(id); }
  Result<std::vector<ApiKeyRecord>> ListApiKeys() override { return target_->ListApiKeys(); }
  Status RevokeApiKey(std::string_view id, TimeNs now) override {
    return target_->RevokeApiKey(id, now);
  }
  Result<size_t> CountApiKeys() override { return target_->CountApiKeys(); }

 private:
  Store* const target_;
};

}  // namespace btr::testing
