// The btrouter binary run on a pseudo-terminal, as in an interactive shell: stdin, stdout and
// stderr are the terminal (raw mode, so the bytes read are the bytes written), and the test
// reads what a user would see. Test-only: failures are Catch2 REQUIREs; the destructor kills
// (SIGKILL) and reaps a child still running.
#pragma once

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace btr::testing {

class PtyProcess {
 public:
  explicit PtyProcess(std::vector<std::string> args) {
    args.insert(args.begin(), BTR_BINARY);
    struct termios raw = {};
    cfmakeraw(&raw);
    pid_ = forkpty(&master_, nullptr, &raw, nullptr);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~PtyProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  // Reads until `text` has appeared in the output, or `timeout`; true when it appeared.
  bool WaitFor(const std::string& text,
               std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline || !ReadSome(deadline)) return false;
    }
    return true;
  }

  void Signal(int signal_number) { REQUIRE(::kill(pid_, signal_number) == 0); }

  // Reads until the terminal closes and reaps the child; its wait status.
  int Finish(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ReadSome(deadline)) {
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    int status = 0;
    REQUIRE(waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    return status;
  }

  const std::string& output() const { return output_; }

 private:
  // One read; false at the end of output (the child closed the terminal) or at `deadline`.
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p = {master_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = read(master_, buf, sizeof buf);
    if (n <= 0) return false;  // EIO once the child has closed the terminal
    output_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int master_ = -1;
  std::string output_;
};

}  // namespace btr::testing
