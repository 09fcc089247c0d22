// HttpServer: serves an ApiRoute table over HTTP/1.1 with Pistache 0.0.5.
//
// Around every handler it: authenticates `Authorization: Bearer` (except public routes) and
// enforces the admin role; catches every exception (a 500 problem without internals); answers
// unknown paths (404) and methods (405) as problem+json itself; counts requests and durations
// in the Prometheus registry (labels: route template, method, code — never an id); logs one JSON
// line per request with its request id; runs deferred (long-poll) replies on a bounded set of
// threads and sends them once (the only cross-thread write Pistache 0.0.5 supports).
//
// Threads: Start() serves on `threads` reactor threads; handlers run on them and must not block
// (long waits use ApiReply::deferred). Stop() joins everything.
#pragma once

#include <atomic>
#include <cstdint>
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

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = pick a free port (see port())
  size_t threads = 2;
  size_t max_request_bytes = 64u << 20;  // body + headers; larger requests get 413
  size_t max_deferred = 256;             // concurrent long-polls before they answer at once
  bool log_requests = true;              // JSON lines on stderr
  std::vector<HttpMount> mounts;         // static trees, e.g. /dashboard
};

class HttpServer {
 public:
  // `store` (for keys) and `metrics` must outlive the server.
  HttpServer(std::vector<ApiRoute> routes, Store* store, PrometheusRegistry* metrics,
             HttpServerOptions options);
  ~HttpServer();

  Status Start();
  void Stop();
  uint16_t port() const;

  // Declares the http_* metric families on `metrics`.
  static void DeclareMetrics(PrometheusRegistry& metrics);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace btr
