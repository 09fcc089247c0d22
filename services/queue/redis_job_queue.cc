#include "services/queue/redis_job_queue.h"

#include <algorithm>

namespace btr {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::array<JobPriority, 3> kPriorities = {JobPriority::kHigh, JobPriority::kNormal,
                                                    JobPriority::kLow};
constexpr size_t kMissingBatch = 1000;  // ids per SMISMEMBER

// Refuses when the stream is full, else appends the entry and holds the id, atomically.
constexpr const char* kEnqueueScript = R"lua(
local limit = tonumber(ARGV[1])
if limit > 0 and redis.call('XLEN', KEYS[1]) >= limit then
  return redis.error_reply('BTRFULL ' .. KEYS[1] .. ' holds ' .. limit .. ' entries')
end
local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[2], 'tenant', ARGV[3],
                      'engine', ARGV[4], 'priority', ARGV[5])
redis.call('SADD', KEYS[2], ARGV[2])
return id
)lua";

int Index(JobPriority p) { return std::clamp(static_cast<int>(p), 0, 2); }

bool IsNoGroup(const Status& s) {
  return s.code() == StatusCode::kFailedPrecondition &&
         s.message().find("NOGROUP") != std::string::npos;
}

bool IsErrorReply(const RedisReply& r, std::string_view prefix) {
  return r.type == RedisReply::Type::kError && r.str.rfind(prefix, 0) == 0;
}

std::string Millis(milliseconds ms) { return std::to_string(std::max<int64_t>(0, ms.count())); }

// How often a consumer looks for stale entries while nothing is found.
milliseconds ScanInterval(milliseconds claim_idle) {
  return std::clamp(claim_idle / 4, milliseconds(10), milliseconds(5000));
}

// The first error reply of a pipeline, as FailedPrecondition.
Status FirstError(const std::vector<RedisReply>& replies, const std::string& what) {
  for (const RedisReply& r : replies) {
    if (r.type == RedisReply::Type::kError) {
      return Status::FailedPrecondition("job queue: " + what + ": " + r.str);
    }
  }
  return Status::Ok();
}

std::array<std::string, 3> StreamKeys(const std::string& prefix) {
  std::array<std::string, 3> keys;
  for (JobPriority p : kPriorities) {
    keys[Index(p)] = prefix + ":jobs:" + std::string(JobPriorityName(p));
  }
  return keys;
}

}  // namespace

Result<std::unique_ptr<RedisJobQueue>> RedisJobQueue::Create(RedisJobQueueOptions options) {
  auto bad = [](const std::string& what) {
    return Status::InvalidArgument("redis job queue: " + what);
  };
  if (options.consumer.empty()) return bad("a consumer name unique per process is required");
  if (options.key_prefix.empty()) return bad("the key prefix must not be empty");
  if (options.group.empty()) return bad("the consumer group must not be empty");
  if (options.claim_idle.count() < 1) return bad("claim_idle must be at least 1 ms");
  if (options.max_deliveries < 1) return bad("max_deliveries must be at least 1");
  if (options.claim_batch < 1) return bad("claim_batch must be at least 1");
  if (options.block_slice.count() < 1 || options.block_slice >= options.redis.command_timeout) {
    return bad("block_slice must be at least 1 ms and shorter than the command timeout");
  }
  return std::unique_ptr<RedisJobQueue>(new RedisJobQueue(std::move(options)));
}

RedisJobQueue::RedisJobQueue(RedisJobQueueOptions options)
    : options_(std::move(options)),
      stream_keys_(StreamKeys(options_.key_prefix)),
      held_key_(options_.key_prefix + ":jobs:held"),
      dead_key_(options_.key_prefix + ":jobs:dead"),
      pool_(options_.url, options_.redis, options_.max_connections) {
  claim_cursor_.fill("0-0");
}

RedisJobQueue::~RedisJobQueue() = default;

const std::string& RedisJobQueue::StreamKey(JobPriority priority) const {
  return stream_keys_[Index(priority)];
}

Status RedisJobQueue::QueueError(const Status& status) {
  if (status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded) {
    groups_ready_ = false;  // the server may have restarted without them
    return Status::Unavailable("job queue: " + status.message());
  }
  return status.WithPrefix("job queue");
}

