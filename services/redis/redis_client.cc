#include "services/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <charconv>

namespace btr {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply Convert(const redisReply* reply) {
  RedisReply out;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply->elements);
      for (size_t k = 0; k < reply->elements; ++k)
        out.elements.push_back(Convert(reply->element[k]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

// Owns a hiredis reply.
struct ReplyDeleter {
  void operator()(void* reply) const { freeReplyObject(reply); }
};
using OwnedReply = std::unique_ptr<void, ReplyDeleter>;

bool ParseInt(std::string_view text, int* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

Result<RedisUrl> RedisUrl::Parse(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("expected redis://[:password@]host[:port][/db], got '" +
                                   std::string(url) + "'");
  }
  RedisUrl out;
  std::string_view rest = url.substr(kScheme.size());
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    const size_t colon = auth.find(':');
    out.password = std::string(colon == std::string_view::npos ? auth : auth.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!ParseInt(db, &out.db) || out.db < 0)) {
      return Status::InvalidArgument("bad database number '" + std::string(db) + "' in '" +
                                     std::string(url) + "'");
    }
    rest = rest.substr(0, slash);
  }
  if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (!ParseInt(rest.substr(colon + 1), &out.port) || out.port <= 0 || out.port > 65535) {
      return Status::InvalidArgument("bad port in '" + std::string(url) + "'");
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) out.host = std::string(rest);
  return out;
}

std::string RedisUrl::ToString() const {
  return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

RedisConnection::RedisConnection(redisContext* context, RedisUrl url, RedisOptions options)
    : context_(context), url_(std::move(url)), options_(options) {}

RedisConnection::~RedisConnection() {
  if (context_) redisFree(context_);
}

Result<RedisConnectionPtr> RedisConnection::Connect(const RedisUrl& url, RedisOptions options) {
  redisContext* context =
      redisConnectWithTimeout(url.host.c_str(), url.port, ToTimeval(options.connect_timeout));
  if (context == nullptr) return Status::Unavailable("redis: out of memory connecting");
  if (context->err) {
    Status s =
        Status::Unavailable("redis: cannot connect to " + url.ToString() + ": " + context->errstr);
    redisFree(context);
    return s;
  }
  RedisConnectionPtr connection(new RedisConnection(context, url, options));
  BTR_RETURN_IF_ERROR(connection->SetTimeout(options.command_timeout));
  if (!url.password.empty()) {
    Result<RedisReply> auth = connection->Command({"AUTH", url.password});
    if (!auth.ok()) return Status::Unavailable("redis: AUTH failed: " + auth.status().message());
  }
  if (url.db != 0) {
    Result<RedisReply> select = connection->Command({"SELECT", std::to_string(url.db)});
    if (!select.ok()) return select.status();
  }
  return connection;
}

Status RedisConnection::SetTimeout(std::chrono::milliseconds timeout) {
  if (redisSetTimeout(context_, ToTimeval(timeout)) != REDIS_OK) return ContextError("set timeout");
  return Status::Ok();
}

Status RedisConnection::ContextError(std::string_view what) {
  broken_ = true;
  const bool timed_out = context_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  const std::string message = "redis " + url_.ToString() + ": " + std::string(what) + ": " +
                              (context_->err ? context_->errstr : "connection lost");
  return timed_out ? Status::DeadlineExceeded(message) : Status::Unavailable(message);
}

Result<RedisReply> RedisConnection::Command(const std::vector<std::string>& argv) {
  Result<std::vector<RedisReply>> replies = Pipeline({argv});
  if (!replies.ok()) return replies.status();
  RedisReply reply = std::move(replies->front());
  if (reply.type == RedisReply::Type::kError) {
    return Status::FailedPrecondition("redis " + (argv.empty() ? "" : argv[0]) + ": " + reply.str);
  }
  return reply;
}

Result<std::vector<RedisReply>> RedisConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return Status::Unavailable("redis " + url_.ToString() + ": connection broken");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::vector<std::string>& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return ContextError("send");
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t k = 0; k < commands.size(); ++k) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return ContextError(commands[k].empty() ? "reply" : commands[k][0]);
    }
    OwnedReply owned(raw);
    replies.push_back(Convert(static_cast<redisReply*>(raw)));
  }
  return replies;
}

Result<RedisReply> RedisConnection::ReadPush(std::chrono::milliseconds timeout) {
  if (broken_) return Status::Unavailable("redis " + url_.ToString() + ": connection broken");
  void* raw = nullptr;
  // A reply already buffered is returned without waiting.
  if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) return ContextError("read");
  if (raw == nullptr) {
    pollfd p{context_->fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready == 0) return Status::DeadlineExceeded("redis: no message within the wait");
    if (ready < 0) return ContextError("poll");
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return ContextError("read");
  }
  OwnedReply owned(raw);
  return Convert(static_cast<redisReply*>(raw));
}

RedisPool::RedisPool(RedisUrl url, RedisOptions options, size_t max_connections)
    : url_(std::move(url)),
      options_(options),
      max_connections_(std::max<size_t>(1, max_connections)) {}

RedisPool::~RedisPool() = default;

RedisPool::Lease::~Lease() {
  if (connection_) pool_->Release(std::move(connection_));
}

Result<RedisPool::Lease> RedisPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  const bool got = available_.wait_for(lock, options_.connect_timeout, [this] {
    return !idle_.empty() || open_ < max_connections_;
  });
  if (!got)
    return Status::Unavailable("redis: all " + std::to_string(max_connections_) +
                               " pooled connections are busy");
  if (!idle_.empty()) {
    RedisConnectionPtr connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  Result<RedisConnectionPtr> connection = RedisConnection::Connect(url_, options_);
  if (!connection.ok()) {
    std::lock_guard<std::mutex> relock(mu_);
    --open_;
    available_.notify_one();
    return connection.status();
  }
  return Lease(this, std::move(connection).value());
}

void RedisPool::Release(RedisConnectionPtr connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connection->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

Result<RedisReply> RedisPool::Command(const std::vector<std::string>& argv) {
  Result<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Command(argv);
}

}  // namespace btr
