#include "router/ws/progress_ws_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "router/http/api.h"
#include "router/http/handlers.h"
#include "router/http/http_edge.h"
#include "router/http/percent_decode.h"
#include "router/ws/progress_outbox.h"
#include "services/auth/api_keys.h"
#include "services/log/logger.h"

namespace btr {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr std::string_view kPathPrefix = "/v1/backtests/";
constexpr std::string_view kPathSuffix = "/events";

// Where a job is, for ordering the messages of one subscriber.
struct JobStamp {
  int stage = 0;  // 0 queued, 1 running, 2 finished
  double progress = 0;
  TimeNs updated_at = 0;
  bool cancel_requested = false;
  std::string phase;
};

JobStamp StampOf(const JobRecord& job) {
  JobStamp s;
  s.stage = IsTerminal(job.status) ? 2 : job.status == JobStatus::kRunning ? 1 : 0;
  s.progress = job.progress;
  s.updated_at = job.updated_at;
  s.cancel_requested = job.cancel_requested;
  s.phase = job.phase;
  return s;
}

// True when `next` is a later state of the job than `last`. Records read before the last one
// sent (a change that raced with the snapshot at subscription) and repeats are not.
bool IsNewer(const JobStamp& next, const JobStamp& last) {
  if (next.stage != last.stage) return next.stage > last.stage;
  if (next.updated_at < last.updated_at || next.progress < last.progress) return false;
  return next.updated_at > last.updated_at || next.progress > last.progress ||
         next.cancel_requested != last.cancel_requested || next.phase != last.phase;
}

ProgressOutbox::Message JobMessage(const JobRecord& job) {
  const nlohmann::json message = {{"type", "job"}, {"job", JobToJson(job)}};
  return std::make_shared<const std::string>(
      message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// "/v1/backtests/{id}/events" -> id; nullopt for any other path.
std::optional<std::string> EventsJobId(std::string_view path) {
  if (path.size() <= kPathPrefix.size() + kPathSuffix.size() ||
      path.substr(0, kPathPrefix.size()) != kPathPrefix ||
      path.substr(path.size() - kPathSuffix.size()) != kPathSuffix) {
    return std::nullopt;
  }
  const std::string_view id =
      path.substr(kPathPrefix.size(), path.size() - kPathPrefix.size() - kPathSuffix.size());
  if (id.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(id);
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = part.find('=');
    if (part.substr(0, eq) != name) continue;
    return PercentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1),
                         /*plus_is_space=*/true);
  }
  return std::nullopt;
}

std::string_view View(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// The subprotocol a browser offers to authenticate (`new WebSocket(url, ["btrouter.v1",
// "bearer." + key])`): the server answers with kSubprotocol, never echoing the key.
constexpr std::string_view kSubprotocol = "btrouter.v1";
constexpr std::string_view kBearerProtocolPrefix = "bearer.";

// The key offered in a Sec-WebSocket-Protocol list ("btrouter.v1, bearer.<key>"), if any.
std::optional<std::string> ProtocolToken(std::string_view offered) {
  while (!offered.empty()) {
    const size_t comma = offered.find(',');
    std::string_view item = offered.substr(0, comma);
    offered = comma == std::string_view::npos ? std::string_view() : offered.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, kBearerProtocolPrefix.size()) == kBearerProtocolPrefix) {
      return std::string(item.substr(kBearerProtocolPrefix.size()));
    }
  }
  return std::nullopt;
}

}  // namespace

class ProgressWsServer::Impl {
 public:
  class Session;

  explicit Impl(ProgressWsOptions options) : options_(std::move(options)) {
    if (options_.max_queued_messages < 1) options_.max_queued_messages = 1;
  }
  ~Impl() { Stop(); }

  Status Start(const std::string& host, uint16_t port, JobService* jobs, Store* store);
  void Stop();

  // --- io thread ---
  void Run();
  void Accept();
  void OnAccepted(const ErrorCode& ec, tcp::socket socket);
  void AddSession(tcp::socket socket, const std::string* request_head);
  void Dispatch(const JobRecord& job);
  void Subscribe(const std::shared_ptr<Session>& session);
  void Forget(const Session& session);
  void BeginShutdown();

  // --- any thread ---
  void OnJobChanged(const JobRecord& job);
  void Adopt(int socket_fd, std::string request_head);
  void Watch(const std::string& job_id);
  void Unwatch(const std::string& job_id);

