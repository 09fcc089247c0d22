// Test and benchmark clients of the live-progress WebSocket (Boost.Beast, asynchronous, every
// operation bounded by a timeout so a server bug fails a test instead of hanging it):
//  - WsSubscriber: one subscriber of /v1/backtests/{id}/events that records every message until
//    the server closes; many of them share one io_context.
//  - ClientLoop: an io_context run on a background thread, for tests that act while clients wait.
//  - UpgradeRequest: one raw HTTP upgrade request, to see the refusals (status, headers, body).
// Not Catch2-dependent, so bench/ws_subscribers_bench.cc uses it too.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace btr::testing {

namespace ws_client {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
}  // namespace ws_client

struct WsSubscriberOptions {
  std::string target;            // "/v1/backtests/<id>/events"
  std::string bearer;            // sent as `Authorization: Bearer ...` when not empty
  size_t disconnect_after = 0;   // > 0: drop the TCP connection after this many messages
  bool start_paused = false;     // handshake, then read nothing until Resume()
  int receive_buffer_bytes = 0;  // > 0: SO_RCVBUF of the socket (a slow reader's window)
  std::chrono::milliseconds timeout{30'000};  // handshake and longest silence
  // Sent as `Sec-WebSocket-Protocol: btrouter.v1, bearer.<key>` (the browsers' login) when not
  // empty.
  std::string protocol_key{};
};

// What a subscriber saw, copied out (a WsSubscriber must not outlive its io_context).
struct WsOutcome {
  std::vector<nlohmann::json> messages;
  bool closed_by_server = false;  // a close frame came
  int close_code = 0;
  std::string error;         // empty when none
  int handshake_status = 0;  // HTTP status of the handshake answer (101, or a refusal's)
  bool dropped_by_client = false;
};

class WsSubscriber : public std::enable_shared_from_this<WsSubscriber> {
 public:
  WsSubscriber(ws_client::asio::io_context& ioc, uint16_t port, WsSubscriberOptions options)
      : ioc_(ioc), ws_(ioc), port_(port), options_(std::move(options)) {}

  // Connects; call on the io_context's thread (or before it runs).
  void Start() {
    using namespace ws_client;
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_after(options_.timeout);
    ErrorCode ec;
    stream.socket().open(tcp::v4(), ec);
    if (!ec && options_.receive_buffer_bytes > 0) {
      stream.socket().set_option(
          asio::socket_base::receive_buffer_size(options_.receive_buffer_bytes), ec);
    }
    if (ec) return Fail("socket: " + ec.message());
    stream.async_connect(
        tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port_),
        [self = shared_from_this()](const ErrorCode& connect_ec) { self->OnConnect(connect_ec); });
  }

  // Starts reading after start_paused; thread-safe.
  void Resume() {
    ws_client::asio::post(ioc_, [self = shared_from_this()] {
      self->paused_ = false;
      if (self->connected_) self->Read();
    });
  }

  // Readable from any thread while running.
  bool done() const { return done_.load(std::memory_order_acquire); }
  bool connected() const { return connected_count_.load(std::memory_order_acquire); }
  size_t message_count() const { return message_count_.load(std::memory_order_acquire); }

  // Valid once done() (or after the io_context stopped).
  const std::vector<nlohmann::json>& messages() const { return messages_; }
  bool closed_by_server() const { return closed_by_server_; }  // a close frame came
  int close_code() const { return close_code_; }
  const std::string& error() const { return error_; }         // empty when none
  int handshake_status() const { return handshake_status_; }  // HTTP status of a refusal
  bool dropped_by_client() const { return dropped_by_client_; }
  std::chrono::steady_clock::time_point last_message_at() const { return last_message_at_; }
  WsOutcome outcome() const {
    return WsOutcome{messages_, closed_by_server_, close_code_,
                     error_,    handshake_status_, dropped_by_client_};
  }

 private:
  void OnConnect(const ws_client::ErrorCode& ec) {
    using namespace ws_client;
    if (ec) return Fail("connect: " + ec.message());
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = options_.timeout;
    timeouts.idle_timeout = options_.timeout;
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    const std::string bearer = options_.bearer, protocol_key = options_.protocol_key;
    ws_.set_option(
        websocket::stream_base::decorator([bearer, protocol_key](websocket::request_type& req) {
          if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
          if (!protocol_key.empty()) {
            req.set(http::field::sec_websocket_protocol, "btrouter.v1, bearer." + protocol_key);
          }
        }));
    ws_.async_handshake(response_, "127.0.0.1:" + std::to_string(port_), options_.target,
                        [self = shared_from_this()](const ErrorCode& handshake_ec) {
                          self->OnHandshake(handshake_ec);
                        });
  }