Status RedisJobQueue::EnsureGroups(RedisConnection& c) {
  std::vector<std::vector<std::string>> commands;
  for (const std::string& key : stream_keys_) {
    // From "0": entries added while the group did not exist are delivered too.
    commands.push_back({"XGROUP", "CREATE", key, options_.group, "0", "MKSTREAM"});
  }
  Result<std::vector<RedisReply>> replies = c.Pipeline(commands);
  if (!replies.ok()) return QueueError(replies.status());
  for (const RedisReply& r : *replies) {
    if (r.type == RedisReply::Type::kError && !IsErrorReply(r, "BUSYGROUP")) {
      return Status::FailedPrecondition("job queue: cannot create the consumer group '" +
                                        options_.group + "': " + r.str);
    }
  }
  groups_ready_ = true;
  return Status::Ok();
}

Result<RedisReply> RedisJobQueue::GroupCommand(RedisConnection& c,
                                               const std::vector<std::string>& argv) {
  if (!groups_ready_) BTR_RETURN_IF_ERROR(EnsureGroups(c));
  Result<RedisReply> reply = c.Command(argv);
  if (IsNoGroup(reply.status())) {
    BTR_RETURN_IF_ERROR(EnsureGroups(c));
    reply = c.Command(argv);
  }
  if (!reply.ok()) return QueueError(reply.status());
  return reply;
}

std::vector<RedisJobQueue::StreamEntry> RedisJobQueue::ParseEntries(const RedisReply& list,
                                                                    JobPriority priority) {
  std::vector<StreamEntry> out;
  for (const RedisReply& item : list.elements) {
    if (item.elements.size() != 2 || item.elements[0].type != RedisReply::Type::kString) continue;
    StreamEntry entry{item.elements[0].str, std::nullopt};
    QueuedJob job;
    job.priority = priority;  // the stream's, whatever the field says
    const std::vector<RedisReply>& fields = item.elements[1].elements;
    for (size_t k = 0; k + 1 < fields.size(); k += 2) {
      const std::string& name = fields[k].str;
      if (name == "job") job.id = fields[k + 1].str;
      if (name == "tenant") job.tenant = fields[k + 1].str;
      if (name == "engine") job.engine = fields[k + 1].str;
    }
    if (!job.id.empty()) entry.job = std::move(job);
    out.push_back(std::move(entry));
  }
  return out;
}

Status RedisJobQueue::Enqueue(const QueuedJob& job) {
  if (job.id.empty()) return Status::InvalidArgument("job queue: a job id is required");
  Result<RedisPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return QueueError(lease.status());
  Result<RedisReply> reply =
      (*lease)->Command({"EVAL", kEnqueueScript, "2", StreamKey(job.priority), held_key_,
                         std::to_string(options_.max_length), job.id, job.tenant, job.engine,
                         std::string(JobPriorityName(job.priority))});
  if (reply.ok()) return Status::Ok();
  if (reply.status().message().find("BTRFULL") != std::string::npos) {
    return Status::ResourceExhausted("job queue: " + StreamKey(job.priority) + " holds " +
                                     std::to_string(options_.max_length) + " entries; job " +
                                     job.id + " was not enqueued");
  }
  return QueueError(reply.status());
}

Result<std::optional<Delivery>> RedisJobQueue::Dequeue(milliseconds wait) {
  const Clock::time_point deadline = Clock::now() + wait;
  if (closed_) return std::optional<Delivery>();
  Result<RedisPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return QueueError(lease.status());
  RedisConnection& c = **lease;
  bool first = true;
  while (!closed_) {
    BTR_RETURN_IF_ERROR(TakeOverStale(c));
    if (first) {
      // Higher priorities than what waits in the buffer; later rounds rely on the blocking
      // read, which answers at once with one entry of each stream that has some.
      first = false;
      Result<std::optional<Delivery>> fresh = ReadEach(c, BestBuffered());
      if (!fresh.ok() || fresh->has_value()) return fresh;
    }
    Result<std::optional<Delivery>> buffered = PopBuffered(c);
    if (!buffered.ok() || buffered->has_value()) return buffered;
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) break;
    BTR_RETURN_IF_ERROR(ReadAll(c, std::min(remaining, options_.block_slice)));
  }
  return std::optional<Delivery>();
}