  ProgressWsOptions options_;
  asio::io_context ioc_{1};  // declared first: destroyed last, after everything using it
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer retry_timer_{ioc_};  // accept retry after an error (EMFILE)
  asio::steady_timer grace_timer_{ioc_};  // Stop(): end of the closing handshakes
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  JobService* jobs_ = nullptr;
  Store* store_ = nullptr;
  uint64_t listener_id_ = 0;
  bool started_ = false;  // owner thread
  bool stopped_ = false;  // owner thread
  // Adopt() may hand connections over: set by Start(), cleared by Stop() (any thread).
  std::mutex adopt_mu_;
  bool adopting_ = false;  // guarded by adopt_mu_
  std::atomic<uint16_t> port_{0};

  // io thread only.
  bool stopping_ = false;
  uint64_t next_session_ = 1;
  std::map<uint64_t, std::weak_ptr<Session>> sessions_;
  std::unordered_map<std::string, std::map<uint64_t, std::weak_ptr<Session>>> subscribers_;

  // Jobs with subscribers (or a subscription being set up): the listener posts only these.
  std::mutex watched_mu_;
  std::unordered_map<std::string, size_t> watched_;  // guarded by watched_mu_

  std::atomic<uint64_t> upgrades_{0}, refused_{0}, open_{0}, sent_{0}, dropped_{0};
};

