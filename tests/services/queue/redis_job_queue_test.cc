// RedisJobQueue against a real redis-server on loopback: several queue objects with their own
// consumer names stand for several worker processes.
#include "services/queue/redis_job_queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/local_servers.h"

namespace btr {
namespace {

using std::chrono::milliseconds;
using testing::LocalRedis;

QueuedJob Job(const std::string& id, JobPriority priority = JobPriority::kNormal) {
  return QueuedJob{id, "alice", "native", priority};
}

std::unique_ptr<RedisJobQueue> Queue(const LocalRedis& redis, const std::string& consumer,
                                     milliseconds claim_idle = milliseconds(60'000),
                                     int max_deliveries = 5) {
  RedisJobQueueOptions options;
  options.url = *RedisUrl::Parse(redis.url());
  options.consumer = consumer;
  options.claim_idle = claim_idle;
  options.max_deliveries = max_deliveries;
  Result<std::unique_ptr<RedisJobQueue>> queue = RedisJobQueue::Create(options);
  REQUIRE(queue.ok());
  return std::move(queue).value();
}

RedisConnectionPtr Raw(const LocalRedis& redis) {
  Result<RedisConnectionPtr> c = RedisConnection::Connect(*RedisUrl::Parse(redis.url()));
  REQUIRE(c.ok());
  return std::move(c).value();
}

std::optional<Delivery> Next(RedisJobQueue& queue, milliseconds wait) {
  Result<std::optional<Delivery>> got = queue.Dequeue(wait);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  return *got;
}

TEST_CASE("RedisJobQueue delivers by priority, then in order, and Ack removes") {
  LocalRedis redis;
  auto queue = Queue(redis, "w1");
  REQUIRE(queue->Enqueue(Job("n1")).ok());
  REQUIRE(queue->Enqueue(Job("l1", JobPriority::kLow)).ok());
  REQUIRE(queue->Enqueue(Job("n2")).ok());
  REQUIRE(queue->Enqueue(Job("h1", JobPriority::kHigh)).ok());
  CHECK(*queue->Depth() == 4);
  CHECK(*queue->Missing({"n1", "x", "h1"}) == std::vector<std::string>{"x"});
  std::vector<Delivery> got;
  for (int k = 0; k < 4; ++k) {
    std::optional<Delivery> d = Next(*queue, milliseconds(2000));
    REQUIRE(d);
    got.push_back(*d);
  }
  std::vector<std::string> order;
  for (const Delivery& d : got) order.push_back(d.job.id);
  CHECK(order == std::vector<std::string>{"h1", "n1", "n2", "l1"});
  CHECK(got[3].job.priority == JobPriority::kLow);
  CHECK(got[3].job.tenant == "alice");
  CHECK(got[3].job.engine == "native");
  CHECK(got[3].deliveries == 1);
  CHECK(!got[3].dead_letter);
  CHECK(!Next(*queue, milliseconds(10)));
  CHECK(*queue->Depth() == 0);                               // delivered: no longer waiting
  CHECK(queue->Missing({"n1", "n2", "h1", "l1"})->empty());  // but held until acknowledged

  REQUIRE(queue->Ack(got[0]).ok());
  CHECK(*queue->Missing({"n1", "h1"}) == std::vector<std::string>{"h1"});
  for (const Delivery& d : got) REQUIRE(queue->Ack(d).ok());
  REQUIRE(queue->Ack(got[0]).ok());  // again: harmless
  CHECK(queue->Missing({"n1", "n2", "h1", "l1"})->size() == 4);
  RedisConnectionPtr raw = Raw(redis);
  for (JobPriority p : {JobPriority::kHigh, JobPriority::kNormal, JobPriority::kLow}) {
    CHECK(raw->Command({"XLEN", queue->StreamKey(p)})->integer == 0);  // deleted, not kept
  }
  CHECK(queue->StreamKey(JobPriority::kHigh) == "btr:jobs:high");
}

TEST_CASE("RedisJobQueue: an unacknowledged entry goes to another consumer after claim_idle") {
  LocalRedis redis;
  auto a = Queue(redis, "a", milliseconds(200));
  auto b = Queue(redis, "b", milliseconds(200));
  REQUIRE(a->Enqueue(Job("x")).ok());
  std::optional<Delivery> first = Next(*a, milliseconds(2000));
  REQUIRE(first);
  CHECK(!Next(*b, milliseconds(0)));  // a has it, and it is not stale yet
  // a dies without acknowledging.
  std::optional<Delivery> again = Next(*b, milliseconds(5000));
  REQUIRE(again);
  CHECK(again->job.id == "x");
  CHECK(again->token == first->token);
  CHECK(again->deliveries == 2);
  CHECK(!again->dead_letter);
  CHECK(b->Missing({"x"})->empty());
  REQUIRE(b->Ack(*again).ok());
  CHECK(*b->Missing({"x"}) == std::vector<std::string>{"x"});
  CHECK(a->Ack(*first).ok());  // a late acknowledgement does no harm
  CHECK(a->Touch(*first).code() == StatusCode::kNotFound);
  CHECK(!Next(*b, milliseconds(400)));
}

TEST_CASE("RedisJobQueue: Touch keeps an entry from being taken over, without a delivery") {
  LocalRedis redis;
  const milliseconds claim_idle(300);
  auto a = Queue(redis, "a", claim_idle);
  auto b = Queue(redis, "b", claim_idle);
  REQUIRE(a->Enqueue(Job("x")).ok());
  std::optional<Delivery> held = Next(*a, milliseconds(2000));
  REQUIRE(held);
  const auto until = std::chrono::steady_clock::now() + 4 * claim_idle;
  while (std::chrono::steady_clock::now() < until) {
    REQUIRE(a->Touch(*held).ok());
    CHECK(!Next(*b, milliseconds(40)));
  }
  std::optional<Delivery> taken = Next(*b, milliseconds(5000));  // a stopped touching
  REQUIRE(taken);
  CHECK(taken->job.id == "x");
  CHECK(taken->deliveries == 2);  // touches are not deliveries
}

TEST_CASE("RedisJobQueue: past max_deliveries an entry becomes a dead letter") {
  LocalRedis redis;
  auto a = Queue(redis, "a", milliseconds(100), 2);
  auto b = Queue(redis, "b", milliseconds(100), 2);
  REQUIRE(a->Enqueue(Job("poison")).ok());
  std::optional<Delivery> d1 = Next(*a, milliseconds(2000));
  std::optional<Delivery> d2 = Next(*b, milliseconds(5000));
  REQUIRE(d1);
  REQUIRE(d2);
  CHECK(d2->deliveries == 2);
  CHECK(!d2->dead_letter);
  std::optional<Delivery> d3 = Next(*a, milliseconds(5000));
  REQUIRE(d3);
  CHECK(d3->dead_letter);
  CHECK(d3->deliveries == 3);
  CHECK(d3->job.id == "poison");
  CHECK(d3->job.tenant == "alice");
  REQUIRE(a->Ack(*d3).ok());
  CHECK(*a->Missing({"poison"}) == std::vector<std::string>{"poison"});
  CHECK(*a->Depth() == 0);
  CHECK(!Next(*b, milliseconds(400)));  // not delivered again

  RedisConnectionPtr raw = Raw(redis);
  CHECK(raw->Command({"XLEN", a->StreamKey(JobPriority::kNormal)})->integer == 0);
  Result<RedisReply> dead = raw->Command({"XRANGE", a->DeadLetterKey(), "-", "+"});
  REQUIRE(dead.ok());
  REQUIRE(dead->elements.size() == 1);
  std::map<std::string, std::string> fields;
  const std::vector<RedisReply>& list = dead->elements[0].elements[1].elements;
  for (size_t k = 0; k + 1 < list.size(); k += 2) fields[list[k].str] = list[k + 1].str;
  CHECK(fields["job"] == "poison");
  CHECK(fields["deliveries"] == "3");
  CHECK(fields["reason"].find("max_deliveries 2") != std::string::npos);
}

TEST_CASE("RedisJobQueue: taken-over entries wait behind new ones of a higher priority") {
  LocalRedis redis;
  const milliseconds claim_idle(100);
  auto a = Queue(redis, "a", claim_idle);
  auto b = Queue(redis, "b", claim_idle);
  REQUIRE(a->Enqueue(Job("l1", JobPriority::kLow)).ok());
  REQUIRE(a->Enqueue(Job("l2", JobPriority::kLow)).ok());
  REQUIRE(Next(*a, milliseconds(2000)));
  REQUIRE(Next(*a, milliseconds(2000)));
  REQUIRE(a->Enqueue(Job("h1", JobPriority::kHigh)).ok());
  std::this_thread::sleep_for(claim_idle + milliseconds(50));  // l1 and l2 are stale now
  std::vector<std::string> order;
  std::vector<int> deliveries;
  for (int k = 0; k < 3; ++k) {
    std::optional<Delivery> d = Next(*b, milliseconds(2000));
    REQUIRE(d);
    order.push_back(d->job.id);
    deliveries.push_back(d->deliveries);
    REQUIRE(b->Ack(*d).ok());
  }
  CHECK(order == std::vector<std::string>{"h1", "l1", "l2"});
  CHECK(deliveries == std::vector<int>{1, 2, 2});
  CHECK(!Next(*a, milliseconds(300)));
}

TEST_CASE("RedisJobQueue refuses entries beyond max_length instead of trimming") {
  LocalRedis redis;
  RedisJobQueueOptions options;
  options.url = *RedisUrl::Parse(redis.url());
  options.consumer = "w";
  options.max_length = 2;
  auto queue = std::move(RedisJobQueue::Create(options)).value();
  REQUIRE(queue->Enqueue(Job("a")).ok());
  REQUIRE(queue->Enqueue(Job("b")).ok());
  CHECK(queue->Enqueue(Job("c")).code() == StatusCode::kResourceExhausted);
  CHECK(queue->Enqueue(Job("h", JobPriority::kHigh)).ok());  // another stream
  CHECK(*queue->Missing({"a", "b", "c"}) == std::vector<std::string>{"c"});
  CHECK(*queue->Depth() == 3);
}

TEST_CASE("RedisJobQueue checks its options") {
  RedisJobQueueOptions options;
  CHECK(RedisJobQueue::Create(options).status().code() == StatusCode::kInvalidArgument);
  options.consumer = "w";
  options.max_deliveries = 0;
  CHECK(RedisJobQueue::Create(options).status().code() == StatusCode::kInvalidArgument);
  options.max_deliveries = 1;
  options.block_slice = options.redis.command_timeout;
  CHECK(RedisJobQueue::Create(options).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("RedisJobQueue: a consumer group deleted behind its back is recreated") {
  LocalRedis redis;
  auto queue = Queue(redis, "w");
  REQUIRE(queue->Enqueue(Job("x")).ok());
  CHECK(Next(*queue, milliseconds(1000)).has_value());  // the group exists; x is delivered
  REQUIRE(queue->Enqueue(Job("y")).ok());
  RedisConnectionPtr raw = Raw(redis);
  for (JobPriority p : {JobPriority::kHigh, JobPriority::kNormal, JobPriority::kLow}) {
    REQUIRE(raw->Command({"XGROUP", "DESTROY", queue->StreamKey(p), "workers"}).ok());
  }
  std::vector<std::string> ids;  // NOGROUP, recreated from the start: x (unacknowledged) and y
  while (std::optional<Delivery> d = Next(*queue, milliseconds(200))) ids.push_back(d->job.id);
  CHECK(ids == std::vector<std::string>{"x", "y"});
}

TEST_CASE("RedisJobQueue: Redis restarted without its data") {
  LocalRedis redis;
  auto a = Queue(redis, "a");
  auto b = Queue(redis, "b");
  REQUIRE(a->Enqueue(Job("x")).ok());
  REQUIRE(a->Enqueue(Job("y", JobPriority::kHigh)).ok());
  std::optional<Delivery> y = Next(*a, milliseconds(2000));
  REQUIRE(y);

  redis.Kill();
  CHECK(a->Enqueue(Job("z")).code() == StatusCode::kUnavailable);
  CHECK(a->Dequeue(milliseconds(100)).status().code() == StatusCode::kUnavailable);
  CHECK(b->Dequeue(milliseconds(100)).status().code() == StatusCode::kUnavailable);
  CHECK(a->Missing({"x"}).status().code() == StatusCode::kUnavailable);
  CHECK(a->Depth().status().code() == StatusCode::kUnavailable);
  CHECK(a->Ack(*y).code() == StatusCode::kUnavailable);
  CHECK(a->Touch(*y).code() == StatusCode::kUnavailable);

  redis.Start();
  // Everything was lost: the reconciler learns that every id needs enqueueing again.
  CHECK(*a->Missing({"x", "y", "z"}) == std::vector<std::string>{"x", "y", "z"});
  CHECK(a->Touch(*y).code() == StatusCode::kNotFound);
  CHECK(!Next(*b, milliseconds(0)));  // the group is back, and empty
  REQUIRE(a->Enqueue(Job("x")).ok());
  REQUIRE(a->Enqueue(Job("z", JobPriority::kLow)).ok());
  CHECK(*a->Depth() == 2);
  std::optional<Delivery> x = Next(*a, milliseconds(2000));
  std::optional<Delivery> z = Next(*b, milliseconds(2000));
  REQUIRE(x);
  REQUIRE(z);
  CHECK(x->job.id == "x");
  CHECK(z->job.id == "z");
  REQUIRE(a->Ack(*x).ok());
  REQUIRE(b->Ack(*z).ok());
  CHECK(*a->Depth() == 0);
}

TEST_CASE("RedisJobQueue: Close wakes a waiting Dequeue") {
  LocalRedis redis;
  auto queue = Queue(redis, "w");
  Result<std::optional<Delivery>> got = std::optional<Delivery>();
  std::thread waiter([&] { got = queue->Dequeue(milliseconds(60'000)); });
  std::this_thread::sleep_for(milliseconds(50));
  queue->Close();
  waiter.join();
  REQUIRE(got.ok());
  CHECK(!got->has_value());
  REQUIRE(queue->Enqueue(Job("x")).ok());
  CHECK(!Next(*queue, milliseconds(1000)));  // closed: nothing more is handed out
}

TEST_CASE("RedisJobQueue: 2000 ids from concurrent producers are each delivered once") {
  LocalRedis redis;
  constexpr int kIds = 2000, kProducers = 4, kProcesses = 3, kThreadsPerProcess = 3;
  auto producer = Queue(redis, "producer");
  std::vector<std::unique_ptr<RedisJobQueue>> processes;
  for (int p = 0; p < kProcesses; ++p) processes.push_back(Queue(redis, "w" + std::to_string(p)));

  std::mutex mu;
  std::map<std::string, int> seen;
  std::atomic<int> acked{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kProducers; ++t) {
    threads.emplace_back([&, t] {
      for (int k = t; k < kIds; k += kProducers) {
        const auto priority = static_cast<JobPriority>(k % 3);
        if (!producer->Enqueue(Job("bt_" + std::to_string(k), priority)).ok()) failed = true;
      }
    });
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (auto& process : processes) {
    for (int t = 0; t < kThreadsPerProcess; ++t) {
      threads.emplace_back([&, queue = process.get()] {
        while (acked < kIds && !failed && std::chrono::steady_clock::now() < give_up) {
          Result<std::optional<Delivery>> d = queue->Dequeue(milliseconds(100));
          if (!d.ok() || (d->has_value() && (**d).deliveries != 1)) failed = true;
          if (!d.ok() || !d->has_value()) continue;
          {
            std::lock_guard<std::mutex> lock(mu);
            ++seen[(**d).job.id];
          }
          if (!queue->Ack(**d).ok()) failed = true;
          ++acked;
        }
      });
    }
  }
  for (std::thread& t : threads) t.join();
  CHECK(!failed);
  CHECK(acked == kIds);
  REQUIRE(seen.size() == static_cast<size_t>(kIds));
  for (const auto& [id, count] : seen) {
    INFO(id);
    CHECK(count == 1);
  }
  CHECK(*producer->Depth() == 0);
  std::vector<std::string> ids;
  for (int k = 0; k < kIds; ++k) ids.push_back("bt_" + std::to_string(k));
  CHECK(producer->Missing(ids)->size() == static_cast<size_t>(kIds));
  CHECK(!Next(*processes[0], milliseconds(50)));
}

}  // namespace
}  // namespace btr
