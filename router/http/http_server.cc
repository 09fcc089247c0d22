#include "router/http/http_server.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "router/http/http_edge.h"
#include "router/http/percent_decode.h"
#include "router/http/route_table.h"
#include "services/auth/api_keys.h"
#include "services/jobs/job_service.h"
#include "services/log/logger.h"

namespace btr {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

std::string_view View(beast::string_view s) { return std::string_view(s.data(), s.size()); }

double SecondsSince(SteadyTime start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What is recorded of one request once it is answered.
struct RequestMeta {
  std::string route = "unmatched";  // route template, "<mount>/*", or "unmatched"
  std::string method;
  std::string request_id;
  std::string job_id;
  SteadyTime start = std::chrono::steady_clock::now();
  bool head = false;  // send the headers only
};

// The backtest id a request addressed (/v1/backtests/{id}...) or created (its Location).
std::string JobIdOf(const ApiRoute& route, const ApiRequest& request, const ApiReply& reply) {
  static constexpr std::string_view kPrefix = "/v1/backtests/";
  if (route.path.rfind(kPrefix, 0) != 0) {
    if (route.path != "/v1/backtests" || route.method != "POST") return "";
    for (const auto& [name, value] : reply.headers) {
      if (name == "Location" && value.rfind(kPrefix, 0) == 0) return value.substr(kPrefix.size());
    }
    return "";
  }
  auto it = request.params.find("id");
  return it != request.params.end() ? it->second : "";
}

// The problem a read error is answered with; nullopt when the client is gone or too slow and
// the connection is just closed.
std::optional<ReadFailure> ClassifyReadError(const ErrorCode& ec) {
  if (ec == http::error::header_limit) return ReadFailure::kHeaderTooLarge;
  if (ec == http::error::body_limit) return ReadFailure::kBodyTooLarge;
  if (ec == http::error::bad_content_length) return ReadFailure::kBadContentLength;
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return ReadFailure::kMalformed;
  }
  return std::nullopt;
}

template <class Request>
bool IsWebSocketUpgrade(const Request& req) {
  if (req.method() != http::verb::get) return false;
  const auto connection = req.find(http::field::connection);
  const auto upgrade = req.find(http::field::upgrade);
  return connection != req.end() && upgrade != req.end() &&
         HasToken(View(connection->value()), "upgrade") &&
         HasToken(View(upgrade->value()), "websocket");
}

}  // namespace

struct HttpServer::Impl {
  class Connection;

  Impl(std::vector<ApiRoute> r, Store* s, PrometheusRegistry* m, HttpServerOptions o)
      : routes(std::move(r)), table(routes), store(s), metrics(m), options(std::move(o)) {}

  void Record(const RequestMeta& meta, int code) {
    const double seconds = SecondsSince(meta.start);
    metrics->Increment(
        "btr_http_requests_total",
        {{"route", meta.route}, {"method", meta.method}, {"code", std::to_string(code)}});
    metrics->Observe("btr_http_request_duration_seconds", {{"route", meta.route}}, seconds);
    if (!options.log_requests) return;
    LogFields fields = {{"request_id", meta.request_id},
                        {"method", meta.method},
                        {"route", meta.route},
                        {"code", code},
                        {"ms", seconds * 1e3}};
    if (!meta.job_id.empty()) fields["job_id"] = meta.job_id;
    request_log.Log(LogLevel::kDebug, "request", fields);
  }

  const HttpMount* MountFor(std::string_view path) const {
    for (const HttpMount& mount : options.mounts) {
      if (path == mount.prefix || (path.size() > mount.prefix.size() &&
                                   path.substr(0, mount.prefix.size()) == mount.prefix &&
                                   path[mount.prefix.size()] == '/')) {
        return &mount;
      }
    }
    return nullptr;
  }