// One connection: the upgrade request, then a subscriber of one job. Lives in the handlers of
// its pending operations (shared_from_this); the server keeps weak references.
class ProgressWsServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl* server, tcp::socket socket, uint64_t id)
      : server_(server),
        ws_(std::move(socket)),
        outbox_(server->options_.max_queued_messages),
        id_(id) {}

  uint64_t id() const { return id_; }
  const std::string& tenant() const { return tenant_; }
  const std::string& job_id() const { return job_id_; }
  bool subscribed() const { return subscribed_; }
  void set_subscribed() { subscribed_ = true; }

  void Start() {
    beast::get_lowest_layer(ws_).expires_after(server_->options_.handshake_timeout);
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options_.max_header_bytes));
    http::async_read(
        ws_.next_layer(), buffer_, *parser_,
        [self = shared_from_this()](const ErrorCode& ec, size_t) { self->OnRequest(ec); });
  }

  // A connection whose upgrade request another server has read already (Adopt()).
  void StartWithRequest(const std::string& request_head) {
    beast::get_lowest_layer(ws_).expires_after(server_->options_.handshake_timeout);
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options_.max_header_bytes));
    ErrorCode ec;
    parser_->put(asio::buffer(request_head), ec);
    if (!ec && !parser_->is_done()) ec = http::error::partial_message;
    OnRequest(ec);
  }

  // A change of the subscribed job (io thread).
  void Deliver(const JobStamp& stamp, const ProgressOutbox::Message& message, bool final) {
    if (state_ == State::kDone || state_ == State::kClosing || outbox_.final_queued()) return;
    if (!IsNewer(stamp, last_)) return;
    last_ = stamp;
    const size_t dropped_before = outbox_.dropped();
    outbox_.Push(message, final);
    server_->dropped_ += outbox_.dropped() - dropped_before;
    MaybeWrite();
  }

  // Stop(): subscribers get a close frame (1001); connections still in their handshake are cut.
  void Shutdown() {
    if (state_ == State::kOpen) {
      Close(websocket::close_code::going_away);
    } else if (state_ != State::kClosing && state_ != State::kDone) {
      Drop();
    }
  }

  // Closes the socket; pending operations end with operation_aborted.
  void Drop() {
    ErrorCode ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  enum class State { kHandshake, kRefusing, kAccepting, kOpen, kClosing, kDone };

  void OnRequest(const ErrorCode& ec) {
    if (ec || server_->stopping_) {
      Finish();
      return;
    }
    const http::request<http::empty_body>& req = parser_->get();
    const std::string_view target = View(req.target());
    const size_t question = target.find('?');
    const std::string path(target.substr(0, question));
    const std::string_view query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

    if (server_->sessions_.size() > server_->options_.max_connections) {
      Refuse(ApiReply::Problem(
          Status::Unavailable("too many open WebSocket connections; retry later"), path));
      return;
    }
    std::optional<std::string> job_id = EventsJobId(path);
    if (!job_id) {
      Refuse(ApiReply::Problem(
          Status::NotFound("path: no WebSocket route " + path + " (use /v1/backtests/{id}/events)"),
          path));
      return;
    }
    if (!websocket::is_upgrade(req)) {
      ApiReply reply = ApiReply::Problem(
          Status::InvalidArgument(
              "upgrade: this path serves WebSocket only (send `Upgrade: websocket`); "
              "GET /v1/backtests/{id}?wait= is the long-polling alternative"),
          path, 426);
      reply.headers.emplace_back("Upgrade", "websocket");
      Refuse(reply);
      return;
    }
    std::optional<std::string> token;
    if (auto auth = req.find(http::field::authorization); auth != req.end()) {
      token = BearerToken(View(auth->value()));
    }
    bool by_protocol = false;
    if (auto offered = req.find(http::field::sec_websocket_protocol);
        !token && offered != req.end()) {
      token = ProtocolToken(View(offered->value()));
      by_protocol = token.has_value();
    }
    // A key in the URL leaks into access logs and browser history: refused even when valid.
    if (QueryParam(query, "access_token")) {
      Refuse(ApiReply::Problem(
          Status::Unauthenticated(
              "access_token: a key in the URL is not accepted; offer it as the subprotocol "
              "`Sec-WebSocket-Protocol: btrouter.v1, bearer.<key>` (browsers: new "
              "WebSocket(url, [\"btrouter.v1\", \"bearer.\" + key])) or send "
              "`Authorization: Bearer <key>`"),
          path));
      return;
    }
    if (!token) {
      Refuse(ApiReply::Problem(
          Status::Unauthenticated("authorization: missing `Authorization: Bearer <key>` header "
                                  "or `Sec-WebSocket-Protocol: btrouter.v1, bearer.<key>`"),
          path));
      return;
    }
    Result<ApiKeyRecord> key = Authenticate(*server_->store_, *token);
    if (!key.ok()) {
      Refuse(ApiReply::Problem(key.status(), path));
      return;
    }

    // Watch before reading the job, so no change after the snapshot is missed; changes that
    // raced with it are filtered by IsNewer.
    server_->Watch(*job_id);
    Result<JobRecord> job = server_->jobs_->Get(key->tenant, *job_id);
    if (!job.ok()) {
      server_->Unwatch(*job_id);
      Refuse(ApiReply::Problem(job.status(), path));
      return;
    }
    tenant_ = key->tenant;
    job_id_ = *job_id;
    server_->Subscribe(shared_from_this());
    last_ = StampOf(*job);
    outbox_.Push(JobMessage(*job), IsTerminal(job->status));

    beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = server_->options_.handshake_timeout;
    timeouts.idle_timeout = server_->options_.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([by_protocol](websocket::response_type& res) {
      res.set(http::field::server, "btrouter");
      // A browser drops a connection whose answer selects none of the offered subprotocols.
      if (by_protocol) res.set(http::field::sec_websocket_protocol, std::string(kSubprotocol));
    }));
    ws_.read_message_max(4096);
    ws_.text(true);
    state_ = State::kAccepting;
    ws_.async_accept(req, [self = shared_from_this()](const ErrorCode& accept_ec) {
      self->OnAccept(accept_ec);
    });
  }

  // An HTTP answer without upgrade, then the connection is closed.
  void Refuse(const ApiReply& reply) {
    state_ = State::kRefusing;
    ++server_->refused_;
    refusal_.version(parser_->get().version());
    refusal_.result(static_cast<unsigned>(reply.code));
    refusal_.set(http::field::server, "btrouter");
    refusal_.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) refusal_.set(name, value);
    refusal_.keep_alive(false);
    refusal_.body() = reply.body;
    refusal_.prepare_payload();
    http::async_write(
        ws_.next_layer(), refusal_, [self = shared_from_this()](const ErrorCode&, size_t) {
          ErrorCode ignored;
          beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
          self->Finish();
        });
  }

  void OnAccept(const ErrorCode& ec) {
    if (ec || state_ != State::kAccepting) {
      Finish();
      return;
    }
    ++server_->upgrades_;
    state_ = State::kOpen;
    if (server_->stopping_) {
      Close(websocket::close_code::going_away);
    } else {
      MaybeWrite();
    }
    Read();
  }

  // Keeps a read pending for the whole connection: it answers pings, sees the client's close
  // and drives the idle timeout. Client messages are discarded.
  void Read() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](const ErrorCode& ec, size_t) {
      if (ec) {
        self->Finish();
        return;
      }
      self->read_buffer_.consume(self->read_buffer_.size());
      self->Read();
    });
  }

  void MaybeWrite() {
    if (state_ != State::kOpen || !outbox_.CanStartWrite()) return;
    ProgressOutbox::Message message = outbox_.StartWrite();
    ws_.async_write(
        asio::buffer(*message),
        [self = shared_from_this(), message](const ErrorCode& ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(const ErrorCode& ec) {
    const bool final = outbox_.FinishWrite();
    if (ec) {
      Finish();
      return;
    }
    ++server_->sent_;
    if (state_ != State::kOpen) return;  // closing (Stop) or done
    if (final) {
      Close(websocket::close_code::normal);
    } else {
      MaybeWrite();
    }
  }

  // Sends a close frame; the pending read ends with `closed` once the client answers (or with
  // a timeout after handshake_timeout), which finishes the session.
  void Close(websocket::close_code code) {
    state_ = State::kClosing;
    ws_.async_close(websocket::close_reason(code),
                    [self = shared_from_this()](const ErrorCode& ec) {
                      if (ec) self->Finish();
                    });
  }

  void Finish() {
    if (state_ == State::kDone) return;
    state_ = State::kDone;
    Drop();
    server_->Forget(*this);
  }

  Impl* const server_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;       // the upgrade request
  beast::flat_buffer read_buffer_;  // client messages (discarded)
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> refusal_;
  ProgressOutbox outbox_;
  JobStamp last_;  // of the newest message queued
  const uint64_t id_;
  std::string tenant_, job_id_;
  bool subscribed_ = false;
  State state_ = State::kHandshake;
};

Status ProgressWsServer::Impl::Start(const std::string& host, uint16_t port, JobService* jobs,
                                     Store* store) {
  if (started_ || stopped_) {
    return Status::FailedPrecondition("ProgressWsServer: Start() may be called once");
  }
  if (jobs == nullptr || store == nullptr) {
    return Status::InvalidArgument("ProgressWsServer: a JobService and a Store are required");
  }
  const std::string where = host + ":" + std::to_string(port);
  try {
    ErrorCode ec;
    if (!host.empty()) {
      tcp::resolver resolver(ioc_);
      const tcp::resolver::results_type endpoints = resolver.resolve(
          host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
      if (ec || endpoints.empty()) {
        return Status::Unavailable("cannot resolve " + where + ": " +
                                   (ec ? ec.message() : std::string("no address")));
      }
      const tcp::endpoint endpoint = endpoints.begin()->endpoint();
      acceptor_.open(endpoint.protocol(), ec);
      if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor_.bind(endpoint, ec);
      if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        ErrorCode ignored;
        acceptor_.close(ignored);
        return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
      }
      port_ = acceptor_.local_endpoint(ec).port();
    }
    jobs_ = jobs;
    store_ = store;
    listener_id_ = jobs_->AddListener([this](const JobRecord& job) { OnJobChanged(job); });
    if (acceptor_.is_open()) Accept();
    // Without a listener the io context has no work until a connection is adopted.
    work_.emplace(asio::make_work_guard(ioc_));
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (...) {
      jobs_->RemoveListener(listener_id_);
      throw;
    }
    started_ = true;
    std::lock_guard<std::mutex> lock(adopt_mu_);
    adopting_ = true;
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Internal("cannot start the WebSocket server on " + where + ": " + e.what());
  }
}

void ProgressWsServer::Impl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(adopt_mu_);
    adopting_ = false;
  }
  // After RemoveListener returns no listener call is running or will run.
  jobs_->RemoveListener(listener_id_);
  try {
    asio::post(ioc_, [this] { BeginShutdown(); });
  } catch (...) {
    ioc_.stop();
  }
  thread_.join();
  // Sessions left after stop_grace were cut in BeginShutdown; their handlers are destroyed
  // with ioc_.
}

