#include "adapters/backtestingpy/backtestingpy_engine.h"

#include <thread>

#include "adapters/backtestingpy/backtestingpy_wire.h"
#include "engines/catalogue/catalogue.h"
#include "engines/spec_window.h"

namespace btr {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool Cancelled(const RunContext& context) {
  return context.cancel != nullptr && context.cancel->load(std::memory_order_relaxed);
}

// Sleeps up to `total`, waking early when the run is cancelled.
void SleepUnlessCancelled(milliseconds total, const RunContext& context) {
  const Clock::time_point until = Clock::now() + total;
  while (!Cancelled(context) && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(20), until - Clock::now()));
  }
}

// The library's warnings of a finished job (result.warnings: [{"message", "count"}]) as lines
// of the job's log.
void LogWarnings(const nlohmann::json& result, const RunContext& context) {
  if (!context.log || !result.is_object() || !result.contains("warnings")) return;
  for (const nlohmann::json& warning : result["warnings"]) {
    if (!warning.is_object() || !warning.contains("message") || !warning["message"].is_string()) {
      continue;
    }
    std::string line = "backtesting.py warning: " + warning["message"].get<std::string>();
    if (warning.contains("count") && warning["count"].is_number_integer() &&
        warning["count"].get<int64_t>() > 1) {
      line += " (x" + std::to_string(warning["count"].get<int64_t>()) + ")";
    }
    context.log(line);
  }
}

}  // namespace

BacktestingPyEngine::BacktestingPyEngine(BacktestingPyOptions options)
    : options_(std::move(options)), http_(options_.url, "btrouter-backtestingpy-adapter") {
  http_.set_connect_timeout(std::min(options_.request_timeout, milliseconds(3000)));
}

EngineCapabilities BacktestingPyEngine::capabilities() const {
  return CatalogueCapabilities(options_.max_bars);
}

Status BacktestingPyEngine::Validate(const BacktestSpec& spec) const {
  Result<ResolvedStrategy> resolved = ResolveStrategy(spec.strategy);
  if (!resolved.ok()) return resolved.status();
  return SpecWindow(spec).status();
}

Health BacktestingPyEngine::Probe(Clock::time_point deadline) {
  const Clock::time_point start = Clock::now();
  HttpRequest request;
  request.path = "/health";
  request.timeout =
      std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline - start));
  Result<HttpResponse> reply = http_.Send(request);
  Health health;
  health.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  if (!reply.ok()) {
    health.detail = reply.status().message();
  } else if (!reply->ok()) {
    health.detail = backtestingpy::ReplyStatus(*reply, "GET /health").message();
  } else {
    const nlohmann::json doc = reply->Json();
    health.healthy = doc.is_object() && doc.value("status", "") == "ok";
    health.detail = health.healthy ? "backtesting " + doc.value("library_version", "?") +
                                         ", service " + doc.value("service_version", "?")
                                   : "GET /health: " + Excerpt(reply->body);
  }
  return health;
}