  // A deferred reply: computed on a thread of its own, then sent by `send` (which must be
  // cheap and thread-safe). False when no thread may be started now.
  bool TryDefer(std::function<ApiReply()> compute, std::function<void(ApiReply)> send) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping || deferred_running >= options.max_deferred) return false;
      ++deferred_running;
    }
    try {
      std::thread([this, compute = std::move(compute), send = std::move(send)] {
        ApiReply reply = SafeCompute(compute);
        send(std::move(reply));
        std::lock_guard<std::mutex> lock(mu);
        --deferred_running;
        deferred_cv.notify_all();
      }).detach();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      --deferred_running;
      return false;
    }
    return true;
  }

  static ApiReply SafeCompute(const std::function<ApiReply()>& compute) {
    try {
      return compute();
    } catch (const std::exception& e) {
      DefaultLogger().Log(LogLevel::kError, "deferred reply exception", {{"error", e.what()}});
    } catch (...) {
      DefaultLogger().Log(LogLevel::kError, "deferred reply exception", {{"error", "unknown"}});
    }
    return ApiReply::Problem(Status::Internal("deferred reply failed"));
  }

  void Accept();
  void OnAccepted(const ErrorCode& ec, tcp::socket socket);
  void RunIo();
  void CloseAll();

  std::vector<ApiRoute> routes;
  RouteTable table;  // refers to `routes`
  Store* store;
  PrometheusRegistry* metrics;
  HttpServerOptions options;
  // Request lines, switched on by options.log_requests (log.level = debug) rather than by the
  // process-wide logger's level.
  Logger request_log{LogLevel::kDebug};

  // Declared before the io context: connections still held by its handlers when it is
  // destroyed use them in their destructors.
  std::mutex mu;
  std::condition_variable deferred_cv;
  size_t deferred_running = 0;                                // guarded by mu
  bool stopping = false;                                      // guarded by mu
  uint64_t next_connection = 1;                               // guarded by mu
  std::map<uint64_t, std::weak_ptr<Connection>> connections;  // guarded by mu
  std::atomic<size_t> open_connections{0};

  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry_timer{ioc};  // accept retry after an error (EMFILE)
  std::vector<std::thread> threads;
  std::atomic<uint16_t> bound_port{0};
  bool serving = false;  // owner thread
};

