// Launching the LEAN command (or any helper such as `docker version`) as a child process and
// following its output line by line.
//
// The child runs in its own process group (its pid is the group id) with stdin from /dev/null,
// stdout and stderr on one pipe, the default signal dispositions and an empty signal mask, and
// no descriptor of btrouter's besides those three. It is found on PATH (or given as a path) BEFORE
// fork, so a missing program is reported without starting anything; exec failures travel back on
// a close-on-exec pipe.
//
// Stopping (cancel or deadline): `before_kill` runs first (the engine uses it for
// `docker kill <container>`), then SIGTERM goes to the whole process group, then SIGKILL after
// `kill_grace` if the leader has not exited. When the leader exits on its own, whatever is left
// in its group is killed with SIGKILL before the leader is reaped, so nothing outlives a run.
// For a `docker run` template this kills the docker CLIENT; the container itself stops only
// because the client forwards SIGTERM to it (docker's default --sig-proxy) or because
// `docker kill` is run for a template that names it ("--name {container}").
//
// Threads: RunProcess() blocks the calling thread; it may run concurrently in several threads.
// It relies on no one else reaping its child (no SIGCHLD handler calling waitpid(-1)).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr::lean_local {

// The absolute path of `program`: itself when it holds a '/', else the first executable match on
// PATH. NotFound naming the program (and PATH) otherwise; FailedPrecondition when the file
// exists but is not executable.
Result<std::string> FindProgram(const std::string& program);

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0]: a program name or path, resolved with FindProgram
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  const std::atomic<bool>* cancel = nullptr;           // may be null
  std::chrono::milliseconds kill_grace{10000};         // SIGTERM → SIGKILL
  std::function<void(std::string_view line)> on_line;  // each output line, '\n'/'\r' removed
  std::function<void()> before_kill;                   // may be empty
  // Lines longer than this are cut into pieces of this size.
  size_t max_line_bytes = 64 << 10;
};

enum class ProcessEnd {
  kExited,     // exited on its own (exit_code), or was killed by someone else (signal)
  kTimedOut,   // the deadline passed; it was stopped
  kCancelled,  // *cancel became true; it was stopped
};

struct ProcessOutcome {
  ProcessEnd end = ProcessEnd::kExited;
  int exit_code = -1;  // when it exited normally
  int signal = 0;      // when a signal ended it
  pid_t pid = -1;      // the child's pid (= its process group id), for diagnostics

  bool succeeded() const { return end == ProcessEnd::kExited && exit_code == 0; }
  // "exit status 3", "killed by signal 9".
  std::string Describe() const;
};

// Runs `options.argv` to completion (or until stopped) and reports every output line.
// Errors: NotFound / FailedPrecondition from FindProgram; Unavailable when exec fails (the
// message carries strerror); Internal when a pipe or fork cannot be made.
Result<ProcessOutcome> RunProcess(const ProcessOptions& options);

}  // namespace btr::lean_local
