// Real Redis and PostgreSQL servers for tests, started on free loopback ports in temporary
// folders and stopped with the object (Debian 12 packages redis-server and postgresql-15, which
// scripts/setup installs). PostgreSQL refuses to run as root, so as root the cluster is owned
// by and run as the `postgres` user. Test-only: failures are Catch2 REQUIREs with a
// message saying what to install.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"

namespace btr::testing {

// A free TCP port on 127.0.0.1 (bound, read and released: another process could take it
// before the caller does, which is unlikely in a test run).
inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A child process with its output in `log`; Kill() sends a signal and reaps it.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Kill(SIGKILL); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Runs `argv` as the user `run_as` when given (the caller is root).
  void Spawn(std::vector<std::string> argv, const std::string& log,
             const passwd* run_as = nullptr) {
    const uid_t uid = run_as ? run_as->pw_uid : 0;
    const gid_t gid = run_as ? run_as->pw_gid : 0;
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      if (run_as && (setgid(gid) != 0 || setuid(uid) != 0)) _exit(126);
      const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
      }
      setpgid(0, 0);  // its own group: a signal to it does not reach the test
      std::vector<char*> args;
      for (std::string& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
  }

  bool Alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
  }

  void Signal(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  // Sends `signal`, waits up to 10 s, then SIGKILL.
  void Kill(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
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

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Runs `argv` to completion; its exit status (output appended to `log`).
inline int RunToEnd(std::vector<std::string> argv, const std::string& log,
                    const passwd* run_as = nullptr) {
  ChildProcess child;
  child.Spawn(std::move(argv), log, run_as);
  int status = 0;
  waitpid(child.pid(), &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string FindProgram(const std::vector<std::string>& candidates,
                               const std::string& package) {
  for (const std::string& path : candidates) {
    if (std::filesystem::exists(path)) return path;
  }
  FAIL("none of " << candidates.front() << "... found: install " << package
                  << " (./scripts/setup does)");
  return "";
}

// redis-server on a free port, without persistence unless `appendonly`.
class LocalRedis {
 public:
  explicit LocalRedis(bool appendonly = false) : appendonly_(appendonly) {
    port_ = FreePort();
    Start();
  }
  ~LocalRedis() { process_.Kill(SIGKILL); }

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  void Start() {
    const std::string server = FindProgram({"/usr/bin/redis-server"}, "redis-server");
    process_.Spawn({server, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", appendonly_ ? "yes" : "no", "--dir", dir_.path(),
                    "--protected-mode", "no", "--maxmemory-policy", "noeviction"},
                   dir_.Path("redis.log"));
    WaitReady();
  }
  // kill -9: without appendonly every key is gone after Start().
  void Kill() { process_.Kill(SIGKILL); }
  void Pause() { process_.Signal(SIGSTOP); }
  void Resume() { process_.Signal(SIGCONT); }

 private:
  void WaitReady() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(port_));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
      ::close(fd);
      if (up) return;
      INFO("redis-server log: " << ReadFile(dir_.Path("redis.log")));
      REQUIRE(process_.Alive());
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  bool appendonly_;
  TempDir dir_;
  ChildProcess process_;
  int port_ = 0;
};

// A PostgreSQL 15 cluster (initdb) on a free port; databases are created with CreateDatabase.
class LocalPostgres {
 public:
  LocalPostgres() {
    bin_ = FindProgram({"/usr/lib/postgresql/15/bin/postgres"}, "postgresql-15");
    bin_ = std::filesystem::path(bin_).parent_path().string();
    port_ = FreePort();
    data_ = dir_.Path("data");
    if (geteuid() == 0) {
      // The postgres user must reach and own the folder.
      const passwd* user = getpwnam("postgres");
      REQUIRE(user != nullptr);
      user_ = *user;
      run_as_ = &user_;
      std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);
      REQUIRE(::chown(dir_.path().c_str(), user->pw_uid, user->pw_gid) == 0);
    }
    const int initdb = RunToEnd(
        {bin_ + "/initdb", "-D", data_, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"},
        dir_.Path("initdb.log"), run_as_);
    INFO(ReadFile(dir_.Path("initdb.log")));
    REQUIRE(initdb == 0);
    Start();
  }
  ~LocalPostgres() { process_.Kill(SIGINT); }  // fast shutdown

  int port() const { return port_; }
  // A libpq connection string for `database`.
  std::string Url(const std::string& database = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }

  void Start() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      process_.Spawn({bin_ + "/postgres", "-D", data_, "-p", std::to_string(port_), "-k",
                      dir_.path(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                      "max_connections=200", "-c", "shared_buffers=64MB"},
                     dir_.Path("postgres.log"), run_as_);
      if (WaitReady(deadline)) return;
      // The server exited while starting: right after a kill -9 the old server's backends may
      // still hold its shared memory for a moment. Try again.
      INFO("postgres log: " << ReadFile(dir_.Path("postgres.log")));
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  void Kill(int signal = SIGKILL) { process_.Kill(signal); }

  // CREATE DATABASE through psql; returns its URL.
  std::string CreateDatabase(const std::string& name) {
    const int rc =
        RunToEnd({"psql", "-q", "-v", "ON_ERROR_STOP=1", Url(), "-c", "CREATE DATABASE " + name},
                 dir_.Path("psql.log"));
    INFO(ReadFile(dir_.Path("psql.log")));
    REQUIRE(rc == 0);
    return Url(name);
  }

 private:
  // True once the server accepts connections; false when it exited first.
  bool WaitReady(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      if (RunToEnd({bin_ + "/pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(port_)},
                   "/dev/null") == 0) {
        return true;
      }
      if (!process_.Alive()) return false;
      INFO("postgres log: " << ReadFile(dir_.Path("postgres.log")));
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  TempDir dir_;
  ChildProcess process_;
  std::string bin_, data_;
  passwd user_{};
  const passwd* run_as_ = nullptr;  // set when running as root
  int port_ = 0;
};

}  // namespace btr::testing