// One client connection: reads requests one after the other, answers each, and keeps the
// connection open as HTTP/1.1 says. Lives in the handlers of its pending operations; every
// operation runs on its strand.
class HttpServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl* server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {
    ++server_->open_connections;
  }
  ~Connection() {
    --server_->open_connections;
    std::lock_guard<std::mutex> lock(server_->mu);
    server_->connections.erase(id_);
  }

  void set_id(uint64_t id) { id_ = id; }

  void Start() {
    if (server_->open_connections > server_->options.max_connections) {
      meta_ = RequestMeta();
      Answer(ApiReply::Problem(Status::Unavailable("server.max_connections: too many open "
                                                   "connections; retry later"),
                               ""),
             /*keep_alive=*/false);
      return;
    }
    ReadHeader(server_->options.request_timeout);
  }

  // From any thread: ends the connection (Stop()).
  void Close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      ErrorCode ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->stream_.close();
    });
  }

 private:
  void ReadHeader(std::chrono::milliseconds timeout) {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(server_->options.max_body_bytes));
    caller_.reset();
    route_ = nullptr;
    stream_.expires_after(timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const ErrorCode& ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(const ErrorCode& ec) {
    meta_ = RequestMeta();
    meta_.request_id = NewId("req_");
    if (ec) {
      OnReadError(ec);
      return;
    }
    const auto& req = parser_->get();
    meta_.method = std::string(View(req.method_string()));
    if (server_->options.upgrade && IsWebSocketUpgrade(req)) {
      HandOver();
      return;
    }
    std::optional<ApiReply> refusal = Admit();
    if (refusal) {
      Answer(std::move(*refusal), /*keep_alive=*/parser_->is_done() && req.keep_alive());
      return;
    }
    if (parser_->is_done()) {
      Run();
      return;
    }
    ReadBody();
  }

  // A request that could not be read: answered when the client can still hear it.
  void OnReadError(const ErrorCode& ec) {
    const std::optional<ReadFailure> failure = ClassifyReadError(ec);
    if (!failure) {
      Shutdown();
      return;
    }
    std::optional<uint64_t> length;
    if (parser_->content_length()) length = *parser_->content_length();
    if (parser_->is_header_done()) meta_.method = std::string(View(parser_->get().method_string()));
    EdgeLimits limits{server_->options.max_body_bytes, server_->options.max_header_bytes};
    Answer(ReadFailureProblem(*failure, limits, length, ec.message()), /*keep_alive=*/false);
  }

  // Finds the route and checks the key from the header block alone: a refusal is answered
  // before any of the body is read. Empty when the request may go on.
  std::optional<ApiReply> Admit() {
    const auto& req = parser_->get();
    SplitTarget(View(req.target()), &path_, &query_);
    RouteMatch match = server_->table.Find(meta_.method, path_);
    params_ = std::move(match.params);
    meta_.head = meta_.method == "HEAD";
    if (!match.route) {
      if (const HttpMount* mount = server_->MountFor(path_)) {
        mount_ = mount;
        meta_.route = mount->prefix + "/*";
        if (meta_.method == "GET" || meta_.method == "HEAD") return std::nullopt;
        return MethodNotAllowed("GET, HEAD");
      }
      if (!match.allowed.empty()) return MethodNotAllowed(match.allowed);
      return ApiReply::Problem(Status::NotFound("path: no route " + path_), path_);
    }
    route_ = match.route;
    meta_.route = route_->path;
    if (route_->access == Access::kPublic) return std::nullopt;
    const auto auth = req.find(http::field::authorization);
    const std::optional<std::string> token =
        auth == req.end() ? std::nullopt : BearerToken(View(auth->value()));
    if (!token) {
      return ApiReply::Problem(
          Status::Unauthenticated("authorization: missing `Authorization: Bearer <key>` header"),
          path_);
    }
    Result<ApiKeyRecord> key = Authenticate(*server_->store, *token);
    if (!key.ok()) return ApiReply::Problem(key.status(), path_);
    if (route_->access == Access::kAdmin && key->role != Role::kAdmin) {
      return ApiReply::Problem(
          Status::PermissionDenied("authorization: this route needs an admin key"), path_);
    }
    caller_ = std::move(key).value();
    return std::nullopt;
  }

  ApiReply MethodNotAllowed(const std::string& allowed) {
    ApiReply reply = ApiReply::Problem(
        Status::InvalidArgument("method: " + meta_.method + " is not allowed on " + path_ +
                                " (allowed: " + allowed + ")"),
        path_, 405);
    reply.headers.emplace_back("Allow", allowed);
    return reply;
  }

  void ReadBody() {
    stream_.expires_after(server_->options.request_timeout);
    const auto& req = parser_->get();
    const auto expect = req.find(http::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      continue_.emplace(http::status::continue_, req.version());
      http::async_write(stream_, *continue_,
                        [self = shared_from_this()](const ErrorCode& ec, size_t) {
                          if (ec) {
                            self->Shutdown();
                            return;
                          }
                          self->ReadRest();
                        });
      return;
    }
    ReadRest();
  }

  void ReadRest() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const ErrorCode& ec, size_t) {
                       if (ec) {
                         self->OnReadError(ec);
                       } else {
                         self->Run();
                       }
                     });
  }

  // Runs the handler of a request read in full.
  void Run() {
    stream_.expires_never();
    auto& req = parser_->get();
    ApiRequest request;
    request.method = meta_.method;
    request.path = path_;
    request.params = std::move(params_);
    request.query = ParseQuery(query_);
    for (const auto& field : req) {
      request.headers[LowerCase(View(field.name_string()))] = std::string(View(field.value()));
    }
    request.body = std::move(req.body());
    request.request_id = meta_.request_id;
    if (caller_) request.caller = std::move(*caller_);
    const bool keep_alive = req.keep_alive();
    if (mount_ && !route_) {
      Answer(CallHandler(mount_->handler, request), keep_alive);
      return;
    }
    ApiReply reply = CallHandler(route_->handler, request);
    meta_.job_id = JobIdOf(*route_, request, reply);
    if (!reply.deferred) {
      Answer(std::move(reply), keep_alive);
      return;
    }
    std::function<ApiReply()> compute = std::move(reply.deferred);
    auto send = [self = shared_from_this(), keep_alive](ApiReply late) {
      asio::post(self->stream_.get_executor(),
                 [self, keep_alive, late = std::move(late)]() mutable {
                   self->Answer(std::move(late), keep_alive);
                 });
    };
    if (!server_->TryDefer(compute, send)) {
      Answer(SafeCompute(compute), keep_alive);  // no thread available: answer now
    }
  }

  ApiReply CallHandler(const ApiHandler& handler, const ApiRequest& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      DefaultLogger().Log(LogLevel::kError, "handler exception",
                          {{"request_id", request.request_id},
                           {"method", request.method},
                           {"route", meta_.route},
                           {"error", e.what()}});
    } catch (...) {
      DefaultLogger().Log(LogLevel::kError, "handler exception",
                          {{"request_id", request.request_id}, {"error", "unknown exception"}});
    }
    return ApiReply::Problem(Status::Internal("handler failed"), request.path);
  }

  // Writes `reply`; afterwards the connection reads the next request or closes.
  void Answer(ApiReply reply, bool keep_alive) {
    reply.headers.emplace_back("X-Request-Id", meta_.request_id);
    const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(reply.code));
    const std::string_view reason = HttpReasonPhrase(reply.code);
    response_.reason(beast::string_view(reason.data(), reason.size()));
    response_.set(http::field::server, "btrouter");
    response_.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) response_.insert(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(reply.body);
    response_.prepare_payload();
    if (meta_.head) response_.body().clear();  // Content-Length stays the GET body's
    status_code_ = reply.code;
    stream_.expires_after(server_->options.request_timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](const ErrorCode& ec, size_t) {
      self->OnWritten(ec);
    });
  }

  void OnWritten(const ErrorCode& ec) {
    server_->Record(meta_, status_code_);
    mount_ = nullptr;
    if (ec) {
      Shutdown();
      return;
    }
    if (!response_.keep_alive()) {
      LingeringClose();
      return;
    }
    ReadHeader(server_->options.idle_timeout);
  }

  // After an answer that ends the connection, the client may still be sending (the body of a
  // refused upload). Closing at once would reset the connection and could destroy the answer
  // before the client reads it, so the server stops sending, then reads and drops what
  // arrives for at most kLingerTime, and closes.
  void LingeringClose() {
    static constexpr std::chrono::seconds kLingerTime{2};
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    if (!drain_buffer_) drain_buffer_ = std::make_unique<std::array<char, 16384>>();
    stream_.async_read_some(asio::buffer(*drain_buffer_),
                            [self = shared_from_this()](const ErrorCode& ec, size_t) {
                              if (ec) {
                                self->stream_.close();
                              } else {
                                self->Drain();
                              }
                            });
  }

  // The connection goes to the upgrade handler, with the request head as received.
  void HandOver() {
    std::ostringstream head;
    head << parser_->get().base();
    ErrorCode ec;
    stream_.expires_never();
    const int fd = ::dup(stream_.socket().native_handle());
    stream_.socket().close(ec);
    if (fd < 0) return;
    try {
      server_->options.upgrade(fd, head.str());
    } catch (...) {
      ::close(fd);
    }
  }

  void Shutdown() {
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  Impl* const server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> response_;
  uint64_t id_ = 0;
  RequestMeta meta_;
  std::string path_, query_;
  std::map<std::string, std::string> params_;
  const ApiRoute* route_ = nullptr;
  const HttpMount* mount_ = nullptr;
  std::optional<ApiKeyRecord> caller_;
  int status_code_ = 0;
  std::unique_ptr<std::array<char, 16384>> drain_buffer_;  // LingeringClose()
};

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](const ErrorCode& ec, tcp::socket socket) {
    OnAccepted(ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccepted(const ErrorCode& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of file descriptors and the like: wait a little rather than spin.
    DefaultLogger().Log(LogLevel::kWarn, "http accept failed", {{"error", ec.message()}});
    retry_timer.expires_after(std::chrono::milliseconds(100));
    retry_timer.async_wait([this](const ErrorCode& wait_ec) {
      if (!wait_ec && acceptor.is_open()) Accept();
    });
    return;
  }
  ErrorCode ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto connection = std::make_shared<Connection>(this, std::move(socket));
  {
    std::lock_guard<std::mutex> lock(mu);
    const uint64_t id = next_connection++;
    connection->set_id(id);
    connections.emplace(id, connection);
  }
  connection->Start();
  Accept();
}

void HttpServer::Impl::RunIo() {
  while (true) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      DefaultLogger().Log(LogLevel::kError, "http io exception", {{"error", e.what()}});
    } catch (...) {
      DefaultLogger().Log(LogLevel::kError, "http io exception", {{"error", "unknown exception"}});
    }
  }
}

