// JobLog: lines reach the store in order with the injected time; the line at the limit becomes
// a warning naming the setting, later lines are dropped and counted; long lines are cut.
#include "services/jobs/job_log.h"

#include <catch2/catch.hpp>

#include "services/store/sqlite_store.h"
#include "tests/test_util.h"

namespace btr {
namespace {

TEST_CASE("job log: in order, limited, long lines cut", "[jobs]") {
  testing::TempDir dir;
  std::unique_ptr<SqliteStore> store = std::move(SqliteStore::Open(dir.Path("b.db"))).value();
  JobRecord job;
  job.id = "bt_1";
  job.tenant = "t";
  job.spec_json = "{}";
  job.spec_hash = "h";
  job.engine_requested = "native";
  REQUIRE(store->CreateJob(job).ok());
  ManualClock clock(1000);
  JobLog log(store.get(), &clock, "bt_1", 4);
  log.Info("one");
  clock.Advance(5);
  log.Add("info", "lean_local", std::string(5000, 'x'));
  log.Warn("three");
  log.Info("four: the limit, replaced by the warning");
  log.Info("five");
  CHECK(log.dropped() == 1);

  Result<std::vector<JobLogEntry>> lines = store->ListJobLog("t", "bt_1", 0, 100);
  REQUIRE(lines.ok());
  REQUIRE(lines->size() == 4);
  CHECK((*lines)[0].message == "one");
  CHECK((*lines)[0].time == 1000);
  CHECK((*lines)[0].source == "btrouter");
  CHECK((*lines)[1].source == "lean_local");
  CHECK((*lines)[1].time == 1005);
  CHECK((*lines)[1].message.size() == 4096 + 4);
  CHECK((*lines)[1].message.substr(4096) == " ...");
  CHECK((*lines)[2].level == "warn");
  CHECK((*lines)[3].level == "warn");
  CHECK((*lines)[3].message ==
        "log limit of 4 lines reached (jobs.max_log_lines); later lines are dropped");

  // An unknown job: nothing written, nothing thrown.
  JobLog orphan(store.get(), &clock, "bt_none", 4);
  orphan.Info("lost");
  CHECK(store->ListJobLog("t", "bt_none", 0, 10).status().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace btr
