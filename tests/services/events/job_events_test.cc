#include "services/events/job_events.h"

#include <catch2/catch.hpp>

namespace btr {
namespace {

JobRecord SomeJob() {
  JobRecord job;
  job.id = "bt_1";
  job.tenant = "alice";
  job.status = JobStatus::kRunning;
  job.progress = 0.25;
  job.phase = "running";
  job.spec_json = R"({"engine":"native"})";
  job.spec_hash = "abc";
  job.idempotency_key = "k";
  job.engine_requested = "auto";
  job.engine_used = "native";
  job.fallbacks_json = R"([{"from":"x","to":"native","reason":"r"}])";
  job.attempt = 2;
  job.cancel_requested = true;
  job.created_at = 1;
  job.updated_at = 2;
  job.started_at = 3;
  return job;
}

TEST_CASE("a job record survives the wire unchanged") {
  const JobRecord job = SomeJob();
  Result<JobRecord> back = JobRecordFromWire(JobRecordToWire(job));
  REQUIRE(back.ok());
  CHECK(back->id == job.id);
  CHECK(back->tenant == job.tenant);
  CHECK(back->status == job.status);
  CHECK(back->progress == job.progress);
  CHECK(back->spec_json == job.spec_json);
  CHECK(back->fallbacks_json == job.fallbacks_json);
  CHECK(back->attempt == 2);
  CHECK(back->cancel_requested);
  CHECK(back->started_at == 3);
  CHECK(back->finished_at == 0);
  CHECK(!JobRecordFromWire("{}").ok());
  CHECK(!JobRecordFromWire("not json").ok());
  CHECK(!JobRecordFromWire(R"({"id":"x","status":"nope"})").ok());
}

TEST_CASE("LocalJobEvents calls the listeners until they are removed") {
  LocalJobEvents events;
  std::vector<std::string> changes, cancels;
  const uint64_t a = events.OnChange([&](const JobRecord& job) { changes.push_back(job.id); });
  const uint64_t b = events.OnCancel([&](const std::string& id) { cancels.push_back(id); });
  events.PublishChange(SomeJob());
  events.PublishCancel("bt_9");
  CHECK(changes == std::vector<std::string>{"bt_1"});
  CHECK(cancels == std::vector<std::string>{"bt_9"});
  events.Remove(a);
  events.Remove(b);
  events.PublishChange(SomeJob());
  events.PublishCancel("bt_9");
  CHECK(changes.size() == 1);
  CHECK(cancels.size() == 1);
}

}  // namespace
}  // namespace btr
