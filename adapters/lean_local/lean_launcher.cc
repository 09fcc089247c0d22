#include "adapters/lean_local/lean_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace btr::lean_local {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Closes a descriptor once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const char* path, char* const* argv, int devnull, int out, int err) {
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  }
  if (::dup2(devnull, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
      ::dup2(out, STDERR_FILENO) < 0) {
    const int e = errno;
    (void)!::write(err, &e, sizeof e);
    _exit(127);
  }
  // Nothing of the parent's but stdin/out/err survives exec (`err` is already close-on-exec).
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    const long max_fd = sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < (max_fd > 0 && max_fd < 65536 ? max_fd : 65536); ++fd) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  ::execv(path, argv);
  const int e = errno;
  (void)!::write(err, &e, sizeof e);
  _exit(127);
}

// Whether `pid` has exited, without reaping it (the zombie keeps its process group id reserved).
bool HasExited(pid_t pid) {
  siginfo_t info{};
  info.si_pid = 0;
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Kills what is left of the group, then reaps the leader.
void Reap(pid_t pid, ProcessOutcome* outcome) {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) outcome->exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome->signal = WTERMSIG(status);
}

// Splits the output into lines.
class LineSplitter {
 public:
  explicit LineSplitter(const ProcessOptions& options) : options_(options) {}
  void Add(const char* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      const char c = data[i];
      if (c == '\n') {
        Flush();
      } else {
        partial_ += c;
        if (partial_.size() >= options_.max_line_bytes) Flush();
      }
    }
  }
  void Finish() {
    if (!partial_.empty()) Flush();
  }

 private:
  void Flush() {
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    if (options_.on_line) options_.on_line(partial_);
    partial_.clear();
  }
  const ProcessOptions& options_;
  std::string partial_;
};

// Reads what is available; false at EOF or on a read error.
bool ReadAvailable(int fd, LineSplitter* lines, size_t budget) {
  char buffer[16384];
  size_t total = 0;
  while (total < budget) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      lines->Add(buffer, static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  return true;
}

bool Cancelled(const ProcessOptions& options) {
  return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
}

// SIGTERM to the group, SIGKILL after the grace period, then reap.
void Stop(pid_t pid, const ProcessOptions& options, int out_fd, LineSplitter* lines,
          ProcessOutcome* outcome) {
  if (options.before_kill) options.before_kill();
  ::kill(-pid, SIGTERM);
  const Clock::time_point until = Clock::now() + options.kill_grace;
  bool open = out_fd >= 0;
  while (!HasExited(pid) && Clock::now() < until) {
    if (open) {
      pollfd p{out_fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) open = ReadAvailable(out_fd, lines, 1 << 20);
    } else {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  Reap(pid, outcome);  // SIGKILLs the group first
}

}  // namespace

Result<std::string> FindProgram(const std::string& program) {
  if (program.empty()) return Status::NotFound("empty program name");
  if (program.find('/') != std::string::npos) {
    if (IsExecutableFile(program)) return program;
    if (::access(program.c_str(), F_OK) == 0) {
      return Status::FailedPrecondition("'" + program + "' is not an executable file");
    }
    return Status::NotFound("'" + program + "' does not exist");
  }
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    const size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + program;
    if (IsExecutableFile(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return Status::NotFound("'" + program + "' is not on PATH (" + path + ")");
}

std::string ProcessOutcome::Describe() const {
  if (signal != 0) {
    const char* name = ::sigabbrev_np(signal);
    return "killed by signal " + std::to_string(signal) +
           (name != nullptr ? " (SIG" + std::string(name) + ")" : "");
  }
  return "exit status " + std::to_string(exit_code);
}

Result<ProcessOutcome> RunProcess(const ProcessOptions& options) {
  if (options.argv.empty()) return Status::Internal("RunProcess: empty argv");
  Result<std::string> path = FindProgram(options.argv.front());
  if (!path.ok()) return path.status();

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);
  Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (devnull.get() < 0) return Status::Internal(std::string("/dev/null: ") + std::strerror(errno));

  std::vector<std::string> args = options.argv;
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0)
    ExecChild(path->c_str(), cargs.data(), devnull.get(), out_write.get(), err_write.get());
  ::setpgid(pid, pid);  // also in the parent, so a kill right away reaches the group
  out_write.Close();
  err_write.Close();
  devnull.Close();

  ProcessOutcome outcome;
  outcome.pid = pid;
  int exec_errno = 0;
  ssize_t n;
  while ((n = ::read(err_read.get(), &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    Reap(pid, &outcome);
    return Status::Unavailable("cannot start '" + *path + "': " + std::strerror(exec_errno));
  }

  ::fcntl(out_read.get(), F_SETFL, ::fcntl(out_read.get(), F_GETFL) | O_NONBLOCK);
  LineSplitter lines(options);
  bool open = true;
  for (;;) {
    if (Cancelled(options) || Clock::now() >= options.deadline) {
      outcome.end = Cancelled(options) ? ProcessEnd::kCancelled : ProcessEnd::kTimedOut;
      Stop(pid, options, open ? out_read.get() : -1, &lines, &outcome);
      break;
    }
    if (open) {
      pollfd p{out_read.get(), POLLIN, 0};
      const int ready = ::poll(&p, 1, 50);
      if (ready > 0) open = ReadAvailable(out_read.get(), &lines, 1 << 20);
    } else {
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (HasExited(pid)) {
      // Whatever the leader wrote is in the pipe already; a straggler holding the pipe open
      // does not keep us waiting.
      if (open) (void)ReadAvailable(out_read.get(), &lines, 4 << 20);
      Reap(pid, &outcome);
      break;
    }
  }
  lines.Finish();
  return outcome;
}

}  // namespace btr::lean_local
