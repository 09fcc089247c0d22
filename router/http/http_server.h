// HttpServer: serves an ApiRoute table over HTTP/1.1 (Boost.Beast on Boost.Asio).
//
// The edge, before any handler runs:
//   - A request's header block is limited to `max_header_bytes` (431 beyond it) and read within
//     `request_timeout`; its body to `max_body_bytes`, refused with 413 from Content-Length
//     before a byte of the body is read (and while reading a chunked body past the limit). A
//     malformed request line, header or Content-Length ("-5", "1e3") gets 400. Every answer,
//     errors included, is application/problem+json naming the setting or field at fault.
//   - The route is found from the header block, then the bearer key checked (the scheme is
//     case-insensitive: `Bearer`, `bearer`); a request refused before its body was read (401,
//     403, 404, 405, 413) closes the connection rather than read a body it will not use.
//   - `Expect: 100-continue` is answered once the header block has been accepted.
//   - Keep-alive follows HTTP/1.1: connections stay open unless the client sends
//     `Connection: close` (HTTP/1.0: unless it sends `Connection: keep-alive`); an idle one is
//     closed after `idle_timeout`. More than `max_connections` open connections get 503.
// Around each handler it catches every exception (500 problem without internals), answers
// unknown paths (404) and methods (405 with Allow) itself, serves HEAD from the GET route,
// counts requests and durations in the Prometheus registry (labels: route template, method,
// code — never an id), logs one JSON line per request with its request id, and stamps
// `X-Request-Id`. A request asking for a WebSocket upgrade is handed to `upgrade` when set.
//
// Threads: Start() runs `threads` io threads; handlers run on them (one connection's requests
// in order) and must not block: long waits use ApiReply::deferred, computed on one of at most
// `max_deferred` extra threads and sent back through the connection. Start() and Stop() from
// one owning thread; port() from any.
//
// Errors: Start() returns Unavailable when the address cannot be resolved or bound. No
// exception leaves this class.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "router/http/api.h"
#include "router/http/prometheus.h"

namespace btr {

// A tree of paths served outside the route table: public, GET and HEAD only, and not in the
// OpenAPI document (the dashboard's static files). A request whose path is `prefix` or starts
// with `prefix` + "/", and that matches no route, goes to `handler`; other methods get 405.
struct HttpMount {
  std::string prefix;  // "/dashboard"
  ApiHandler handler;
};

// Takes over a connection whose request asked for `Upgrade: websocket`: `socket_fd` is a
// connected socket the callee now owns (it must close it), `request_head` the request line and
// headers as received (CRLF-separated, ending with an empty line). Called on an io thread; must
// not block.
using HttpUpgradeHandler = std::function<void(int socket_fd, std::string request_head)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = pick a free port (see port())
  size_t threads = 2;
  size_t max_body_bytes = 64u << 20;    // server.max_body_bytes; larger bodies get 413
  size_t max_header_bytes = 16u << 10;  // server.max_header_bytes; larger headers get 431
  size_t max_connections = 4096;        // server.max_connections; beyond: 503 and close
  std::chrono::milliseconds request_timeout{30'000};  // to receive one request (header + body)
  std::chrono::milliseconds idle_timeout{60'000};     // a keep-alive connection between requests
  size_t max_deferred = 256;      // concurrent long-polls before they answer at once
  bool log_requests = true;       // JSON lines on stderr
  std::vector<HttpMount> mounts;  // static trees, e.g. /dashboard
  HttpUpgradeHandler upgrade;     // WebSocket upgrades; unset: they are routed as plain requests
};

class HttpServer {
 public:
  // `store` (for keys) and `metrics` must outlive the server.
  HttpServer(std::vector<ApiRoute> routes, Store* store, PrometheusRegistry* metrics,
             HttpServerOptions options);
  ~HttpServer();  // Stop()

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status Start();
  // Stops accepting, waits for deferred replies to be sent, closes every connection and joins
  // the io threads. Idempotent.
  void Stop();
  uint16_t port() const;


 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace btr