  void OnHandshake(const ws_client::ErrorCode& ec) {
    handshake_status_ = static_cast<int>(response_.result_int());
    if (ec) return Fail("handshake: " + ec.message());
    connected_ = true;
    connected_count_.store(true, std::memory_order_release);
    if (!paused_) Read();
  }

  void Read() {
    using namespace ws_client;
    ws_.async_read(buffer_,
                   [self = shared_from_this()](const ErrorCode& ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(const ws_client::ErrorCode& ec) {
    using namespace ws_client;
    if (ec == websocket::error::closed) {
      closed_by_server_ = true;
      close_code_ = ws_.reason().code;
      return Done();
    }
    if (ec) return Fail("read: " + ec.message());
    messages_.push_back(
        nlohmann::json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false));
    buffer_.consume(buffer_.size());
    last_message_at_ = std::chrono::steady_clock::now();
    message_count_.store(messages_.size(), std::memory_order_release);
    if (options_.disconnect_after > 0 && messages_.size() >= options_.disconnect_after) {
      dropped_by_client_ = true;
      ErrorCode ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return Done();
    }
    Read();
  }

  void Fail(const std::string& what) {
    error_ = what;
    ws_client::ErrorCode ignored;
    ws_client::beast::get_lowest_layer(ws_).socket().close(ignored);
    Done();
  }

  void Done() { done_.store(true, std::memory_order_release); }

  ws_client::asio::io_context& ioc_;
  ws_client::websocket::stream<ws_client::beast::tcp_stream> ws_;
  const uint16_t port_;
  const WsSubscriberOptions options_;
  ws_client::beast::flat_buffer buffer_;
  ws_client::websocket::response_type response_;
  bool paused_ = options_.start_paused;
  bool connected_ = false;
  std::vector<nlohmann::json> messages_;
  bool closed_by_server_ = false;
  bool dropped_by_client_ = false;
  int close_code_ = 0;
  int handshake_status_ = 0;
  std::string error_;
  std::chrono::steady_clock::time_point last_message_at_;
  std::atomic<bool> done_{false};
  std::atomic<bool> connected_count_{false};
  std::atomic<size_t> message_count_{0};
};

// An io_context on a background thread, for clients that must run while the test thread acts.
class ClientLoop {
 public:
  ClientLoop() : guard_(ioc_.get_executor()), thread_([this] { ioc_.run(); }) {}
  ~ClientLoop() { Stop(); }
  ClientLoop(const ClientLoop&) = delete;
  ClientLoop& operator=(const ClientLoop&) = delete;

  ws_client::asio::io_context& ioc() { return ioc_; }

  std::shared_ptr<WsSubscriber> Subscribe(uint16_t port, WsSubscriberOptions options) {
    auto subscriber = std::make_shared<WsSubscriber>(ioc_, port, std::move(options));
    ws_client::asio::post(ioc_, [subscriber] { subscriber->Start(); });
    return subscriber;
  }

  // Stops the loop and joins the thread; the subscribers' results are then safe to read.
  void Stop() {
    if (!thread_.joinable()) return;
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }

 private:
  ws_client::asio::io_context ioc_;
  ws_client::asio::executor_work_guard<ws_client::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// Polls `done` every 5 ms until it holds or `timeout` passes; returns its last value.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

struct UpgradeAnswer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // transport error, empty on success
};

// Sends GET `target` with WebSocket upgrade headers (unless !upgrade) plus `headers`, and reads
// the HTTP answer.
inline UpgradeAnswer UpgradeRequest(uint16_t port, const std::string& target,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    bool upgrade = true) {
  using namespace ws_client;
  UpgradeAnswer answer;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  if (upgrade) {
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  }
  for (const auto& [name, value] : headers) req.set(name, value);
  http::response<http::string_body> res;
  stream.expires_after(std::chrono::seconds(10));
  stream.async_connect(
      tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port), [&](const ErrorCode& ec) {
        if (ec) {
          answer.error = "connect: " + ec.message();
          return;
        }
        http::async_write(stream, req, [&](const ErrorCode& write_ec, size_t) {
          if (write_ec) {
            answer.error = "write: " + write_ec.message();
            return;
          }
          http::async_read(stream, buffer, res, [&](const ErrorCode& read_ec, size_t) {
            if (read_ec) answer.error = "read: " + read_ec.message();
          });
        });
      });
  ioc.run();
  if (!answer.error.empty()) return answer;
  answer.status = static_cast<int>(res.result_int());
  answer.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    answer.headers[name] = std::string(field.value());
  }
  return answer;
}

}  // namespace btr::testing
