// ProgressOutbox: the bounded outgoing queue of one live-progress WebSocket subscriber.
//
// A subscriber that reads slowly must not make the server buffer without bound, yet it must
// always learn how its job ended. So the queue holds at most `capacity` messages besides the one
// being written; when it is full, a new intermediate message replaces the newest queued
// intermediate one (the client skips a progress step and sees the latest state instead). The
// final message is always accepted, even beyond the capacity, and nothing is accepted after it.
// Order is preserved.
//
// Messages are shared, immutable strings, so one serialized update can be queued for every
// subscriber of a job. Not thread-safe: one connection's strand (the server's io thread) owns it.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace btr {

class ProgressOutbox {
 public:
  using Message = std::shared_ptr<const std::string>;

  // REQUIRES: capacity >= 1.
  explicit ProgressOutbox(size_t capacity);

  // Queues `message`; `final` marks the last message of the stream. Returns false when the
  // message was refused because the final message was already queued.
  bool Push(Message message, bool final);

  // True when a message is queued and none is being written.
  bool CanStartWrite() const { return !writing_ && !queue_.empty(); }
  // Marks the oldest queued message as being written and returns it.
  // REQUIRES: CanStartWrite().
  const Message& StartWrite();
  // The message from StartWrite() was written (or failed); drops it. Returns true when it was
  // the final message. REQUIRES: a write was started.
  bool FinishWrite();

  bool writing() const { return writing_; }
  bool final_queued() const { return final_queued_; }
  // Messages waiting behind the one being written.
  size_t queued() const { return queue_.size() - (writing_ ? 1 : 0); }
  // Intermediate messages replaced by newer ones since construction.
  size_t dropped() const { return dropped_; }

 private:
  struct Entry {
    Message message;
    bool final = false;
  };

  const size_t capacity_;
  std::deque<Entry> queue_;  // front() is being written when writing_
  bool writing_ = false;
  bool final_queued_ = false;
  size_t dropped_ = 0;
};

}  // namespace btr
