// The Redis client against a real redis-server on loopback.
#include "services/redis/redis_client.h"

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/local_servers.h"

namespace btr {
namespace {

using testing::LocalRedis;

TEST_CASE("RedisUrl parses host, port, password and db") {
  Result<RedisUrl> url = RedisUrl::Parse("redis://:s3cret@10.0.0.5:6380/2");
  REQUIRE(url.ok());
  CHECK(url->host == "10.0.0.5");
  CHECK(url->port == 6380);
  CHECK(url->password == "s3cret");
  CHECK(url->db == 2);
  CHECK(url->ToString() == "redis://10.0.0.5:6380/2");  // no password
  Result<RedisUrl> plain = RedisUrl::Parse("redis://localhost");
  REQUIRE(plain.ok());
  CHECK(plain->port == 6379);
  CHECK(plain->db == 0);
  CHECK(!RedisUrl::Parse("http://x").ok());
  CHECK(!RedisUrl::Parse("redis://x:99999").ok());
  CHECK(!RedisUrl::Parse("redis://x:1/db").ok());
}

TEST_CASE("commands, replies, errors and pipelines on a real server") {
  LocalRedis redis;
  Result<RedisConnectionPtr> c = RedisConnection::Connect(*RedisUrl::Parse(redis.url()));
  REQUIRE(c.ok());
  RedisConnection& conn = **c;
  CHECK(conn.Command({"SET", "k", std::string("a\0b", 3)})->str == "OK");
  Result<RedisReply> got = conn.Command({"GET", "k"});
  REQUIRE(got.ok());
  CHECK(got->type == RedisReply::Type::kString);
  CHECK(got->str == std::string("a\0b", 3));  // binary-safe
  CHECK(conn.Command({"GET", "missing"})->is_nil());
  CHECK(conn.Command({"INCRBY", "n", "5"})->integer == 5);
  Result<RedisReply> wrong = conn.Command({"INCR", "k"});
  REQUIRE(!wrong.ok());
  CHECK(wrong.status().code() == StatusCode::kFailedPrecondition);
  CHECK(wrong.status().message().find("not an integer") != std::string::npos);
  CHECK(!conn.broken());  // an error reply leaves the connection usable

  Result<std::vector<RedisReply>> replies =
      conn.Pipeline({{"RPUSH", "l", "x", "y"}, {"LRANGE", "l", "0", "-1"}, {"INCR", "k"}});
  REQUIRE(replies.ok());
  REQUIRE(replies->size() == 3);
  CHECK((*replies)[0].integer == 2);
  REQUIRE((*replies)[1].is_array());
  CHECK((*replies)[1].elements[1].str == "y");
  CHECK((*replies)[2].type == RedisReply::Type::kError);
}

TEST_CASE("a dead server breaks the connection and the pool reconnects after a restart") {
  LocalRedis redis;
  RedisPool pool(*RedisUrl::Parse(redis.url()), {}, 2);
  REQUIRE(pool.Command({"SET", "a", "1"}).ok());
  redis.Kill();
  Result<RedisReply> down = pool.Command({"GET", "a"});
  REQUIRE(!down.ok());
  CHECK(down.status().code() == StatusCode::kUnavailable);
  redis.Start();
  // The broken connection was dropped; a new one is made.
  Result<RedisReply> again = pool.Command({"GET", "a"});
  REQUIRE(again.ok());
  CHECK(again->is_nil());  // no persistence: the restart lost the key
}

TEST_CASE("a command slower than the timeout is DeadlineExceeded") {
  LocalRedis redis;
  RedisOptions options;
  options.command_timeout = std::chrono::milliseconds(200);
  Result<RedisConnectionPtr> c = RedisConnection::Connect(*RedisUrl::Parse(redis.url()), options);
  REQUIRE(c.ok());
  Result<RedisReply> slow = (*c)->Command({"BLPOP", "empty", "2"});
  REQUIRE(!slow.ok());
  CHECK(slow.status().code() == StatusCode::kDeadlineExceeded);
  CHECK((*c)->broken());
}

TEST_CASE("a subscriber reads pushed messages with a wait") {
  LocalRedis redis;
  const RedisUrl url = *RedisUrl::Parse(redis.url());
  Result<RedisConnectionPtr> sub = RedisConnection::Connect(url);
  REQUIRE(sub.ok());
  REQUIRE((*sub)->Command({"SUBSCRIBE", "ch"}).ok());
  Result<RedisReply> none = (*sub)->ReadPush(std::chrono::milliseconds(50));
  CHECK(none.status().code() == StatusCode::kDeadlineExceeded);
  CHECK(!(*sub)->broken());
  Result<RedisConnectionPtr> pub = RedisConnection::Connect(url);
  REQUIRE(pub.ok());
  CHECK((*pub)->Command({"PUBLISH", "ch", "hello"})->integer == 1);
  CHECK((*pub)->Command({"PUBLISH", "ch", "again"})->integer == 1);
  Result<RedisReply> first = (*sub)->ReadPush(std::chrono::milliseconds(2000));
  REQUIRE(first.ok());
  REQUIRE(first->elements.size() == 3);
  CHECK(first->elements[0].str == "message");
  CHECK(first->elements[2].str == "hello");
  Result<RedisReply> second = (*sub)->ReadPush(std::chrono::milliseconds(2000));
  REQUIRE(second.ok());
  CHECK(second->elements[2].str == "again");
}

TEST_CASE("the pool hands out exclusive connections to many threads") {
  LocalRedis redis;
  RedisPool pool(*RedisUrl::Parse(redis.url()), {}, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&pool] {
      for (int k = 0; k < 200; ++k) REQUIRE(pool.Command({"INCR", "counter"}).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(pool.Command({"GET", "counter"})->str == "1600");
}

}  // namespace
}  // namespace btr
