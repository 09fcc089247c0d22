// A small synchronous Redis client on hiredis 0.14 (Debian 12): one connection, RESP2 replies
// as values, pipelining, and a pool of exclusive connections. Used by the Redis Streams job
// queue and the pub/sub event bus.
//
//   Result<RedisConnectionPtr> c = RedisConnection::Connect(*RedisUrl::Parse("redis://h:6379/0"));
//   Result<RedisReply> r = (*c)->Command({"XADD", "btr:jobs", "*", "job", "bt_1"});
//
// Errors: Unavailable when the server cannot be reached or the connection broke (the
// connection is then unusable: broken() is true and the pool replaces it); DeadlineExceeded
// for a command that took longer than the command timeout (the connection is broken too, since
// its reply may still arrive); FailedPrecondition for an error reply ("-ERR ...", "-NOGROUP
// ...", with Redis's words). No exception leaves this module.
//
// Threads: a RedisConnection is used by one thread at a time. RedisPool is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

struct redisContext;

namespace btr {

// redis://[[user]:password@]host[:port][/db]; port 6379 and db 0 by default.
struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  int db = 0;

  static Result<RedisUrl> Parse(std::string_view url);
  std::string ToString() const;  // without the password
};

struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_array() const { return type == Type::kArray; }
};

struct RedisOptions {
  std::chrono::milliseconds connect_timeout{2000};
  // Longest wait for one reply; a blocking command (XREADGROUP BLOCK, SUBSCRIBE reads) must
  // ask for less than this.
  std::chrono::milliseconds command_timeout{5000};
};

class RedisConnection;
using RedisConnectionPtr = std::unique_ptr<RedisConnection>;

class RedisConnection {
 public:
  // Connects, authenticates and selects the db.
  static Result<RedisConnectionPtr> Connect(const RedisUrl& url, RedisOptions options = {});
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // One command; argv[0] is its name. An error reply is FailedPrecondition.
  Result<RedisReply> Command(const std::vector<std::string>& argv);
  // Several commands in one round trip; the replies in order (error replies included, as
  // values of Type::kError). Unavailable/DeadlineExceeded as Command.
  Result<std::vector<RedisReply>> Pipeline(const std::vector<std::vector<std::string>>& commands);
  // Reads the next pushed reply of a subscribed connection within `timeout`; DeadlineExceeded
  // when none came (the connection stays usable).
  Result<RedisReply> ReadPush(std::chrono::milliseconds timeout);

  bool broken() const { return broken_; }
  const RedisUrl& url() const { return url_; }

 private:
  RedisConnection(redisContext* context, RedisUrl url, RedisOptions options);
  Status ContextError(std::string_view what);
  Status SetTimeout(std::chrono::milliseconds timeout);

  redisContext* context_;
  RedisUrl url_;
  RedisOptions options_;
  bool broken_ = false;
};

// Exclusive connections handed out and taken back; broken ones are dropped and replaced on
// the next Acquire. At most `max_connections` exist at once; Acquire waits for one up to the
// connect timeout, then answers Unavailable.
class RedisPool {
 public:
  RedisPool(RedisUrl url, RedisOptions options = {}, size_t max_connections = 16);
  ~RedisPool();

  // A connection for the caller's exclusive use, returned to the pool when destroyed.
  class Lease {
   public:
    Lease(RedisPool* pool, RedisConnectionPtr connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    RedisConnection* operator->() { return connection_.get(); }
    RedisConnection& operator*() { return *connection_; }

   private:
    RedisPool* pool_;
    RedisConnectionPtr connection_;
  };

  Result<Lease> Acquire();
  // Acquire + Command, the common case.
  Result<RedisReply> Command(const std::vector<std::string>& argv);

  const RedisUrl& url() const { return url_; }
  const RedisOptions& options() const { return options_; }

 private:
  void Release(RedisConnectionPtr connection);

  const RedisUrl url_;
  const RedisOptions options_;
  const size_t max_connections_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<RedisConnectionPtr> idle_;  // guarded by mu_
  size_t open_ = 0;                       // guarded by mu_: idle + leased
};

}  // namespace btr
