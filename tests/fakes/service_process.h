// A fake (or real) service run as a child process for adapter tests: started with
// `--listen 127.0.0.1:0 --port-file FILE` plus its own arguments, it writes the port it bound to
// FILE; the constructor waits for that. The destructor stops it with SIGTERM and reaps it.
// Test-only: failures are Catch2 REQUIREs.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"

namespace btr::testing {

class ServiceProcess {
 public:
  // `argv` starts with the program; `env` as "NAME=value" entries added to the environment.
  // The child's stderr goes to `log_path` when given.
  explicit ServiceProcess(std::vector<std::string> argv, std::vector<std::string> env = {},
                          std::string log_path = "")
      : argv_(std::move(argv)), env_(std::move(env)), log_path_(std::move(log_path)) {
    Start();
  }
  ~ServiceProcess() { Stop(); }
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Starts the process (again, on a new port unless `port` is given) and waits for its port.
  void Start(int port = 0) {
    const std::string port_file = dir_.Path("port");
    std::filesystem::remove(port_file);
    std::vector<std::string> args = argv_;
    args.insert(args.end(),
                {"--listen", "127.0.0.1:" + std::to_string(port), "--port-file", port_file});
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      if (!log_path_.empty()) {
        const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0) dup2(log, STDERR_FILENO);
      }
      for (const std::string& entry : env_) putenv(const_cast<char*>(entry.c_str()));
      std::vector<char*> cargs;
      for (std::string& a : args) cargs.push_back(a.data());
      cargs.push_back(nullptr);
      execvp(cargs[0], cargs.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      std::ifstream in(port_file);
      int bound = 0;
      if (in >> bound && bound > 0) {
        port_ = bound;
        break;
      }
      int status = 0;
      REQUIRE(waitpid(pid_, &status, WNOHANG) == 0);  // it must not have exited
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Sends `signal` and waits for the process to end; a process still alive 5 s later (a fake
  // whose shutdown waits on a hung request) gets SIGKILL, so a test never hangs here.
  void Stop(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::vector<std::string> argv_;
  std::vector<std::string> env_;
  std::string log_path_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// The Backtesting.py fake (tests/fakes/backtestingpy_fake.py) with extra arguments.
inline std::vector<std::string> BacktestingPyFakeArgv(std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {
      Python(), "-B", std::string(BTR_SOURCE_DIR) + "/tests/fakes/backtestingpy_fake.py"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// The QuantConnect API v2 fake (tests/fakes/fake_qc_api.py) with extra arguments (--user-id and
// --token are required). Start it with QcFakeEnv() so it finds the btrouter binary and the
// shared LEAN fixtures.
inline std::vector<std::string> QcFakeArgv(std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {Python(), "-B",
                                   std::string(BTR_SOURCE_DIR) + "/tests/fakes/fake_qc_api.py"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

inline std::vector<std::string> QcFakeEnv() {
  return {std::string("BTR_BINARY=") + BTR_BINARY, "BTR_SHARED_DIR=" + SharedDir()};
}

}  // namespace btr::testing
