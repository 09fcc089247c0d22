// RedisJobEvents against a real redis-server on loopback: two objects stand for two processes.
#include "services/events/redis_job_events.h"

#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "tests/support/local_servers.h"

namespace btr {
namespace {

using std::chrono::milliseconds;
using testing::LocalRedis;

// Keeps the lines written, for counting.
class CapturingSink final : public LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(line);
  }
  int Count(std::string_view text) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const std::string& line : lines_) n += line.find(text) != std::string::npos;
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// What a listener received, from the subscriber's thread.
class Received {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(what);
  }
  std::vector<std::string> items() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_;
  }
  size_t size() { return items().size(); }

 private:
  std::mutex mu_;
  std::vector<std::string> items_;
};

// Polls `done` for up to 10 s.
template <typename Predicate>
bool Eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

struct Process {
  explicit Process(const LocalRedis& redis, std::string prefix = "btr")
      : logger(LogLevel::kDebug, LogFormat::kJson, sink) {
    RedisJobEventsOptions options;
    options.url = *RedisUrl::Parse(redis.url());
    options.redis.command_timeout = milliseconds(500);
    options.key_prefix = std::move(prefix);
    options.reconnect_min = milliseconds(10);
    options.reconnect_max = milliseconds(80);
    options.keepalive = milliseconds(200);
    options.logger = &logger;
    events = std::make_unique<RedisJobEvents>(options);
  }

  std::shared_ptr<CapturingSink> sink = std::make_shared<CapturingSink>();  // before logger
  Logger logger;
  std::unique_ptr<RedisJobEvents> events;
};

JobRecord SomeJob(const std::string& id) {
  JobRecord job;
  job.id = id;
  job.tenant = "alice";
  job.status = JobStatus::kRunning;
  job.progress = 0.5;
  job.engine_used = "native";
  return job;
}

TEST_CASE("RedisJobEvents: two processes see each other's changes and cancels") {
  LocalRedis redis;
  Process a(redis), b(redis);
  REQUIRE(a.events->Start().ok());
  REQUIRE(b.events->Start().ok());
  Received a_changes, b_changes, b_cancels;
  a.events->OnChange([&](const JobRecord& job) {
    a_changes.Add(job.id + "/" + job.tenant + "/" + std::string(JobStatusName(job.status)) + "/" +
                  std::to_string(job.progress) + "/" + job.engine_used);
  });
  b.events->OnChange([&](const JobRecord& job) { b_changes.Add(job.id); });
  b.events->OnCancel([&](const std::string& id) { b_cancels.Add(id); });

  b.events->PublishChange(SomeJob("bt_1"));
  a.events->PublishCancel("bt_2");
  REQUIRE(Eventually([&] { return a_changes.size() == 1 && b_cancels.size() == 1; }));
  CHECK(a_changes.items() == std::vector<std::string>{"bt_1/alice/running/0.500000/native"});
  CHECK(b_cancels.items() == std::vector<std::string>{"bt_2"});
  REQUIRE(Eventually([&] { return b_changes.size() == 1; }));  // its own change, too

  // Another prefix is another deployment: it hears neither.
  Process other(redis, "other");
  REQUIRE(other.events->Start().ok());
  Received other_changes;
  other.events->OnChange([&](const JobRecord& job) { other_changes.Add(job.id); });
  a.events->PublishChange(SomeJob("bt_3"));
  other.events->PublishChange(SomeJob("bt_other"));
  REQUIRE(Eventually([&] { return other_changes.size() == 1; }));
  CHECK(other_changes.items() == std::vector<std::string>{"bt_other"});
}

TEST_CASE("RedisJobEvents: a removed listener gets nothing") {
  LocalRedis redis;
  Process a(redis), b(redis);
  REQUIRE(a.events->Start().ok());
  REQUIRE(b.events->Start().ok());
  Received removed, kept, removed_cancels, kept_cancels;
  const uint64_t r1 = a.events->OnChange([&](const JobRecord& job) { removed.Add(job.id); });
  a.events->OnChange([&](const JobRecord& job) { kept.Add(job.id); });
  const uint64_t r2 = a.events->OnCancel([&](const std::string& id) { removed_cancels.Add(id); });
  a.events->OnCancel([&](const std::string& id) { kept_cancels.Add(id); });
  a.events->Remove(r1);
  a.events->Remove(r2);
  b.events->PublishChange(SomeJob("bt_1"));
  b.events->PublishCancel("bt_1");
  // Both listeners of a kind are called for the same message, so once the kept one has it the
  // removed one would have had it too.
  REQUIRE(Eventually([&] { return kept.size() == 1 && kept_cancels.size() == 1; }));
  CHECK(removed.size() == 0);
  CHECK(removed_cancels.size() == 0);
}

