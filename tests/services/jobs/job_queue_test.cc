#include "services/jobs/job_queue.h"

#include <catch2/catch.hpp>
#include <thread>

namespace btr {
namespace {

TEST_CASE("the queue reserves slots up to its capacity") {
  JobQueue q(2);
  CHECK(q.TryReserve());
  CHECK(q.TryReserve());
  CHECK_FALSE(q.TryReserve());  // full: two reserved
  q.Unreserve();
  q.PushReserved({"a", "t"});
  CHECK(q.depth() == 1);
  CHECK(q.TryReserve());        // one queued + this one
  CHECK_FALSE(q.TryReserve());  // full
  q.Unreserve();
  q.PushUnbounded({"b", "t"});  // recovery may exceed the capacity
  CHECK(q.depth() == 2);
  CHECK(q.Pop()->id == "a");
  CHECK(q.Pop()->id == "b");
}

TEST_CASE("Pop blocks until an item arrives, and returns nothing once closed") {
  JobQueue q(4);
  std::optional<QueuedJob> got;
  std::thread consumer([&] { got = q.Pop(); });
  REQUIRE(q.TryReserve());
  q.PushReserved({"x", "t"});
  consumer.join();
  REQUIRE(got);
  CHECK(got->id == "x");
  std::thread closed_consumer([&] { got = q.Pop(); });
  q.PushUnbounded({"y", "t"});
  closed_consumer.join();
  q.Close();
  CHECK_FALSE(q.Pop());  // closed: queued items stay for the next process (the store has them)
}

}  // namespace
}  // namespace btr