void ProgressWsServer::Impl::Run() {
  while (true) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      DefaultLogger().Log(LogLevel::kError, "websocket handler exception", {{"error", e.what()}});
    } catch (...) {
      DefaultLogger().Log(LogLevel::kError, "websocket handler exception",
                          {{"error", "unknown exception"}});
    }
  }
}

void ProgressWsServer::Impl::Accept() {
  acceptor_.async_accept(
      [this](const ErrorCode& ec, tcp::socket socket) { OnAccepted(ec, std::move(socket)); });
}

void ProgressWsServer::Impl::OnAccepted(const ErrorCode& ec, tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors and the like: wait a little rather than spin.
    DefaultLogger().Log(LogLevel::kWarn, "websocket accept failed", {{"error", ec.message()}});
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([this](const ErrorCode& wait_ec) {
      if (!wait_ec && !stopping_) Accept();
    });
    return;
  }
  AddSession(std::move(socket), nullptr);
  Accept();
}

void ProgressWsServer::Impl::AddSession(tcp::socket socket, const std::string* request_head) {
  ErrorCode ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(this, std::move(socket), next_session_++);
  sessions_.emplace(session->id(), session);
  open_ = sessions_.size();
  if (request_head) {
    session->StartWithRequest(*request_head);
  } else {
    session->Start();
  }
}

