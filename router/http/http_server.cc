#include "router/http/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "router/http/percent_decode.h"
#include "services/auth/api_keys.h"
#include "services/jobs/job_service.h"
#include "services/log/logger.h"

namespace btr {

using namespace Pistache;  // NOLINT: the HTTP library's own namespaces, only in this file

namespace {

constexpr Http::Method kAllMethods[] = {
    Http::Method::Options, Http::Method::Get,   Http::Method::Post,
    Http::Method::Head,    Http::Method::Put,   Http::Method::Patch,
    Http::Method::Delete,  Http::Method::Trace, Http::Method::Connect};

// A response header with a name chosen at run time. Pistache 0.0.5 writes only typed headers in
// responses (raw ones are dropped), so every custom header goes through this class.
class NamedHeader final : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  uint64_t hash() const override { return Http::Header::detail::hash(name_.c_str()); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string name_, value_;
};

// "/v1/backtests/{id}" -> "/v1/backtests/:id"
std::string PistachePath(const std::string& path) {
  std::string out;
  for (size_t k = 0; k < path.size(); ++k) {
    if (path[k] == '{') {
      out += ':';
    } else if (path[k] != '}') {
      out += path[k];
    }
  }
  return out;
}

std::vector<std::string> ParamNames(const std::string& path) {
  std::vector<std::string> names;
  for (size_t pos = path.find('{'); pos != std::string::npos; pos = path.find('{', pos + 1)) {
    names.push_back(path.substr(pos + 1, path.find('}', pos) - pos - 1));
  }
  return names;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void CopyHeaders(const Http::Request& req, ApiRequest* out) {
  for (const auto& [name, raw] : req.headers().rawList()) out->headers[Lower(name)] = raw.value();
  for (const auto& header : req.headers().list()) {
    std::ostringstream os;
    header->write(os);
    out->headers[Lower(header->name())] = os.str();
  }
}

}  // namespace

struct HttpServer::Impl {
  Impl(std::vector<ApiRoute> r, Store* s, PrometheusRegistry* m, HttpServerOptions o)
      : routes(std::move(r)), store(s), metrics(m), options(std::move(o)) {}

  void Send(Http::ResponseWriter& writer, const ApiReply& reply) {
    for (const auto& [name, value] : reply.headers) {
      writer.headers().add(std::make_shared<NamedHeader>(name, value));
    }
    writer.send(static_cast<Http::Code>(reply.code), reply.body,
                Http::Mime::MediaType::fromString(reply.content_type));
  }

  // `job_id` is the backtest the request addressed or created, empty for other routes.
  void Record(const std::string& route, const std::string& method, int code, double seconds,
              const std::string& request_id, const std::string& job_id = "") {
    const std::string code_text = std::to_string(code);
    metrics->Increment("btr_http_requests_total",
                       {{"route", route}, {"method", method}, {"code", code_text}});
    metrics->Observe("btr_http_request_duration_seconds", {{"route", route}}, seconds);
    if (options.log_requests) {
      LogFields fields = {{"request_id", request_id},
                          {"method", method},
                          {"route", route},
                          {"code", code},
                          {"ms", seconds * 1e3}};
      if (!job_id.empty()) fields["job_id"] = job_id;
      request_log.Log(LogLevel::kDebug, "request", fields);
    }
  }

  // The backtest id a request addressed (/v1/backtests/{id}...) or created (its Location).
  static std::string JobIdOf(const ApiRoute& route, const ApiRequest& request,
                             const ApiReply& reply) {
    static constexpr std::string_view kPrefix = "/v1/backtests/";
    if (route.path.rfind(kPrefix, 0) != 0) {
      if (route.path != "/v1/backtests" || route.method != "POST") return "";
      for (const auto& [name, value] : reply.headers) {
        if (name == "Location" && value.rfind(kPrefix, 0) == 0) {
          return value.substr(kPrefix.size());
        }
      }
      return "";
    }
    auto it = request.params.find("id");
    return it != request.params.end() ? it->second : "";
  }