void HttpServer::Impl::CloseAll() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [id, weak] : connections) {
      if (std::shared_ptr<Connection> connection = weak.lock())
        open.push_back(std::move(connection));
    }
  }
  for (const std::shared_ptr<Connection>& connection : open) connection->Close();
}

HttpServer::HttpServer(std::vector<ApiRoute> routes, Store* store, PrometheusRegistry* metrics,
                       HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(routes), store, metrics, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  Impl& impl = *impl_;
  if (impl.serving) return Status::FailedPrecondition("HttpServer: already serving");
  const std::string where = impl.options.host + ":" + std::to_string(impl.options.port);
  try {
    ErrorCode ec;
    tcp::resolver resolver(impl.ioc);
    const tcp::resolver::results_type endpoints =
        resolver.resolve(impl.options.host, std::to_string(impl.options.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
      return Status::Unavailable("cannot resolve " + where + ": " +
                                 (ec ? ec.message() : std::string("no address")));
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    impl.acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) impl.acceptor.bind(endpoint, ec);
    if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      ErrorCode ignored;
      impl.acceptor.close(ignored);
      return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
    }
    impl.bound_port = impl.acceptor.local_endpoint(ec).port();
    impl.Accept();
    const size_t threads = std::max<size_t>(1, impl.options.threads);
    for (size_t k = 0; k < threads; ++k) impl.threads.emplace_back([&impl] { impl.RunIo(); });
    impl.serving = true;
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot listen on " + where + ": " + e.what());
  }
}

uint16_t HttpServer::port() const { return impl_->bound_port.load(); }

void HttpServer::Stop() {
  if (!impl_ || !impl_->serving) return;
  Impl& impl = *impl_;
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    impl.stopping = true;
    impl.deferred_cv.wait(lock, [&impl] { return impl.deferred_running == 0; });
  }
  asio::post(impl.ioc, [&impl] {
    ErrorCode ignored;
    impl.acceptor.close(ignored);
    impl.retry_timer.cancel();
  });
  impl.CloseAll();
  // Connections accepted while closing are closed by their own failing reads; give the io
  // threads a bounded time to drain, then stop them.
  std::thread watchdog([&impl] {
    for (int k = 0; k < 200 && !impl.ioc.stopped(); ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (impl.open_connections == 0) break;
    }
    impl.ioc.stop();
  });
  for (std::thread& thread : impl.threads) thread.join();
  watchdog.join();
  impl.threads.clear();
  impl.serving = false;
}

}  // namespace btr