Result<EngineRun> BacktestingPyEngine::Run(const BacktestSpec& spec, const BarSeries& dataset,
                                           const RunContext& context) {
  const Clock::time_point start = Clock::now();
  Result<BarWindow> window = CutToWindow(dataset, spec);  // only the window's bars travel
  if (!window.ok()) return window.status();
  const BarSeries& bars = window->bars();
  if (options_.max_bars != 0 && bars.size() > options_.max_bars) {
    return Status::InvalidArgument("dataset: " + std::to_string(bars.size()) +
                                   " bars exceed the backtestingpy engine's limit of " +
                                   std::to_string(options_.max_bars) + " bars per run");
  }
  if (bars.size() < 2) return Status::InvalidArgument("dataset: needs at least 2 bars");
  Result<std::string> body = backtestingpy::BuildRunRequest(spec, bars, context.run_key);
  if (!body.ok()) return body.status();
  if (Cancelled(context)) return Status::Cancelled("cancelled before submission");
  if (context.progress) context.progress(0, "submitting");
  Result<std::string> id = Submit(*body);
  if (!id.ok()) return id.status();
  if (context.log) context.log("accepted by the service as job " + *id);
  Result<EngineRun> run = Await(*id, bars, context, start + options_.run_timeout);
  if (run.ok()) {
    CancelRemote(*id);  // a finished job: DELETE forgets it on the service
    run->run_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return run;
}

Result<EngineRun> BacktestingPyEngine::Reconcile(const BacktestSpec& spec, const BarSeries& dataset,
                                                 const RunContext& context) {
  const Clock::time_point start = Clock::now();
  Result<BarWindow> window = CutToWindow(dataset, spec);  // the bars the run was sent
  if (!window.ok()) return window.status();
  const BarSeries& bars = window->bars();
  const std::string& key = context.run_key;
  if (key.empty()) {
    return Status::FailedPrecondition(
        "backtestingpy: the run was sent without a run key, so the "
        "service cannot be asked about it");
  }
  HttpRequest request;
  request.path = "/backtest/history?limit=500&run_key=" + UrlEncode(key);
  request.timeout = options_.request_timeout;
  Result<HttpResponse> reply = http_.Send(request);
  if (reply.ok() && !reply->ok()) {
    reply = backtestingpy::ReplyStatus(*reply, "GET /backtest/history");
  }
  if (!reply.ok()) {
    return Status::UnknownOutcome("backtestingpy service: cannot look up run " + key + ": " +
                                  reply.status().message());
  }
  Result<backtestingpy::HistoryEntry> job = backtestingpy::FindJobByRunKey(*reply, key);
  if (!job.ok()) return job.status();
  if (job->id.empty()) {
    return Status::NotFound("the backtestingpy service holds no job with run key " + key +
                            " (never accepted, or lost when the service restarted)");
  }
  if (job->status == "cancelled") {
    CancelRemote(job->id);  // forget it
    return Status::NotFound("the backtestingpy service's job " + job->id + " with run key " + key +
                            " was cancelled there and holds no result");
  }
  if (context.progress) context.progress(0, "reconciled");
  if (context.log) context.log("found job " + job->id + " (" + job->status + ") by run key " + key);
  Result<EngineRun> run = Await(job->id, bars, context, start + options_.run_timeout);
  if (run.ok()) {
    CancelRemote(job->id);
    run->run_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return run;
}

Result<std::string> BacktestingPyEngine::Submit(const std::string& body) const {
  HttpRequest request;
  request.method = "POST";
  request.path = "/backtest/run";
  request.body = &body;
  // Large uploads get one extra second per 8 MiB on top of the per-call limit.
  request.timeout = options_.request_timeout + milliseconds(body.size() / (8 << 10) + 1);
  Result<HttpResponse> reply = http_.Send(request);
  if (!reply.ok() && reply.status().code() == StatusCode::kUnavailable) {
    return Status::Unavailable("backtestingpy service: " + reply.status().message() +
                               " — start it with `adapters/backtestingpy/service/run --listen "
                               "HOST:PORT` and set engines.backtestingpy.url");
  }
  if (!reply.ok()) return reply.status().WithPrefix("backtestingpy service");
  if (!reply->ok()) return backtestingpy::ReplyStatus(*reply, "POST /backtest/run");
  return backtestingpy::ParseAccepted(*reply);
}

Result<EngineRun> BacktestingPyEngine::Await(const std::string& id, const BarSeries& bars,
                                             const RunContext& context,
                                             Clock::time_point deadline) const {
  int failures = 0;
  HttpRequest request;
  request.path = "/backtest/results/" + UrlEncode(id);
  for (;;) {
    if (Cancelled(context)) {
      CancelRemote(id);
      return Status::Cancelled("cancelled; the service was asked to stop job " + id);
    }
    if (Clock::now() >= deadline) {
      CancelRemote(id);
      return Status::DeadlineExceeded("backtestingpy service: job " + id +
                                      " did not finish within " +
                                      std::to_string(options_.run_timeout.count() / 1000) +
                                      " s (engines.backtestingpy.timeout_s); it was cancelled");
    }
    request.timeout = options_.request_timeout;
    Result<HttpResponse> reply = http_.Send(request);
    Status failure;
    if (!reply.ok()) {
      failure = reply.status();
    } else if (reply->code == 404) {
      return Status::UnknownOutcome("backtestingpy service: job " + id +
                                    " is no longer known to the service (restarted?)");
    } else if (!reply->ok()) {
      failure = backtestingpy::ReplyStatus(*reply, "GET /backtest/results");
    } else {
      Result<backtestingpy::RemoteJob> job = backtestingpy::ParseJob(*reply);
      if (!job.ok()) return job.status();
      using backtestingpy::JobState;
      switch (job->state) {
        case JobState::kDone: {
          LogWarnings(job->result, context);
          Result<EngineRun> run = backtestingpy::ParseRunResult(job->result, bars);
          if (run.ok()) {
            run->engine_version = "backtesting " + job->library_version +
                                  " (btrouter-backtestingpy " + job->service_version + ")";
          }
          return run;
        }
        case JobState::kFailed: {
          const std::string message =
              "backtestingpy service: job " + id + " failed: " + job->error_message;
          if (job->error_code == "invalid_argument") return Status::InvalidArgument(message);
          return Status::Internal(message);
        }
        case JobState::kCancelled:
          return Status::Internal("backtestingpy service: job " + id +
                                  " was cancelled on the service, not by btrouter");
        case JobState::kQueued:
        case JobState::kRunning:
          failures = 0;
          if (context.progress) {
            context.progress(job->progress, job->state == JobState::kQueued ? "queued" : "running");
          }
          SleepUnlessCancelled(options_.poll_interval, context);
          continue;
      }
    }
    if (++failures >= options_.max_poll_failures) {
      return Status::UnknownOutcome("backtestingpy service: lost contact while job " + id +
                                    " ran: " + failure.message());
    }
    SleepUnlessCancelled(options_.poll_interval, context);
  }
}

void BacktestingPyEngine::CancelRemote(const std::string& id) const {
  HttpRequest request;
  request.method = "DELETE";
  request.path = "/backtest/" + UrlEncode(id);
  request.timeout = std::min(options_.request_timeout, milliseconds(2000));
  (void)http_.Send(request);  // best effort: the service forgets or stops the job
}

}  // namespace btr
