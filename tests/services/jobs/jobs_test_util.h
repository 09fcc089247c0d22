// Helpers shared by the job service tests. Test-only: failures are Catch2 REQUIREs.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "engines/data/gbm_generator.h"
#include "services/jobs/job_service.h"
#include "services/store/store.h"
#include "tests/test_util.h"

namespace btr::testing {

// Writes 3000 synthetic bars into `dir` and registers them as dataset `id` of `tenant`.
// Returns the record (callers may register it again under other ids or tenants).
inline DatasetRecord PutGbmDataset(Store& store, const TempDir& dir,
                                   const std::string& tenant = "alice",
                                   const std::string& id = "ds_1") {
  const std::string path = dir.Path("bars.csv");
  REQUIRE(WriteBarsCsv(GenerateGbmBars(3000), path).ok());
  DatasetRecord d;
  d.id = id;
  d.tenant = tenant;
  d.name = "gbm";
  d.sha256 = "x";
  d.path = path;
  d.bars = 3000;
  REQUIRE(store.PutDataset(d).ok());
  return d;
}

// Long-polls `tenant`'s job `id` until it ends (a minute or two at most); the final record.
inline JobRecord WaitTerminal(JobService& service, const Clock& clock, const std::string& id,
                              const std::string& tenant = "alice") {
  for (int k = 0; k < 2400; ++k) {
    Result<JobRecord> job =
        service.WaitForChange(tenant, id, clock.Now() + 1, std::chrono::milliseconds(50));
    REQUIRE(job.ok());
    if (IsTerminal(job->status)) return *job;
  }
  FAIL("job " << id << " did not end");
  return {};
}

}  // namespace btr::testing
