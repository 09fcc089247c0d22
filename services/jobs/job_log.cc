#include "services/jobs/job_log.h"

#include <utility>
#include <vector>

namespace btr {
namespace {

constexpr size_t kMaxMessageBytes = 4096;  // one engine line longer than this is cut

}  // namespace

JobLog::JobLog(JobStore* store, const Clock* clock, std::string job_id, size_t max_lines)
    : store_(store), clock_(clock), job_id_(std::move(job_id)), max_lines_(max_lines) {}

void JobLog::Add(std::string_view level, std::string_view source, std::string_view message) {
  JobLogEntry line;
  line.time = clock_->Now();
  line.level = std::string(level);
  line.source = std::string(source);
  line.message = std::string(message.substr(0, kMaxMessageBytes));
  if (message.size() > kMaxMessageBytes) line.message += " ...";
  std::lock_guard<std::mutex> lock(mu_);
  if (written_ >= max_lines_) {
    ++dropped_;
    return;
  }
  if (++written_ == max_lines_) {
    line.level = "warn";
    line.source = "btrouter";
    line.message = "log limit of " + std::to_string(max_lines_) +
                   " lines reached (jobs.max_log_lines); later lines are dropped";
  }
  (void)store_->AppendJobLog(job_id_, {std::move(line)});
}

size_t JobLog::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace btr
