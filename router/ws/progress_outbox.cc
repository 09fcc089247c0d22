#include "router/ws/progress_outbox.h"

#include <utility>

namespace btr {

ProgressOutbox::ProgressOutbox(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

bool ProgressOutbox::Push(Message message, bool final) {
  if (final_queued_) return false;
  if (final) {
    final_queued_ = true;
    queue_.push_back(Entry{std::move(message), true});
    return true;
  }
  if (queued() >= capacity_) {
    // The newest queued message is intermediate (nothing follows a final one) and not being
    // written (queued() >= 1): the new state supersedes it.
    queue_.back().message = std::move(message);
    ++dropped_;
    return true;
  }
  queue_.push_back(Entry{std::move(message), false});
  return true;
}

const ProgressOutbox::Message& ProgressOutbox::StartWrite() {
  writing_ = true;
  return queue_.front().message;
}

bool ProgressOutbox::FinishWrite() {
  const bool final = queue_.front().final;
  queue_.pop_front();
  writing_ = false;
  return final;
}

}  // namespace btr
