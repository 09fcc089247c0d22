// `btrouter logs ID [--follow]`: a backtest's log (GET /v1/backtests/{id}/logs): what btrouter
// did with it (submitted, started, fallbacks, reconciling, how it ended) and the engine's own
// lines. --follow keeps reading until the backtest has ended and its last lines are printed.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "adapters/common/http_client.h"
#include "cli/cli.h"
#include "cli/client_util.h"

namespace btr::cli {
namespace {

using nlohmann::json;

constexpr const char* kLogsUsage =
    "usage: btrouter logs ID [--follow] [--format text|json]\n"
    "Prints a backtest's log: btrouter's steps (submitted, started on an engine, each fallback\n"
    "and reconcile step, how it ended) and the engine's own lines (LEAN's log, the service's\n"
    "warnings, cloud status). --follow waits for new lines until the backtest ends.";

constexpr auto kFollowPause = std::chrono::milliseconds(500);

std::string Field(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One page of lines after `after`; prints them and returns the next `after`.
Result<int64_t> PrintPage(const ApiClient& api, const std::string& path, int64_t after,
                          bool as_json) {
  Result<ApiResponse> reply =
      Expect2xx(api.Get(path + "?limit=1000&after=" + std::to_string(after)));
  if (!reply.ok()) return reply.status();
  Result<json> page = JsonBody(*reply);
  if (!page.ok()) return page.status();
  for (const json& line : (*page)["items"]) {
    if (as_json) {
      std::printf("%s\n", line.dump().c_str());
    } else {
      std::printf("%s %-5s %s: %s\n", Field(line, "time").c_str(), Field(line, "level").c_str(),
                  Field(line, "source").c_str(), Field(line, "message").c_str());
    }
  }
  std::fflush(stdout);
  const json& next = (*page)["next_after"];
  return next.is_number_integer() ? next.get<int64_t>() : after;
}

Result<bool> Ended(const ApiClient& api, const std::string& job_path) {
  Result<ApiResponse> reply = Expect2xx(api.Get(job_path));
  if (!reply.ok()) return reply.status();
  Result<json> job = JsonBody(*reply);
  if (!job.ok()) return job.status();
  const std::string status = Field(*job, "status");
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

Result<int> Logs(const Flags& f) {
  if (f.positionals().empty()) return Status::InvalidArgument("ID: required");
  const std::string format = f.Get("format");
  if (format != "text" && format != "json") {
    return Status::InvalidArgument("--format: expected text or json, got '" + format + "'");
  }
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  const std::string job_path = "/v1/backtests/" + UrlEncode(f.positionals().front());
  int64_t after = 0;
  for (;;) {
    // Whether it had ended is read before the lines, so the lines of its end are never missed.
    Result<bool> ended = f.Has("follow") ? Ended(*api, job_path) : Result<bool>(true);
    if (!ended.ok()) return ended.status();
    Result<int64_t> next = PrintPage(*api, job_path + "/logs", after, format == "json");
    if (!next.ok()) return next.status();
    const bool more = *next != after;
    after = *next;
    if (*ended && !more) return 0;
    if (!more) std::this_thread::sleep_for(kFollowPause);
  }
}

}  // namespace

int RunLogsCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ID", "backtest id");
  f.AddSwitch("follow", "keep printing new lines until the backtest ends");
  f.AddValue("format", "text|json", "output: one line each, or the API's line objects", "text");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "logs", kLogsUsage); stop >= 0) return stop;
  return ClientFinish("logs", Logs(f));
}

}  // namespace btr::cli
