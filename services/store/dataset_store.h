// DatasetStore: uploaded datasets, scoped by tenant. The embedded store keeps each dataset's
// file in the data directory (DatasetRecord::path); the distributed store keeps the bytes in
// the database so that workers on other machines need no shared disk, and materializes them in
// a local cache on first use (LocalPath).
// Thread-safe; every method is atomic. Errors as job_store.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "services/store/store_types.h"

namespace btr {

class DatasetStore {
 public:
  virtual ~DatasetStore() = default;

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

  // Keeps the bytes of the file at `file_path` (already validated, hashing to dataset.sha256)
  // for other machines. The embedded store keeps nothing more: the file stays where it is.
  virtual Status PutDatasetBytes(const DatasetRecord& dataset, const std::string& file_path) {
    (void)dataset;
    (void)file_path;
    return Status::Ok();
  }
  // A local file holding the dataset's bytes: the record's path in the embedded store; in the
  // distributed store a file under `cache_dir` named by the sha256, fetched once and checked.
  virtual Result<std::string> LocalPath(const DatasetRecord& dataset,
                                        const std::string& cache_dir) {
    (void)cache_dir;
    return dataset.path;
  }
};

}  // namespace btr
