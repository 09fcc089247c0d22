// A real `btrouter serve` child process for tests that talk to the server over HTTP, shared by
// the API integration tests and the CLI client tests. Test-only: failures are Catch2 REQUIREs.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace btr::testing {

// `btrouter serve --data-dir DIR --listen 127.0.0.1:0`; the constructor waits for the "serving on"
// line, taking the port from it and the key from an "admin key: " line before it (first start of
// a data directory only). The destructor stops the server with SIGTERM and reaps it.
class ServeProcess {
 public:
  // The server's log (stderr) goes to `log_path` when given, else to the test's stderr.
  explicit ServeProcess(const std::string& data_dir, const std::string& log_path = "") {
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      if (!log_path.empty()) {
        const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0) dup2(log, STDERR_FILENO);
      }
      execl(BTR_BINARY, BTR_BINARY, "serve", "--data-dir", data_dir.c_str(), "--listen",
            "127.0.0.1:0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    char line[512];
    while (std::fgets(line, sizeof line, stream) != nullptr) {
      const std::string text(line);
      if (text.rfind("admin key: ", 0) == 0) admin_key_ = text.substr(11, text.size() - 12);
      const size_t at = text.find("http://127.0.0.1:");
      if (at != std::string::npos) {
        port_ = std::stoi(text.substr(at + 17));
        break;
      }
    }
    stream_ = stream;
    REQUIRE(port_ > 0);
  }
  ~ServeProcess() {
    if (pid_ > 0) Kill(SIGTERM);
    if (stream_ != nullptr) std::fclose(stream_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Sends `signal` and waits for the process to end.
  void Kill(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // "http://127.0.0.1:<port>" + path.
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  // Empty unless this start created the data directory's admin key.
  const std::string& admin_key() const { return admin_key_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string admin_key_;
  FILE* stream_ = nullptr;
};

}  // namespace btr::testing
