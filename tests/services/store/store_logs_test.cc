// Job logs of every Store, on both backends (store_under_test.h): lines appended to a job, read
// back by tenant in order after a seq, paged, refused for unknown jobs, and deleted with their
// job.
#include <catch2/catch.hpp>

#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

using testing::ClaimAndStart;

JobLogEntry Line(TimeNs time, const std::string& level, const std::string& message) {
  JobLogEntry line;
  line.time = time;
  line.level = level;
  line.source = "btrouter";
  line.message = message;
  return line;
}

TEST_CASE("job logs: append, read after a seq by tenant, delete with the job", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(testing::MakeJob("bt_a", "t1")).ok());
  REQUIRE(store->CreateJob(testing::MakeJob("bt_b", "t1")).ok());
  REQUIRE(store->AppendJobLog("bt_a", {Line(1, "info", "one"), Line(2, "warn", "two")}).ok());
  REQUIRE(store->AppendJobLog("bt_b", {Line(3, "info", "other job")}).ok());
  REQUIRE(store->AppendJobLog("bt_a", {Line(4, "error", "three")}).ok());
  CHECK(store->AppendJobLog("bt_none", {Line(5, "info", "x")}).code() == StatusCode::kNotFound);

  Result<std::vector<JobLogEntry>> all = store->ListJobLog("t1", "bt_a", 0, 100);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].message == "one");
  CHECK((*all)[1].level == "warn");
  CHECK((*all)[2].message == "three");
  CHECK((*all)[2].time == 4);
  CHECK((*all)[0].seq < (*all)[1].seq);
  CHECK((*all)[1].seq < (*all)[2].seq);

  // Paging: after the first line's seq, one at a time.
  Result<std::vector<JobLogEntry>> page = store->ListJobLog("t1", "bt_a", (*all)[0].seq, 1);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 1);
  CHECK((*page)[0].message == "two");
  CHECK(store->ListJobLog("t1", "bt_a", (*all)[2].seq, 10)->empty());

  CHECK(store->ListJobLog("t2", "bt_a", 0, 10).status().code() == StatusCode::kNotFound);
  CHECK(store->ListJobLog("t1", "bt_none", 0, 10).status().code() == StatusCode::kNotFound);

  // Deleting a finished job deletes its lines.
  REQUIRE(ClaimAndStart(*store, "bt_a", "native", 10).ok());
  REQUIRE(store->FinishJob("bt_a", 1, JobStatus::kFailed, {}, "internal", "x", 11).ok());
  REQUIRE(store->DeleteJob("t1", "bt_a").ok());
  CHECK(store.Sql("SELECT COUNT(*) FROM job_logs WHERE job_id = 'bt_a'") == "0");
  CHECK(store->ListJobLog("t1", "bt_b", 0, 10)->size() == 1);
}

}  // namespace
}  // namespace btr
