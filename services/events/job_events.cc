#include "services/events/job_events.h"

#include <mutex>
#include <nlohmann/json.hpp>

namespace btr {

uint64_t JobListeners::AddChange(JobEvents::ChangeListener listener) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  entries_[next_] = Entry{std::move(listener), nullptr};
  return next_++;
}

uint64_t JobListeners::AddCancel(JobEvents::CancelListener listener) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  entries_[next_] = Entry{nullptr, std::move(listener)};
  return next_++;
}

void JobListeners::Remove(uint64_t id) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  entries_.erase(id);
}

void JobListeners::FireChange(const JobRecord& job) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& [id, entry] : entries_) {
    if (entry.change) entry.change(job);
  }
}

void JobListeners::FireCancel(const std::string& job_id) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& [id, entry] : entries_) {
    if (entry.cancel) entry.cancel(job_id);
  }
}

std::string JobRecordToWire(const JobRecord& job) {
  const nlohmann::json out = {{"id", job.id},
                              {"tenant", job.tenant},
                              {"status", JobStatusName(job.status)},
                              {"progress", job.progress},
                              {"phase", job.phase},
                              {"spec_hash", job.spec_hash},
                              {"idempotency_key", job.idempotency_key},
                              {"engine_requested", job.engine_requested},
                              {"engine_used", job.engine_used},
                              {"fallbacks", job.fallbacks_json},
                              {"error_code", job.error_code},
                              {"error_message", job.error_message},
                              {"attempt", job.attempt},
                              {"cancel_requested", job.cancel_requested},
                              {"created_at", job.created_at},
                              {"updated_at", job.updated_at},
                              {"started_at", job.started_at},
                              {"finished_at", job.finished_at},
                              {"spec", job.spec_json}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<JobRecord> JobRecordFromWire(std::string_view text) {
  const nlohmann::json in = nlohmann::json::parse(text, nullptr, false);
  if (!in.is_object() || !in.contains("id") || !in["id"].is_string()) {
    return Status::InvalidArgument("job event: not a job record");
  }
  JobRecord job;
  try {
    job.id = in.at("id").get<std::string>();
    job.tenant = in.at("tenant").get<std::string>();
    const std::optional<JobStatus> status = ParseJobStatus(in.at("status").get<std::string>());
    if (!status) return Status::InvalidArgument("job event: unknown status");
    job.status = *status;
    job.progress = in.at("progress").get<double>();
    job.phase = in.at("phase").get<std::string>();
    job.spec_hash = in.at("spec_hash").get<std::string>();
    job.idempotency_key = in.at("idempotency_key").get<std::string>();
    job.engine_requested = in.at("engine_requested").get<std::string>();
    job.engine_used = in.at("engine_used").get<std::string>();
    job.fallbacks_json = in.at("fallbacks").get<std::string>();
    job.error_code = in.at("error_code").get<std::string>();
    job.error_message = in.at("error_message").get<std::string>();
    job.attempt = in.at("attempt").get<int>();
    job.cancel_requested = in.at("cancel_requested").get<bool>();
    job.created_at = in.at("created_at").get<TimeNs>();
    job.updated_at = in.at("updated_at").get<TimeNs>();
    job.started_at = in.at("started_at").get<TimeNs>();
    job.finished_at = in.at("finished_at").get<TimeNs>();
    job.spec_json = in.at("spec").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("job event: ") + e.what());
  }
  return job;
}

}  // namespace btr
