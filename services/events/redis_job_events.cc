#include "services/events/redis_job_events.h"

#include <exception>

namespace btr {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

RedisJobEvents::RedisJobEvents(RedisJobEventsOptions options)
    : options_(std::move(options)),
      changes_channel_(options_.key_prefix + ":events:changes"),
      cancels_channel_(options_.key_prefix + ":events:cancels"),
      logger_(options_.logger != nullptr ? *options_.logger : DefaultLogger()),
      pool_(options_.url, options_.redis, options_.max_connections) {}

RedisJobEvents::~RedisJobEvents() { Stop(); }

Status RedisJobEvents::Start() {
  std::lock_guard<std::mutex> lock(start_mu_);
  if (subscriber_.joinable()) return Status::Ok();
  Result<RedisConnectionPtr> connection = Subscribe();
  if (!connection.ok()) return connection.status().WithPrefix("job events");
  {
    std::lock_guard<std::mutex> state(mu_);
    stopping_ = false;
  }
  subscriber_ = std::thread(&RedisJobEvents::Run, this, std::move(connection).value());
  return Status::Ok();
}

void RedisJobEvents::Stop() {
  std::lock_guard<std::mutex> lock(start_mu_);
  if (!subscriber_.joinable()) return;
  {
    std::lock_guard<std::mutex> state(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  subscriber_.join();
}

void RedisJobEvents::PublishChange(const JobRecord& job) {
  Publish(changes_channel_, JobRecordToWire(job));
}

void RedisJobEvents::PublishCancel(const std::string& job_id) { Publish(cancels_channel_, job_id); }

void RedisJobEvents::Publish(const std::string& channel, const std::string& message) {
  Result<RedisReply> reply = pool_.Command({"PUBLISH", channel, message});
  if (reply.ok()) {
    if (publish_failing_.exchange(false)) {
      logger_.Log(LogLevel::kInfo, "job events: publishing to redis again",
                  {{"redis", options_.url.ToString()}});
    }
    return;
  }
  if (!publish_failing_.exchange(true)) {
    logger_.Log(LogLevel::kWarn, "job events: cannot publish to redis; events are dropped",
                {{"redis", options_.url.ToString()},
                 {"channel", channel},
                 {"error", reply.status().message()}});
  }
}

Result<RedisConnectionPtr> RedisJobEvents::Subscribe() {
  Result<RedisConnectionPtr> connection = RedisConnection::Connect(options_.url, options_.redis);
  if (!connection.ok()) return connection.status();
  // One confirmation per channel: ["subscribe", channel, count].
  Result<std::vector<RedisReply>> replies =
      (*connection)->Pipeline({{"SUBSCRIBE", changes_channel_}, {"SUBSCRIBE", cancels_channel_}});
  if (!replies.ok()) return replies.status();
  for (const RedisReply& reply : *replies) {
    if (reply.type == RedisReply::Type::kError) {
      return Status::FailedPrecondition("SUBSCRIBE: " + reply.str);
    }
  }
  return connection;
}

bool RedisJobEvents::Stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

bool RedisJobEvents::Pause(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  return !wake_.wait_for(lock, wait, [this] { return stopping_; });
}

void RedisJobEvents::Run(RedisConnectionPtr connection) {
  std::chrono::milliseconds backoff = options_.reconnect_min;
  Clock::time_point last_traffic = Clock::now();
  while (!Stopping()) {
    if (!connection) {
      Result<RedisConnectionPtr> again = Subscribe();
      if (!again.ok()) {
        if (!Pause(backoff)) break;
        backoff = std::min(backoff * 2, options_.reconnect_max);
        continue;
      }
      connection = std::move(again).value();
      backoff = options_.reconnect_min;
      last_traffic = Clock::now();
      logger_.Log(LogLevel::kInfo, "job events: subscribed to redis again",
                  {{"redis", options_.url.ToString()}});
    }
    Result<RedisReply> push = connection->ReadPush(options_.read_wait);
    if (!push.ok() && !connection->broken()) {  // nothing within the wait
      if (Clock::now() - last_traffic < options_.keepalive) continue;
      // Whatever comes first answers: the pong, or a message (the pong then comes later).
      Result<std::vector<RedisReply>> pong = connection->Pipeline({{"PING"}});
      push = pong.ok() ? Result<RedisReply>(std::move(pong->front())) : pong.status();
    }
    if (push.ok()) {
      last_traffic = Clock::now();
      Dispatch(*push);
      continue;
    }
    logger_.Log(LogLevel::kWarn,
                "job events: lost the redis subscription; reconnecting (events published "
                "meanwhile are missed)",
                {{"redis", options_.url.ToString()}, {"error", push.status().message()}});
    connection.reset();
  }
}

void RedisJobEvents::Dispatch(const RedisReply& push) {
  // ["message", channel, payload]; subscribe confirmations and pongs are not messages.
  if (!push.is_array() || push.elements.size() != 3 || push.elements[0].str != "message") return;
  const std::string& channel = push.elements[1].str;
  const std::string& payload = push.elements[2].str;
  try {
    if (channel == changes_channel_) {
      Result<JobRecord> job = JobRecordFromWire(payload);
      if (!job.ok()) {
        logger_.Log(LogLevel::kWarn, "job events: skipped a malformed change",
                    {{"channel", channel}, {"error", job.status().message()}});
        return;
      }
      listeners_.FireChange(*job);
    } else if (channel == cancels_channel_) {
      if (payload.empty()) {
        logger_.Log(LogLevel::kWarn, "job events: skipped a malformed cancel (no job id)",
                    {{"channel", channel}});
        return;
      }
      listeners_.FireCancel(payload);
    }
  } catch (const std::exception& e) {  // a listener's bug must not end the subscriber
    logger_.Log(LogLevel::kError, "job events: a listener threw",
                {{"channel", channel}, {"error", e.what()}});
  }
}

}  // namespace btr
