#include <catch2/catch.hpp>

#include "services/store/store.h"

namespace btr {
namespace {

TEST_CASE("job status names round-trip") {
  for (JobStatus s : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded,
                      JobStatus::kFailed, JobStatus::kCancelled}) {
    CHECK(ParseJobStatus(JobStatusName(s)) == s);
  }
  CHECK_FALSE(ParseJobStatus("done"));
  CHECK(IsTerminal(JobStatus::kCancelled));
  CHECK_FALSE(IsTerminal(JobStatus::kRunning));
  CHECK(RoleName(Role::kAdmin) == "admin");
}

}  // namespace
}  // namespace btr
