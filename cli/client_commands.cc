// The client commands of a running `btrouter serve`: upload, submit, status, watch,
// result, list and cancel. Each is a thin layer over the REST API (cli/api_client.h): it builds
// one request, checks the reply and prints it for people (table) or programs (json). Ids go to
// stdout alone on a line so scripts can capture them; progress and errors go to stderr.
//
// Exit codes: 0 success; 2 for bad usage and for requests the server refused (HTTP 4xx); 1 for
// server failures (5xx), an unreachable server, and for `watch`/`submit --wait` when the
// backtest failed or was cancelled.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "cli/api_client.h"
#include "cli/cli.h"
#include "cli/client_util.h"
#include "cli/flags.h"
#include "cli/job_text.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "engines/metrics/metric_format.h"
#include "engines/catalogue/params.h"

namespace btr::cli {
namespace {

using nlohmann::json;

// ?wait= of each long-poll; the request timeout leaves room for the server to answer late.
constexpr std::chrono::seconds kPollWait{5};
constexpr std::chrono::seconds kPollTimeout = kPollWait + std::chrono::seconds(30);
constexpr std::chrono::seconds kUploadTimeout{600};
// How long `cancel` waits for a running backtest to stop before reporting the request only.
constexpr int kCancelPolls = 6;

Result<std::string> RequiredPositional(const Flags& f, const char* what) {
  if (f.positionals().empty()) return Status::InvalidArgument(std::string(what) + ": required");
  return f.positionals().front();
}

Result<json> GetJson(const ApiClient& api, const std::string& path,
                     std::chrono::seconds timeout = ApiClient::kDefaultTimeout) {
  Result<ApiResponse> reply = Expect2xx(api.Get(path, timeout));
  if (!reply.ok()) return reply.status();
  return JsonBody(*reply);
}

std::string Text(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Number(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string JobPath(const std::string& id) { return "/v1/backtests/" + UrlEncode(id); }

bool IsTerminal(const json& job) {
  const std::string status = Text(job, "status");
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

std::string EngineText(const json& job) {
  const std::string used = Text(job, "engine_used");
  return used.empty() ? Text(job, "engine_requested") : used;
}

std::string PercentText(const json& job) {
  const double progress = Number(job, "progress");
  return std::to_string(static_cast<int>(std::floor(progress * 100))) + "%";
}

// "bt_1 succeeded", "bt_1 failed: engine_error: ...", "bt_1 cancelled while running".
std::string FinalLine(const json& job) {
  const std::string status = Text(job, "status"), error = ErrorSummary(job);
  const std::string line = Text(job, "id") + " ";
  if (error.empty()) return line + status;
  return error.rfind(status, 0) == 0 ? line + error : line + status + ": " + error;
}

void AppendRow(std::string* out, std::string_view key, const std::string& value) {
  std::string row(key);
  row.resize(26, ' ');
  *out += "  " + row + (value.empty() ? "-" : value) + "\n";
}

std::string JobTable(const json& job) {
  std::string out;
  AppendRow(&out, "id", Text(job, "id"));
  const bool cancelling = job.value("cancel_requested", json(false)) == true && !IsTerminal(job);
  AppendRow(&out, "status", Text(job, "status") + (cancelling ? " (cancel requested)" : ""));
  AppendRow(&out, "progress", PercentText(job) + " (" + Text(job, "phase") + ")");
  AppendRow(&out, "engine", EngineText(job));
  if (job.contains("fallbacks") && job["fallbacks"].is_array()) {
    for (const json& step : job["fallbacks"]) {
      AppendRow(&out, "fallback",
                Text(step, "from") + " -> " + Text(step, "to") + ": " + Text(step, "reason"));
    }
  }
  AppendRow(&out, "strategy", StrategyText(job));
  const json spec = job.value("spec", json::object());
  AppendRow(&out, "dataset", spec.is_object() ? Text(spec, "dataset") : "");
  if (spec.is_object()) AppendRow(&out, "settings", SettingsText(spec));
  AppendRow(&out, "created (UTC)", HumanTime(Text(job, "created_at")));
  AppendRow(&out, "started (UTC)", HumanTime(Text(job, "started_at")));
  const std::string finished = HumanTime(Text(job, "finished_at"));
  AppendRow(&out, "finished (UTC)", finished.empty() ? "" : finished + TookText(job));
  if (const std::string error = ErrorSummary(job); !error.empty()) AppendRow(&out, "error", error);
  return out;
}

// Long-polls the job until it ends, drawing a progress bar on stderr (when it is a terminal)
// from the first moment. Returns the final job document.
Result<json> WaitForEnd(const ApiClient& api, const std::string& id, json job) {
  ProgressBar bar{std::chrono::milliseconds(0)};
  std::string shown_phase;
  while (!IsTerminal(job)) {
    const std::string status = Text(job, "status");
    const std::string phase = Text(job, "phase");
    const std::string label = id + " " + (phase.empty() || phase == status ? status : phase);
    if (label != shown_phase) {
      bar.SetPhase(label);
      shown_phase = label;
    }
    if (status == "running") bar.Update(std::clamp(Number(job, "progress"), 0.0, 1.0));
    Result<json> next =
        GetJson(api, JobPath(id) + "?wait=" + std::to_string(kPollWait.count()), kPollTimeout);
    if (!next.ok()) return next.status();
    job = std::move(*next);
  }
  return job;
}

Result<std::string> FetchResultTable(const ApiClient& api, const json& job) {
  Result<json> result = GetJson(api, JobPath(Text(job, "id")) + "/result");
  if (!result.ok()) return result.status();
  return ResultTable(job, *result);
}

// --- upload -----------------------------------------------------------------------------------

constexpr const char* kUploadUsage =
    "usage: btrouter upload [--name NAME] FILE [--format id|json]\n"
    "Uploads a CSV file (time,open,high,low,close[,volume]) or a LEAN daily or minute zip as a\n"
    "dataset; prints its id. The same bytes under the same name again print the id of the\n"
    "dataset already there.";

Result<int> Upload(const Flags& f) {
  Result<std::string> file = RequiredPositional(f, "FILE");
  if (!file.ok()) return file.status();
  const std::string format = f.Get("format");
  if (format != "id" && format != "json") {
    return Status::InvalidArgument("--format: expected id or json, got '" + format + "'");
  }
  const std::string name =
      f.Has("name") ? f.Get("name") : std::filesystem::path(*file).stem().string();
  std::ifstream in(*file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in || std::filesystem::is_directory(*file)) {
    return Status::InvalidArgument(*file + ": cannot read (a CSV or zip file is expected)");
  }
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<ApiResponse> reply =
      Expect2xx(api->Post("/v1/datasets?name=" + UrlEncode(name), bytes.str(),
                          UploadContentType(*file), {}, kUploadTimeout));
  if (!reply.ok()) return reply.status();
  if (format == "json") {
    PrintBody(reply->body);
    return 0;
  }
  Result<json> doc = JsonBody(*reply);
  if (!doc.ok()) return doc.status();
  if (doc->value("existing", false)) {
    std::fprintf(stderr, "%s: the same bytes were uploaded as '%s' before; that dataset is used\n",
                 file->c_str(), name.c_str());
  }
  std::printf("%s\n", Text(*doc, "id").c_str());
  return 0;
}

// --- submit -----------------------------------------------------------------------------------

constexpr const char* kSubmitUsage =
    "usage: btrouter submit --dataset ID --strategy NAME [--param k=v]... [flags] [--wait]\n"
    "Submits a backtest to the server and prints its id alone on a line. With --wait, follows it\n"
    "(progress on stderr) and prints its metrics; exits 1 when it failed or was cancelled.";

void DeclareSubmitFlags(Flags& f) {
  f.AddValue("dataset", "ID", "dataset id (see `btrouter upload`, `btrouter datasets`)");
  f.AddValue("strategy", "NAME", "catalogue strategy (see `btrouter strategies`)");
  f.AddRepeated("param", "k=v", "strategy parameter (numbers, true or false)");
  f.AddValue("engine", "NAME", "engine to run on (server default: native)");
  DeclareSettingFlags(f);
  f.AddValue("idempotency-key", "K", "same key and body: the same job, not a new one");
  f.AddSwitch("wait", "wait for the end and print the metrics table");
}

// The POST /v1/backtests body (engines/spec_json.h) from the flags; only given settings are sent.
Result<json> SubmitBody(const Flags& f) {
  if (!f.Has("dataset")) return Status::InvalidArgument("--dataset: required (a dataset id)");
  if (!f.Has("strategy")) {
    return Status::InvalidArgument("--strategy: required (see `btrouter strategies`)");
  }
  Result<json> body = SpecBodyFromFlags(f, f.Get("dataset"));
  if (!body.ok()) return body.status();
  if (f.Has("engine")) (*body)["engine"] = f.Get("engine");
  return body;
}

Result<int> Submit(const Flags& f) {
  Result<json> body = SubmitBody(f);
  if (!body.ok()) return body.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  ApiClient::Headers headers;
  if (f.Has("idempotency-key")) headers.emplace_back("Idempotency-Key", f.Get("idempotency-key"));
  Result<ApiResponse> reply =
      Expect2xx(api->Post("/v1/backtests", body->dump(), "application/json", headers));
  if (!reply.ok()) return reply.status();
  Result<json> job = JsonBody(*reply);
  if (!job.ok()) return job.status();
  const std::string id = Text(*job, "id");
  std::printf("%s\n", id.c_str());
  std::fflush(stdout);
  if (reply->Header("idempotent-replayed") == "true") {
    std::fprintf(stderr, "btrouter submit: %s is an earlier job with this Idempotency-Key\n",
                 id.c_str());
  }
  if (!f.Has("wait")) return 0;
  Result<json> final_job = WaitForEnd(*api, id, *job);
  if (!final_job.ok()) return final_job.status();
  if (Text(*final_job, "status") != "succeeded") {
    std::fprintf(stderr, "btrouter submit: %s\n", FinalLine(*final_job).c_str());
    return 1;
  }
  Result<std::string> table = FetchResultTable(*api, *final_job);
  if (!table.ok()) return table.status();
  std::printf("%s", table->c_str());
  return 0;
}

// --- status, watch, result --------------------------------------------------------------------

constexpr const char* kStatusUsage =
    "usage: btrouter status ID [--format table|json]\nShows a backtest's status and progress.";

Result<int> StatusCommand(const Flags& f) {
  Result<std::string> id = RequiredPositional(f, "ID");
  if (!id.ok()) return id.status();
  Result<bool> as_json = WantJson(f);
  if (!as_json.ok()) return as_json.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<ApiResponse> reply = Expect2xx(api->Get(JobPath(*id)));
  if (!reply.ok()) return reply.status();
  if (*as_json) {
    PrintBody(reply->body);
    return 0;
  }
  Result<json> job = JsonBody(*reply);
  if (!job.ok()) return job.status();
  std::printf("%s", JobTable(*job).c_str());
  return 0;
}

constexpr const char* kWatchUsage =
    "usage: btrouter watch ID\n"
    "Follows a backtest with a live progress bar on stderr until it ends, then prints its final\n"
    "status. Exits 0 when it succeeded, 1 when it failed or was cancelled.";

Result<int> Watch(const Flags& f) {
  Result<std::string> id = RequiredPositional(f, "ID");
  if (!id.ok()) return id.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<json> job = GetJson(*api, JobPath(*id));
  if (!job.ok()) return job.status();
  Result<json> final_job = WaitForEnd(*api, *id, *job);
  if (!final_job.ok()) return final_job.status();
  std::printf("%s\n", FinalLine(*final_job).c_str());
  return Text(*final_job, "status") == "succeeded" ? 0 : 1;
}

constexpr const char* kResultUsage =
    "usage: btrouter result ID [--format table|json]\n"
    "Shows a finished backtest's metrics and trade count (table) or the API's result document\n"
    "verbatim (json: metrics, native statistics, trades, open_trades, ...).";

Result<int> ResultCommand(const Flags& f) {
  Result<std::string> id = RequiredPositional(f, "ID");
  if (!id.ok()) return id.status();
  Result<bool> as_json = WantJson(f);
  if (!as_json.ok()) return as_json.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<ApiResponse> reply = Expect2xx(api->Get(JobPath(*id) + "/result"));
  if (!reply.ok()) return reply.status();
  if (*as_json) {
    PrintBody(reply->body);
    return 0;
  }
  Result<json> result = JsonBody(*reply);
  if (!result.ok()) return result.status();
  Result<json> job = GetJson(*api, JobPath(*id));
  if (!job.ok()) return job.status();
  Result<std::string> table = ResultTable(*job, *result);
  if (!table.ok()) return table.status();
  std::printf("%s", table->c_str());
  return 0;
}

// --- list -------------------------------------------------------------------------------------

constexpr const char* kListUsage =
    "usage: btrouter list [--status S] [--engine E] [--limit N] [--cursor C | --all]\n"
    "Lists backtests, newest first, one page at a time (--all follows every page).";

Result<int> List(const Flags& f) {
  Result<bool> as_json = WantJson(f);
  if (!as_json.ok()) return as_json.status();
  std::string query;
  auto add = [&query](const std::string& name, const std::string& value) {
    query += (query.empty() ? "?" : "&") + name + "=" + UrlEncode(value);
  };
  if (f.Has("status")) add("status", f.Get("status"));
  if (f.Has("engine")) add("engine", f.Get("engine"));
  if (f.Has("limit")) {
    size_t limit = 0;
    BTR_RETURN_IF_ERROR(f.GetSize("limit", &limit));
    add("limit", std::to_string(limit));
  }
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  json items = json::array();
  json cursor = f.Has("cursor") ? json(f.Get("cursor")) : json(nullptr);
  do {
    const std::string page_query =
        cursor.is_string()
            ? query + (query.empty() ? "?" : "&") + "cursor=" + UrlEncode(cursor.get<std::string>())
            : query;
    Result<json> page = GetJson(*api, "/v1/backtests" + page_query);
    if (!page.ok()) return page.status();
    for (json& item : (*page)["items"]) items.push_back(std::move(item));
    cursor = page->value("next_cursor", json(nullptr));
  } while (f.Has("all") && cursor.is_string());
  if (*as_json) {
    std::printf("%s\n", json{{"items", items}, {"next_cursor", cursor}}.dump(2).c_str());
    return 0;
  }
  std::printf("%-23s %-10s %5s  %-13s %-20s %s\n", "id", "status", "done", "engine",
              "created (UTC)", "strategy");
  for (const json& job : items) {
    std::printf("%-23s %-10s %5s  %-13s %-20s %s\n", Text(job, "id").c_str(),
                Text(job, "status").c_str(), PercentText(job).c_str(), EngineText(job).c_str(),
                HumanTime(Text(job, "created_at")).c_str(), StrategyText(job).c_str());
  }
  if (cursor.is_string()) {
    std::fprintf(stderr, "more: btrouter list --cursor %s (or --all)\n",
                 cursor.get<std::string>().c_str());
  }
  return 0;
}

// --- cancel -----------------------------------------------------------------------------------

constexpr const char* kCancelUsage =
    "usage: btrouter cancel ID\n"
    "Cancels a queued or running backtest and waits briefly for it to stop. A finished backtest\n"
    "is an error (exit 2): there is nothing to cancel.";

Result<int> Cancel(const Flags& f) {
  Result<std::string> id = RequiredPositional(f, "ID");
  if (!id.ok()) return id.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  // POST .../cancel never deletes: a finished job answers 409 and keeps its result.
  Result<ApiResponse> reply =
      Expect2xx(api->Post(JobPath(*id) + "/cancel", "{}", "application/json"));
  if (!reply.ok()) return reply.status();
  Result<json> cancelled = JsonBody(*reply);
  if (!cancelled.ok()) return cancelled.status();
  for (int k = 0; k < kCancelPolls && !IsTerminal(*cancelled); ++k) {
    cancelled =
        GetJson(*api, JobPath(*id) + "?wait=" + std::to_string(kPollWait.count()), kPollTimeout);
    if (!cancelled.ok()) return cancelled.status();
  }
  if (!IsTerminal(*cancelled)) {
    std::printf("%s cancel requested (still %s)\n", id->c_str(),
                Text(*cancelled, "status").c_str());
    return 0;
  }
  std::printf("%s\n", FinalLine(*cancelled).c_str());
  return Text(*cancelled, "status") == "cancelled" ? 0 : 1;
}

}  // namespace

int RunUploadCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("FILE", "CSV or LEAN zip file to upload");
  f.AddValue("name", "NAME", "dataset name: letters, digits, '-', '_', '.' (default: FILE's stem)");
  f.AddValue("format", "id|json", "print the id alone or the dataset's JSON", "id");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "upload", kUploadUsage); stop >= 0) return stop;
  return ClientFinish("upload", Upload(f));
}

int RunSubmitCommand(int argc, char** argv) {
  Flags f;
  DeclareSubmitFlags(f);
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "submit", kSubmitUsage); stop >= 0) return stop;
  return ClientFinish("submit", Submit(f));
}

int RunStatusCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ID", "backtest id (as printed by `btrouter submit`)");
  f.AddValue("format", "table|json", "output format (json: the API document)", "table");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "status", kStatusUsage); stop >= 0) return stop;
  return ClientFinish("status", StatusCommand(f));
}

int RunWatchCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ID", "backtest id");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "watch", kWatchUsage); stop >= 0) return stop;
  return ClientFinish("watch", Watch(f));
}

int RunResultCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ID", "backtest id");
  f.AddValue("format", "table|json", "output format (json: the API document verbatim)", "table");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "result", kResultUsage); stop >= 0) return stop;
  return ClientFinish("result", ResultCommand(f));
}

int RunListCommand(int argc, char** argv) {
  Flags f;
  f.AddValue("status", "S", "only queued, running, succeeded, failed or cancelled");
  f.AddValue("engine", "E", "only this requested engine");
  f.AddValue("limit", "N", "page size (server default and maximum apply)");
  f.AddValue("cursor", "C", "start at this page (next_cursor of an earlier list)");
  f.AddSwitch("all", "follow next_cursor through every page");
  f.AddValue("format", "table|json", "output format", "table");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "list", kListUsage); stop >= 0) return stop;
  return ClientFinish("list", List(f));
}

int RunCancelCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ID", "backtest id");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "cancel", kCancelUsage); stop >= 0) return stop;
  return ClientFinish("cancel", Cancel(f));
}

}  // namespace btr::cli