Status RedisJobQueue::TakeOverStale(RedisConnection& c) {
  std::array<std::string, 3> cursors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::time_point now = Clock::now();
    if (now < next_scan_) return Status::Ok();
    cursors = claim_cursor_;
    next_scan_ = now + ScanInterval(options_.claim_idle);
  }
  if (!groups_ready_) BTR_RETURN_IF_ERROR(EnsureGroups(c));
  std::vector<std::vector<std::string>> commands;
  for (JobPriority p : kPriorities) {
    commands.push_back({"XAUTOCLAIM", StreamKey(p), options_.group, options_.consumer,
                        Millis(options_.claim_idle), cursors[Index(p)], "COUNT",
                        std::to_string(options_.claim_batch)});
  }
  Result<std::vector<RedisReply>> replies = c.Pipeline(commands);
  if (!replies.ok()) return QueueError(replies.status());
  bool more = false;
  for (JobPriority p : kPriorities) {
    const RedisReply& reply = (*replies)[Index(p)];
    if (IsErrorReply(reply, "NOGROUP")) {  // lost with a restart: recreated on the next read
      groups_ready_ = false;
      cursors[Index(p)] = "0-0";
      continue;
    }
    if (reply.type == RedisReply::Type::kError) {
      return Status::FailedPrecondition("job queue: XAUTOCLAIM: " + reply.str);
    }
    if (reply.elements.size() < 2) continue;
    // [next cursor, claimed entries, ids deleted from the stream (dropped from the PEL)]
    cursors[Index(p)] = reply.elements[0].str;
    more = more || cursors[Index(p)] != "0-0";
    BTR_RETURN_IF_ERROR(AddClaimed(c, p, ParseEntries(reply.elements[1], p)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  claim_cursor_ = cursors;
  if (more) next_scan_ = Clock::now();  // the scan stopped part-way: go on at the next round
  return Status::Ok();
}

Status RedisJobQueue::AddClaimed(RedisConnection& c, JobPriority priority,
                                 std::vector<StreamEntry> entries) {
  if (entries.empty()) return Status::Ok();
  const std::string& key = StreamKey(priority);
  std::vector<std::vector<std::string>> commands;
  for (const StreamEntry& entry : entries) {
    commands.push_back({"XPENDING", key, options_.group, entry.id, entry.id, "1"});
  }
  Result<std::vector<RedisReply>> replies = c.Pipeline(commands);
  if (!replies.ok()) return QueueError(replies.status());
  std::vector<Buffered> claimed;
  for (size_t k = 0; k < entries.size(); ++k) {
    // [[id, consumer, idle ms, deliveries]]; empty when no longer pending.
    const RedisReply& pending = (*replies)[k];
    if (pending.elements.empty() || pending.elements[0].elements.size() < 4) continue;
    const int deliveries = static_cast<int>(pending.elements[0].elements[3].integer);
    const StreamEntry& entry = entries[k];
    if (!entry.job) {
      BTR_RETURN_IF_ERROR(MoveToDeadLetters(c, priority, entry, deliveries, "unreadable entry"));
      continue;
    }
    Buffered item{Delivery{*entry.job, entry.id, deliveries, false}, Clock::now()};
    if (deliveries > options_.max_deliveries) {
      BTR_RETURN_IF_ERROR(MoveToDeadLetters(c, priority, entry, deliveries,
                                            "delivered " + std::to_string(deliveries) +
                                                " times, more than max_deliveries " +
                                                std::to_string(options_.max_deliveries)));
      item.delivery.dead_letter = true;
    }
    claimed.push_back(std::move(item));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (Buffered& item : claimed) buffered_[Index(priority)].push_back(std::move(item));
  return Status::Ok();
}

Status RedisJobQueue::MoveToDeadLetters(RedisConnection& c, JobPriority priority,
                                        const StreamEntry& entry, int deliveries,
                                        const std::string& reason) {
  const std::string& key = StreamKey(priority);
  const QueuedJob job = entry.job.value_or(QueuedJob{});
  std::vector<std::string> add = {"XADD", dead_key_};
  if (options_.dead_letter_max_length > 0) {
    add.insert(add.end(), {"MAXLEN", "~", std::to_string(options_.dead_letter_max_length)});
  }
  add.insert(add.end(), {"*", "job", job.id, "tenant", job.tenant, "engine", job.engine, "priority",
                         std::string(JobPriorityName(priority)), "stream", key, "entry", entry.id,
                         "deliveries", std::to_string(deliveries), "consumer", options_.consumer,
                         "reason", reason});
  std::vector<std::vector<std::string>> commands = {
      add, {"XACK", key, options_.group, entry.id}, {"XDEL", key, entry.id}};
  if (!job.id.empty()) commands.push_back({"SREM", held_key_, job.id});
  Result<std::vector<RedisReply>> replies = c.Pipeline(commands);
  if (!replies.ok()) return QueueError(replies.status());
  return FirstError(*replies, "moving " + entry.id + " to the dead letters");
}

Result<std::optional<Delivery>> RedisJobQueue::ReadEach(RedisConnection& c, int limit) {
  for (int p = 0; p < limit; ++p) {
    Result<RedisReply> reply =
        GroupCommand(c, {"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", "1",
                         "STREAMS", stream_keys_[p], ">"});
    if (!reply.ok()) return reply.status();
    for (const RedisReply& stream : reply->elements) {  // [[key, entries]], or nil
      if (stream.elements.size() != 2) continue;
      Result<std::vector<Delivery>> taken = TakeRead(c, kPriorities[p], stream.elements[1]);
      if (!taken.ok()) return taken.status();
      if (!taken->empty()) return std::optional<Delivery>(std::move(taken->front()));
    }
  }
  return std::optional<Delivery>();
}

Status RedisJobQueue::ReadAll(RedisConnection& c, milliseconds block) {
  std::vector<std::string> argv = {"XREADGROUP",      "GROUP",       options_.group,
                                   options_.consumer, "COUNT",       "1",
                                   "BLOCK",           Millis(block), "STREAMS"};
  argv.insert(argv.end(), stream_keys_.begin(), stream_keys_.end());
  argv.insert(argv.end(), stream_keys_.size(), ">");
  Result<RedisReply> reply = GroupCommand(c, argv);
  if (!reply.ok()) return reply.status();
  for (const RedisReply& stream : reply->elements) {  // nil when the block ran out
    if (stream.elements.size() != 2) continue;
    const auto key = std::find(stream_keys_.begin(), stream_keys_.end(), stream.elements[0].str);
    if (key == stream_keys_.end()) continue;
    const JobPriority priority = kPriorities[key - stream_keys_.begin()];
    Result<std::vector<Delivery>> taken = TakeRead(c, priority, stream.elements[1]);
    if (!taken.ok()) return taken.status();
    std::lock_guard<std::mutex> lock(mu_);
    for (Delivery& d : *taken) {
      buffered_[Index(priority)].push_back(Buffered{std::move(d), Clock::now()});
    }
  }
  return Status::Ok();
}

Result<std::vector<Delivery>> RedisJobQueue::TakeRead(RedisConnection& c, JobPriority priority,
                                                      const RedisReply& entries) {
  std::vector<Delivery> out;
  for (StreamEntry& entry : ParseEntries(entries, priority)) {
    if (!entry.job) {
      BTR_RETURN_IF_ERROR(MoveToDeadLetters(c, priority, entry, 1, "unreadable entry"));
      continue;
    }
    out.push_back(Delivery{std::move(*entry.job), std::move(entry.id), 1, false});
  }
  return out;
}

int RedisJobQueue::BestBuffered() {
  std::lock_guard<std::mutex> lock(mu_);
  for (int p = 0; p < 3; ++p) {
    if (!buffered_[p].empty()) return p;
  }
  return 3;
}

Result<std::optional<Delivery>> RedisJobQueue::PopBuffered(RedisConnection& c) {
  for (;;) {
    Buffered next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto level = std::find_if(buffered_.begin(), buffered_.end(),
                                [](const std::deque<Buffered>& d) { return !d.empty(); });
      if (level == buffered_.end()) return std::optional<Delivery>();
      next = std::move(level->front());
      level->pop_front();
    }
    const auto age = std::chrono::duration_cast<milliseconds>(Clock::now() - next.received);
    // Nobody can take an entry over before it has been idle for claim_idle.
    if (next.delivery.dead_letter || age < options_.claim_idle / 2) {
      return std::optional<Delivery>(std::move(next.delivery));
    }
    // Claimed only when it stayed idle since it was read, i.e. nobody took it over since.
    Result<RedisReply> still =
        GroupCommand(c, {"XCLAIM", StreamKey(next.delivery.job.priority), options_.group,
                         options_.consumer, Millis(age), next.delivery.token, "JUSTID"});
    if (!still.ok()) return still.status();
    if (!still->elements.empty()) return std::optional<Delivery>(std::move(next.delivery));
  }
}

Status RedisJobQueue::Ack(const Delivery& delivery) {
  if (delivery.dead_letter) return Status::Ok();
  Result<RedisPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return QueueError(lease.status());
  const std::string& key = StreamKey(delivery.job.priority);
  Result<std::vector<RedisReply>> replies =
      (*lease)->Pipeline({{"XACK", key, options_.group, delivery.token},
                          {"XDEL", key, delivery.token},
                          {"SREM", held_key_, delivery.job.id}});
  if (!replies.ok()) return QueueError(replies.status());
  return FirstError(*replies, "acknowledging " + delivery.token);
}

Status RedisJobQueue::Touch(const Delivery& delivery) {
  if (delivery.dead_letter) return Status::Ok();
  Result<RedisPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return QueueError(lease.status());
  Result<RedisReply> reply =
      GroupCommand(**lease, {"XCLAIM", StreamKey(delivery.job.priority), options_.group,
                             options_.consumer, "0", delivery.token, "JUSTID"});
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) {
    return Status::NotFound("job queue: delivery " + delivery.token + " of job " + delivery.job.id +
                            " is no longer pending");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> RedisJobQueue::Missing(const std::vector<std::string>& job_ids) {
  std::vector<std::string> missing;
  if (job_ids.empty()) return missing;
  Result<RedisPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return QueueError(lease.status());
  for (size_t start = 0; start < job_ids.size(); start += kMissingBatch) {
    const size_t end = std::min(job_ids.size(), start + kMissingBatch);
    std::vector<std::string> argv = {"SMISMEMBER", held_key_};
    argv.insert(argv.end(), job_ids.begin() + start, job_ids.begin() + end);
    Result<RedisReply> reply = (*lease)->Command(argv);
    if (!reply.ok()) return QueueError(reply.status());
    if (reply->elements.size() != end - start) {
      return Status::Internal("job queue: SMISMEMBER answered " +
                              std::to_string(reply->elements.size()) + " flags for " +
                              std::to_string(end - start) + " ids");
    }
    for (size_t k = start; k < end; ++k) {
      if (reply->elements[k - start].integer == 0) missing.push_back(job_ids[k]);
    }
  }
  return missing;
}

Result<size_t> RedisJobQueue::Depth() {
  Result<RedisPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return QueueError(lease.status());
  // One consistent snapshot: every stream's length and the group's pending count.
  std::vector<std::vector<std::string>> commands = {{"MULTI"}};
  for (const std::string& key : stream_keys_) {
    commands.push_back({"XLEN", key});
    commands.push_back({"XPENDING", key, options_.group});
  }
  commands.push_back({"EXEC"});
  Result<std::vector<RedisReply>> replies = (*lease)->Pipeline(commands);
  if (!replies.ok()) return QueueError(replies.status());
  const RedisReply& exec = replies->back();
  if (!exec.is_array() || exec.elements.size() != 2 * stream_keys_.size()) {
    return Status::FailedPrecondition("job queue: depth: unexpected reply '" + exec.str + "'");
  }
  size_t depth = 0;
  for (size_t p = 0; p < stream_keys_.size(); ++p) {
    const long long length = exec.elements[2 * p].integer;
    // [count, first id, last id, consumers]; NOGROUP when the group does not exist yet.
    const RedisReply& pending = exec.elements[2 * p + 1];
    const long long delivered =
        pending.is_array() && !pending.elements.empty() ? pending.elements[0].integer : 0;
    depth += static_cast<size_t>(std::max(0LL, length - delivered));
  }
  return depth;
}

void RedisJobQueue::Close() { closed_ = true; }

}  // namespace btr
