#include "services/store/store.h"

namespace btr {

std::string_view JobStatusName(JobStatus s) {
  switch (s) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kSucceeded:
      return "succeeded";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
  }
  return "queued";
}

std::optional<JobStatus> ParseJobStatus(std::string_view name) {
  for (JobStatus s : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded,
                      JobStatus::kFailed, JobStatus::kCancelled}) {
    if (JobStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view RoleName(Role r) { return r == Role::kAdmin ? "admin" : "user"; }

}  // namespace btr
