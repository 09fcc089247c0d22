// ProgressOutbox: the bounded per-connection queue of the live-progress WebSocket.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "router/ws/progress_outbox.h"

namespace btr {
namespace {

ProgressOutbox::Message Text(const std::string& s) {
  return std::make_shared<const std::string>(s);
}

// Writes everything queued and returns it in order.
std::vector<std::string> Drain(ProgressOutbox& box) {
  std::vector<std::string> out;
  while (box.CanStartWrite()) {
    out.push_back(*box.StartWrite());
    box.FinishWrite();
  }
  return out;
}

TEST_CASE("outbox keeps order under its capacity", "[ws]") {
  ProgressOutbox box(4);
  for (const char* s : {"a", "b", "c"}) REQUIRE(box.Push(Text(s), false));
  CHECK(box.queued() == 3);
  CHECK(Drain(box) == std::vector<std::string>{"a", "b", "c"});
  CHECK(box.dropped() == 0);
}

TEST_CASE("a full outbox replaces the newest intermediate message", "[ws]") {
  ProgressOutbox box(2);
  REQUIRE(box.Push(Text("p1"), false));
  REQUIRE(box.CanStartWrite());
  CHECK(*box.StartWrite() == "p1");  // in flight, not counted
  REQUIRE(box.Push(Text("p2"), false));
  REQUIRE(box.Push(Text("p3"), false));
  REQUIRE(box.Push(Text("p4"), false));  // replaces p3
  REQUIRE(box.Push(Text("p5"), false));  // replaces p4
  CHECK(box.queued() == 2);
  CHECK(box.dropped() == 2);
  CHECK_FALSE(box.CanStartWrite());  // one write at a time
  CHECK_FALSE(box.FinishWrite());
  CHECK(Drain(box) == std::vector<std::string>{"p2", "p5"});
}

TEST_CASE("the final message is never dropped and nothing follows it", "[ws]") {
  ProgressOutbox box(1);
  REQUIRE(box.Push(Text("p1"), false));
  box.StartWrite();
  REQUIRE(box.Push(Text("p2"), false));
  REQUIRE(box.Push(Text("done"), true));  // beyond the capacity, still kept
  CHECK(box.final_queued());
  CHECK_FALSE(box.Push(Text("late"), false));
  CHECK_FALSE(box.Push(Text("late final"), true));
  CHECK_FALSE(box.FinishWrite());
  REQUIRE(box.CanStartWrite());
  CHECK(*box.StartWrite() == "p2");
  CHECK_FALSE(box.FinishWrite());
  REQUIRE(box.CanStartWrite());
  CHECK(*box.StartWrite() == "done");
  CHECK(box.FinishWrite());
  CHECK_FALSE(box.CanStartWrite());
}

TEST_CASE("an intermediate message never replaces the final one", "[ws]") {
  ProgressOutbox box(1);
  REQUIRE(box.Push(Text("done"), true));
  CHECK_FALSE(box.Push(Text("p"), false));
  CHECK(Drain(box) == std::vector<std::string>{"done"});
}

}  // namespace
}  // namespace btr