  // Runs the route's handler with auth and error handling; returns the reply to send.
  ApiReply Dispatch(const ApiRoute& route, ApiRequest& request) {
    try {
      if (route.access != Access::kPublic) {
        const std::optional<std::string> auth = request.Header("authorization");
        if (!auth || auth->rfind("Bearer ", 0) != 0) {
          return ApiReply::Problem(
              Status::Unauthenticated(
                  "authorization: missing `Authorization: Bearer <key>` header"),
              request.path);
        }
        Result<ApiKeyRecord> key = Authenticate(*store, std::string_view(*auth).substr(7));
        if (!key.ok()) return ApiReply::Problem(key.status(), request.path);
        if (route.access == Access::kAdmin && key->role != Role::kAdmin) {
          return ApiReply::Problem(
              Status::PermissionDenied("authorization: this route needs an admin key"),
              request.path);
        }
        request.caller = std::move(key).value();
      }
      return route.handler(request);
    } catch (const std::exception& e) {
      DefaultLogger().Log(LogLevel::kError, "handler exception",
                          {{"request_id", request.request_id},
                           {"method", request.method},
                           {"route", route.path},
                           {"error", e.what()}});
      return ApiReply::Problem(Status::Internal(e.what()), request.path);
    } catch (...) {
      return ApiReply::Problem(Status::Internal("unknown exception"), request.path);
    }
  }

  Rest::Route::Result Handle(const ApiRoute& route, const Rest::Request& req,
                             Http::ResponseWriter writer) {
    const auto start = std::chrono::steady_clock::now();
    ApiRequest request;
    request.method = Http::methodString(req.method());
    request.path = req.resource();
    request.request_id = NewId("req_");
    for (const std::string& name : ParamNames(route.path)) {
      if (req.hasParam(":" + name)) request.params[name] = req.param(":" + name).as<std::string>();
    }
    for (auto it = req.query().parameters_begin(); it != req.query().parameters_end(); ++it) {
      // Pistache hands query parts over raw; browsers send "from=2005-01-03T00%3A00%3A00Z".
      request.query[PercentDecode(it->first, false)] = PercentDecode(it->second, false);
    }
    CopyHeaders(req, &request);
    request.body = req.body();
    ApiReply reply = Dispatch(route, request);
    reply.headers.emplace_back("X-Request-Id", request.request_id);
    auto elapsed = [start] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (!reply.deferred || !TryDefer(route, request, reply, std::move(writer), start)) {
      if (reply.deferred) reply = reply.deferred();  // no thread available: answer now
      Send(writer, reply);
      Record(route.path, request.method, reply.code, elapsed(), request.request_id,
             JobIdOf(route, request, reply));
    }
    return Rest::Route::Result::Ok;
  }

  // Moves the writer to a thread that computes the reply and sends it once.
  bool TryDefer(const ApiRoute& route, const ApiRequest& request, ApiReply& reply,
                Http::ResponseWriter&& writer, std::chrono::steady_clock::time_point start) {
    {
      std::lock_guard<std::mutex> lock(deferred_mu);
      if (stopping || deferred_running >= options.max_deferred) return false;
      ++deferred_running;
    }
    auto shared_writer = std::make_shared<Http::ResponseWriter>(std::move(writer));
    std::thread([this, shared_writer, compute = std::move(reply.deferred), route_path = route.path,
                 method = request.method, request_id = request.request_id,
                 job_id = JobIdOf(route, request, reply), start] {
      ApiReply late = compute();
      late.headers.emplace_back("X-Request-Id", request_id);
      Send(*shared_writer, late);
      Record(route_path, method, late.code,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
             request_id, job_id);
      std::lock_guard<std::mutex> lock(deferred_mu);
      --deferred_running;
      deferred_cv.notify_all();
    }).detach();
    return true;
  }

  void RegisterRoutes() {
    std::map<std::string, std::set<std::string>> methods_by_path;
    for (const ApiRoute& route : routes) methods_by_path[route.path].insert(route.method);
    for (const ApiRoute& route : routes) {
      const ApiRoute* r = &route;
      for (Http::Method m : kAllMethods) {
        if (Http::methodString(m) != route.method) continue;
        router.addRoute(m, PistachePath(route.path),
                        [this, r](const Rest::Request req, Http::ResponseWriter w) {
                          return Handle(*r, req, std::move(w));
                        });
      }
    }
    // Every other method on a known path: 405 (registering all methods also avoids 0.0.5's
    // router data race on unregistered methods).
    for (const auto& [path, allowed] : methods_by_path) {
      std::string allow;
      for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      for (Http::Method m : kAllMethods) {
        if (allowed.count(Http::methodString(m)) != 0) continue;
        const std::string route_path = path;
        router.addRoute(m, PistachePath(path),
                        [this, allow, route_path](const Rest::Request req, Http::ResponseWriter w) {
                          ApiReply reply = ApiReply::Problem(
                              Status(StatusCode::kFailedPrecondition,
                                     std::string("method: ") + Http::methodString(req.method()) +
                                         " is not allowed here (allowed: " + allow + ")"),
                              req.resource(), 405);
                          reply.headers.emplace_back("Allow", allow);
                          Send(w, reply);
                          Record(route_path, Http::methodString(req.method()), 405, 0, "");
                          return Rest::Route::Result::Ok;
                        });
      }
    }
    router.addNotFoundHandler([this](const Rest::Request req, Http::ResponseWriter w) {
      if (const HttpMount* mount = MountFor(req.resource())) {
        ServeMount(*mount, req, w);
        return Rest::Route::Result::Ok;
      }
      Send(w,
           ApiReply::Problem(Status::NotFound("path: no route " + req.resource()), req.resource()));
      Record("unmatched", Http::methodString(req.method()), 404, 0, "");
      return Rest::Route::Result::Ok;
    });
  }

