#include "services/queue/worker_directory.h"

#include <nlohmann/json.hpp>

namespace btr {

std::string WorkerToJson(const WorkerInfo& w) {
  return nlohmann::json{
      {"id", w.id},           {"host", w.host},         {"pid", w.pid},
      {"version", w.version}, {"engines", w.engines},   {"threads", w.threads},
      {"running", w.running}, {"finished", w.finished}, {"started_at", w.started_at},
      {"seen_at", w.seen_at}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<WorkerInfo> WorkerFromJson(std::string_view text) {
  const nlohmann::json in = nlohmann::json::parse(text, nullptr, false);
  if (!in.is_object()) return Status::InvalidArgument("worker: not a JSON object");
  WorkerInfo w;
  try {
    w.id = in.at("id").get<std::string>();
    w.host = in.value("host", "");
    w.pid = in.value("pid", int64_t{0});
    w.version = in.value("version", "");
    w.engines = in.value("engines", std::vector<std::string>{});
    w.threads = in.value("threads", int64_t{0});
    w.running = in.value("running", int64_t{0});
    w.finished = in.value("finished", int64_t{0});
    w.started_at = in.value("started_at", TimeNs{0});
    w.seen_at = in.value("seen_at", TimeNs{0});
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("worker: ") + e.what());
  }
  return w;
}

Status LocalWorkerDirectory::Report(const WorkerInfo& worker) {
  std::lock_guard<std::mutex> lock(mu_);
  workers_[worker.id] = worker;
  return Status::Ok();
}

Status LocalWorkerDirectory::Forget(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  workers_.erase(id);
  return Status::Ok();
}

Result<std::vector<WorkerInfo>> LocalWorkerDirectory::List(TimeNs now, TimeNs stale_after) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WorkerInfo> out;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (now - it->second.seen_at > stale_after) {
      it = workers_.erase(it);
    } else {
      out.push_back(it->second);
      ++it;
    }
  }
  return out;
}

RedisWorkerDirectory::RedisWorkerDirectory(RedisPool* pool, std::string key_prefix)
    : pool_(pool), key_(std::move(key_prefix) + ":workers") {}

Status RedisWorkerDirectory::Report(const WorkerInfo& worker) {
  return pool_->Command({"HSET", key_, worker.id, WorkerToJson(worker)}).status();
}

Status RedisWorkerDirectory::Forget(const std::string& id) {
  return pool_->Command({"HDEL", key_, id}).status();
}

Result<std::vector<WorkerInfo>> RedisWorkerDirectory::List(TimeNs now, TimeNs stale_after) {
  Result<RedisReply> all = pool_->Command({"HGETALL", key_});
  if (!all.ok()) return all.status();
  std::vector<WorkerInfo> out;
  std::vector<std::string> stale;
  for (size_t k = 0; k + 1 < all->elements.size(); k += 2) {
    Result<WorkerInfo> w = WorkerFromJson(all->elements[k + 1].str);
    if (!w.ok() || now - w->seen_at > stale_after) {
      stale.push_back(all->elements[k].str);
      continue;
    }
    out.push_back(std::move(w).value());
  }
  if (!stale.empty()) {
    std::vector<std::string> command = {"HDEL", key_};
    command.insert(command.end(), stale.begin(), stale.end());
    (void)pool_->Command(command);
  }
  return out;
}

}  // namespace btr
