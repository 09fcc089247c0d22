// Status and Result<T>: how every btrouter module reports failure. No exception crosses a
// module boundary; third-party exceptions are caught at the edge and turned into a Status.
//
// A Status is a code plus a human-readable message. The message names what was wrong and,
// where it can, the fix ("--cash: expected a number > 0, got 'abc'"). The code carries the
// retry class used by the router:
//   kInvalidArgument   the request itself is wrong: never retried, never falls back.
//   kNotFound          the named thing does not exist.
//   kUnavailable       the engine could not be reached or refused before accepting the job:
//                      may be retried or fall back.
//   kDeadlineExceeded  a time limit passed before an answer.
//   kUnknownOutcome    a submit whose reply was lost: reconcile before anything else.
//   kCancelled         the caller asked to stop.
//   kUnauthenticated   no or an invalid credential; kPermissionDenied: valid but not allowed.
//   kInternal          a bug or an unexpected answer.
// Thread-compatible value type: copy freely; concurrent const access is safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace btr {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,
  kUnknownOutcome,
  kCancelled,
  kUnauthenticated,
  kPermissionDenied,
  kInternal,
};

// The stable lower-case name of a code ("invalid_argument"), used in logs and APIs.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status UnknownOutcome(std::string m) {
    return {StatusCode::kUnknownOutcome, std::move(m)};
  }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: <message>", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithPrefix(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status. REQUIRES: a Result is never built from an OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  // The error; OK when the Result holds a value.
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace btr

// Evaluates `expr` (a Status); returns it from the calling function when it is not OK.
#define BTR_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::btr::Status btr_status_ = (expr);        \
    if (!btr_status_.ok()) return btr_status_; \
  } while (false)