  const HttpMount* MountFor(const std::string& path) const {
    for (const HttpMount& mount : options.mounts) {
      if (path == mount.prefix || path.rfind(mount.prefix + "/", 0) == 0) return &mount;
    }
    return nullptr;
  }

  // A request under a mount: GET and HEAD go to its handler (public), others get 405.
  void ServeMount(const HttpMount& mount, const Rest::Request& req, Http::ResponseWriter& w) {
    const auto start = std::chrono::steady_clock::now();
    ApiRequest request;
    request.method = Http::methodString(req.method());
    request.path = req.resource();
    request.request_id = NewId("req_");
    CopyHeaders(req, &request);
    ApiReply reply;
    if (request.method != "GET" && request.method != "HEAD") {
      reply = ApiReply::Problem(
          Status(StatusCode::kFailedPrecondition,
                 "method: " + request.method + " is not allowed here (allowed: GET, HEAD)"),
          request.path, 405);
      reply.headers.emplace_back("Allow", "GET, HEAD");
    } else {
      try {
        reply = mount.handler(request);
      } catch (const std::exception& e) {
        reply = ApiReply::Problem(Status::Internal(e.what()), request.path);
      }
    }
    reply.headers.emplace_back("X-Request-Id", request.request_id);
    Send(w, reply);
    Record(mount.prefix + "/*", request.method, reply.code,
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
           request.request_id);
  }

  std::vector<ApiRoute> routes;
  Store* store;
  PrometheusRegistry* metrics;
  HttpServerOptions options;
  // Request lines, switched on by options.log_requests (log.level = debug) rather than by the
  // process-wide logger's level.
  Logger request_log{LogLevel::kDebug};
  Rest::Router router;
  std::shared_ptr<Http::Endpoint> endpoint;
  std::mutex deferred_mu;
  std::condition_variable deferred_cv;
  size_t deferred_running = 0;  // guarded by deferred_mu
  bool stopping = false;        // guarded by deferred_mu
  bool serving = false;
};

HttpServer::HttpServer(std::vector<ApiRoute> routes, Store* store, PrometheusRegistry* metrics,
                       HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(routes), store, metrics, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::DeclareMetrics(PrometheusRegistry& metrics) {
  metrics.DeclareCounter("btr_http_requests_total",
                         "HTTP requests answered, by route template, method and code");
  metrics.DeclareHistogram(
      "btr_http_request_duration_seconds", "Time to answer an HTTP request",
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30});
}

Status HttpServer::Start() {
  try {
    Address address(impl_->options.host, Port(impl_->options.port));
    impl_->endpoint = std::make_shared<Http::Endpoint>(address);
    auto opts = Http::Endpoint::options()
                    .threads(static_cast<int>(impl_->options.threads))
                    .flags(Tcp::Options::ReuseAddr)
                    .maxRequestSize(impl_->options.max_request_bytes);
    impl_->endpoint->init(opts);
    impl_->RegisterRoutes();
    impl_->endpoint->setHandler(impl_->router.handler());
    impl_->endpoint->serveThreaded();
    impl_->serving = true;
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot listen on " + impl_->options.host + ":" +
                               std::to_string(impl_->options.port) + ": " + e.what());
  }
  return Status::Ok();
}

uint16_t HttpServer::port() const {
  return impl_->endpoint ? static_cast<uint16_t>(impl_->endpoint->getPort()) : 0;
}

void HttpServer::Stop() {
  if (!impl_ || !impl_->serving) return;
  {
    std::unique_lock<std::mutex> lock(impl_->deferred_mu);
    impl_->stopping = true;
    impl_->deferred_cv.wait(lock, [this] { return impl_->deferred_running == 0; });
  }
  impl_->endpoint->shutdown();
  impl_->serving = false;
}

}  // namespace btr
