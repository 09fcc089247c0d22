#include "services/queue/local_job_queue.h"

#include <catch2/catch.hpp>
#include <thread>

namespace btr {
namespace {

using std::chrono::milliseconds;

QueuedJob Job(const std::string& id, JobPriority priority = JobPriority::kNormal) {
  return QueuedJob{id, "alice", "native", priority};
}

TEST_CASE("LocalJobQueue delivers by priority, then in order") {
  LocalJobQueue queue;
  REQUIRE(queue.Enqueue(Job("n1")).ok());
  REQUIRE(queue.Enqueue(Job("l1", JobPriority::kLow)).ok());
  REQUIRE(queue.Enqueue(Job("n2")).ok());
  REQUIRE(queue.Enqueue(Job("h1", JobPriority::kHigh)).ok());
  CHECK(*queue.Depth() == 4);
  std::vector<std::string> order;
  for (int k = 0; k < 4; ++k) order.push_back((*queue.Dequeue(milliseconds(10)))->job.id);
  CHECK(order == std::vector<std::string>{"h1", "n1", "n2", "l1"});
  CHECK(!queue.Dequeue(milliseconds(10))->has_value());
  CHECK(*queue.Depth() == 0);
}

TEST_CASE("LocalJobQueue holds delivered ids until they are acknowledged") {
  LocalJobQueue queue;
  REQUIRE(queue.Enqueue(Job("a")).ok());
  REQUIRE(queue.Enqueue(Job("b")).ok());
  CHECK(*queue.Missing({"a", "b", "c"}) == std::vector<std::string>{"c"});
  std::optional<Delivery> a = *queue.Dequeue(milliseconds(10));
  REQUIRE(a);
  CHECK(a->deliveries == 1);
  CHECK(!a->dead_letter);
  CHECK(queue.Missing({"a"})->empty());  // delivered, not acknowledged: still held
  REQUIRE(queue.Ack(*a).ok());
  CHECK(*queue.Missing({"a", "b"}) == std::vector<std::string>{"a"});
}

TEST_CASE("LocalJobQueue: Dequeue waits for an Enqueue, and Close wakes it") {
  LocalJobQueue queue;
  std::thread producer([&queue] {
    std::this_thread::sleep_for(milliseconds(20));
    REQUIRE(queue.Enqueue(Job("late")).ok());
  });
  Result<std::optional<Delivery>> got = queue.Dequeue(milliseconds(5000));
  producer.join();
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->job.id == "late");
  std::thread closer([&queue] {
    std::this_thread::sleep_for(milliseconds(20));
    queue.Close();
  });
  CHECK(!queue.Dequeue(milliseconds(60'000))->has_value());
  closer.join();
}

TEST_CASE("job priorities have names") {
  CHECK(JobPriorityName(JobPriority::kHigh) == "high");
  CHECK(ParseJobPriority("low") == JobPriority::kLow);
  CHECK(!ParseJobPriority("urgent"));
}

}  // namespace
}  // namespace btr