void ProgressWsServer::Impl::Adopt(int socket_fd, std::string request_head) {
  std::lock_guard<std::mutex> lock(adopt_mu_);
  if (!adopting_) {
    ::close(socket_fd);
    return;
  }
  try {
    asio::post(ioc_, [this, socket_fd, head = std::move(request_head)] {
      if (stopping_) {
        ::close(socket_fd);
        return;
      }
      sockaddr_storage address{};
      socklen_t length = sizeof(address);
      ErrorCode ec;
      tcp::socket socket(ioc_);
      if (::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(socket_fd);
        return;
      }
      socket.assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), socket_fd, ec);
      if (ec) {
        ::close(socket_fd);
        return;
      }
      AddSession(std::move(socket), &head);
    });
  } catch (...) {
    ::close(socket_fd);
  }
}

void ProgressWsServer::Impl::OnJobChanged(const JobRecord& job) {
  try {
    {
      std::lock_guard<std::mutex> lock(watched_mu_);
      if (watched_.find(job.id) == watched_.end()) return;
    }
    asio::post(ioc_, [this, job] { Dispatch(job); });
  } catch (...) {
    // Out of memory: the subscribers miss this change. Nothing may reach the job worker.
  }
}

void ProgressWsServer::Impl::Watch(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(watched_mu_);
  ++watched_[job_id];
}

void ProgressWsServer::Impl::Unwatch(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(watched_mu_);
  auto it = watched_.find(job_id);
  if (it != watched_.end() && --it->second == 0) watched_.erase(it);
}

void ProgressWsServer::Impl::Dispatch(const JobRecord& job) {
  auto it = subscribers_.find(job.id);
  if (it == subscribers_.end()) return;
  std::vector<std::shared_ptr<Session>> targets;
  targets.reserve(it->second.size());
  for (const auto& [id, weak] : it->second) {
    std::shared_ptr<Session> session = weak.lock();
    if (session && session->tenant() == job.tenant) targets.push_back(std::move(session));
  }
  if (targets.empty()) return;
  const ProgressOutbox::Message message = JobMessage(job);  // serialized once for all
  const JobStamp stamp = StampOf(job);
  const bool final = IsTerminal(job.status);
  for (const std::shared_ptr<Session>& session : targets) session->Deliver(stamp, message, final);
}

void ProgressWsServer::Impl::Subscribe(const std::shared_ptr<Session>& session) {
  subscribers_[session->job_id()].emplace(session->id(), session);
  session->set_subscribed();
}

void ProgressWsServer::Impl::Forget(const Session& session) {
  sessions_.erase(session.id());
  open_ = sessions_.size();
  if (session.subscribed()) {
    auto it = subscribers_.find(session.job_id());
    if (it != subscribers_.end()) {
      it->second.erase(session.id());
      if (it->second.empty()) subscribers_.erase(it);
    }
    Unwatch(session.job_id());
  }
  if (stopping_ && sessions_.empty()) ioc_.stop();
}

void ProgressWsServer::Impl::BeginShutdown() {
  stopping_ = true;
  work_.reset();
  ErrorCode ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  std::vector<std::shared_ptr<Session>> open;
  for (const auto& [id, weak] : sessions_) {
    if (std::shared_ptr<Session> session = weak.lock()) open.push_back(std::move(session));
  }
  for (const std::shared_ptr<Session>& session : open) session->Shutdown();
  if (sessions_.empty()) {
    ioc_.stop();
    return;
  }
  grace_timer_.expires_after(options_.stop_grace);
  grace_timer_.async_wait([this](const ErrorCode& ec) {
    if (ec) return;
    for (const auto& [id, weak] : sessions_) {
      if (std::shared_ptr<Session> session = weak.lock()) session->Drop();
    }
    ioc_.stop();
  });
}

ProgressWsServer::ProgressWsServer(ProgressWsOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ProgressWsServer::~ProgressWsServer() = default;

Status ProgressWsServer::Start(const std::string& host, uint16_t port, JobService* jobs,
                               Store* store) {
  return impl_->Start(host, port, jobs, store);
}

void ProgressWsServer::Stop() { impl_->Stop(); }

void ProgressWsServer::Adopt(int socket_fd, std::string request_head) {
  impl_->Adopt(socket_fd, std::move(request_head));
}

uint16_t ProgressWsServer::port() const { return impl_->port_.load(); }

ProgressWsStats ProgressWsServer::stats() const {
  ProgressWsStats s;
  s.upgrades = impl_->upgrades_.load();
  s.refused = impl_->refused_.load();
  s.open = impl_->open_.load();
  s.messages_sent = impl_->sent_.load();
  s.messages_dropped = impl_->dropped_.load();
  return s;
}

}  // namespace btr
