// A raw HTTP/1.1 client over one TCP connection, for tests of the HTTP edge that a normal client
// cannot express: a header block without its body, a huge header, a bad Content-Length, several
// requests on one kept-alive connection. Test-only; blocking, with a read deadline per answer.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace btr::testing {

struct RawAnswer {
  int status = 0;  // 0: no answer (see error)
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;

  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class RawHttp {
 public:
  explicit RawHttp(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawHttp() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawHttp(const RawHttp&) = delete;
  RawHttp& operator=(const RawHttp&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends all of `bytes`; false once the server has closed or reset the connection.
  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one answer (status line, headers, a Content-Length body; a HEAD answer has none).
  RawAnswer Read(std::chrono::milliseconds deadline = std::chrono::milliseconds(10'000),
                 bool head = false) {
    RawAnswer answer;
    const auto until = std::chrono::steady_clock::now() + deadline;
    size_t end = std::string::npos;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(until, &answer.error)) return answer;
    }
    ParseHead(pending_.substr(0, end), &answer);
    pending_.erase(0, end + 4);
    size_t length = 0;
    if (auto it = answer.headers.find("content-length"); it != answer.headers.end() && !head) {
      length = std::stoul(it->second);
    }
    while (pending_.size() < length) {
      if (!Fill(until, &answer.error)) return answer;
    }
    answer.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return answer;
  }

  // True when the server closed the connection (EOF or reset) within `deadline`, with no
  // further bytes before that.
  bool ClosedByServer(std::chrono::milliseconds deadline = std::chrono::milliseconds(5'000)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    std::string error;
    while (pending_.empty()) {
      if (!Fill(until, &error)) return error == "closed";
    }
    return false;
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point until, std::string* error) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      *error = "timeout";
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      *error = "timeout";
      return false;
    }
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      *error = "closed";
      return false;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  static void ParseHead(const std::string& head, RawAnswer* answer) {
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    // "HTTP/1.1 413 Payload Too Large"
    const size_t first = status_line.find(' ');
    const size_t second = status_line.find(' ', first + 1);
    answer->status = std::stoi(status_line.substr(first + 1, second - first - 1));
    answer->reason = second == std::string::npos ? "" : status_line.substr(second + 1);
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t value_start = colon + 1;
      while (value_start < line.size() && line[value_start] == ' ') ++value_start;
      answer->headers[name] = line.substr(value_start);
    }
  }

  int fd_ = -1;
  std::string pending_;
};

}  // namespace btr::testing