TEST_CASE("RedisJobEvents: malformed messages are logged and skipped") {
  LocalRedis redis;
  Process a(redis);
  REQUIRE(a.events->Start().ok());
  Received changes, cancels;
  a.events->OnChange([&](const JobRecord& job) { changes.Add(job.id); });
  a.events->OnCancel([&](const std::string& id) { cancels.Add(id); });
  Result<RedisConnectionPtr> raw = RedisConnection::Connect(*RedisUrl::Parse(redis.url()));
  REQUIRE(raw.ok());
  REQUIRE((*raw)->Command({"PUBLISH", a.events->ChangesChannel(), "not json"}).ok());
  REQUIRE((*raw)->Command({"PUBLISH", a.events->ChangesChannel(), R"({"id":"x"})"}).ok());
  REQUIRE((*raw)->Command({"PUBLISH", a.events->CancelsChannel(), ""}).ok());
  a.events->PublishChange(SomeJob("bt_ok"));
  a.events->PublishCancel("bt_ok");
  REQUIRE(Eventually([&] { return changes.size() == 1 && cancels.size() == 1; }));
  CHECK(changes.items() == std::vector<std::string>{"bt_ok"});
  CHECK(cancels.items() == std::vector<std::string>{"bt_ok"});
  CHECK(a.sink->Count("malformed change") == 2);
  CHECK(a.sink->Count("malformed cancel") == 1);
}

TEST_CASE("RedisJobEvents: after a Redis restart the subscriber reconnects and receives again") {
  LocalRedis redis;
  Process a(redis), b(redis);
  REQUIRE(a.events->Start().ok());
  Received changes;
  a.events->OnChange([&](const JobRecord& job) { changes.Add(job.id); });

  redis.Kill();
  REQUIRE(Eventually([&] { return a.sink->Count("lost the redis subscription") == 1; }));
  b.events->PublishChange(SomeJob("bt_lost"));  // nobody can hear it
  b.events->PublishChange(SomeJob("bt_lost_too"));
  CHECK(b.sink->Count("cannot publish") == 1);     // once per outage
  std::this_thread::sleep_for(milliseconds(300));  // several reconnection attempts fail

  redis.Start();
  REQUIRE(Eventually([&] { return a.sink->Count("subscribed to redis again") == 1; }));
  b.events->PublishChange(SomeJob("bt_back"));
  REQUIRE(Eventually([&] { return changes.size() == 1; }));
  CHECK(changes.items() == std::vector<std::string>{"bt_back"});
  CHECK(a.sink->Count("lost the redis subscription") == 1);  // once for the whole outage
  CHECK(b.sink->Count("publishing to redis again") == 1);
  a.events->Stop();
}

TEST_CASE("RedisJobEvents: a silent connection is noticed by the keepalive") {
  LocalRedis redis;
  Process a(redis), b(redis);
  REQUIRE(a.events->Start().ok());
  Received changes;
  a.events->OnChange([&](const JobRecord& job) { changes.Add(job.id); });
  redis.Pause();  // the socket stays open, nothing answers
  const bool noticed =
      Eventually([&] { return a.sink->Count("lost the redis subscription") == 1; });
  redis.Resume();
  REQUIRE(noticed);
  REQUIRE(Eventually([&] { return a.sink->Count("subscribed to redis again") == 1; }));
  b.events->PublishChange(SomeJob("bt_after"));
  REQUIRE(Eventually([&] { return changes.size() == 1; }));
}

TEST_CASE("RedisJobEvents: Start needs Redis; Start and Stop are idempotent") {
  RedisJobEventsOptions options;
  options.url = *RedisUrl::Parse("redis://127.0.0.1:" + std::to_string(testing::FreePort()));
  RedisJobEvents nowhere(options);
  CHECK(nowhere.Start().code() == StatusCode::kUnavailable);
  nowhere.Stop();  // never started: nothing to do

  LocalRedis redis;
  Process a(redis), b(redis);
  REQUIRE(a.events->Start().ok());
  REQUIRE(a.events->Start().ok());
  a.events->Stop();
  a.events->Stop();
  REQUIRE(a.events->Start().ok());  // started again
  Received changes;
  a.events->OnChange([&](const JobRecord& job) { changes.Add(job.id); });
  b.events->PublishChange(SomeJob("bt_1"));
  REQUIRE(Eventually([&] { return changes.size() == 1; }));
}

}  // namespace
}  // namespace btr
