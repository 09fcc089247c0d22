// `btrouter engines`: the engines of a running server with their health (GET /v1/engines), and
// the admin actions drain, resume, disable and enable (POST /v1/engines/{name}/<action>; an
// admin key). docs/routing.md explains the states.
#include <cstdio>
#include <string>

#include "cli/cli.h"
#include "cli/client_util.h"
#include "engines/core/time.h"

namespace btr::cli {
namespace {

using nlohmann::json;

constexpr const char* kEnginesUsage =
    "usage: btrouter engines [--format table|json]\n"
    "       btrouter engines drain|resume|disable|enable NAME\n"
    "Lists the engines with their health: state (healthy, degraded, ejected, draining, disabled),\n"
    "circuit, last probe, success rate and p50/p99 run latency over the window, queue and\n"
    "running jobs. With an action, changes one engine (an admin key): drain lets running jobs\n"
    "finish and takes no new ones, resume undoes it; disable also stops probes, enable undoes it.";

std::string Str(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Or(const std::string& text) { return text.empty() ? "-" : text; }

// The number with `decimals` decimals (times `scale`, then `suffix`); "-" for null or missing.
std::string Num(const json& doc, const char* key, int decimals = 1, double scale = 1,
                const char* suffix = "") {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f%s", decimals, it->get<double>() * scale, suffix);
  return text;
}

// A latency given in milliseconds, for people ("41 µs", "12.3 ms"); "-" for null or missing.
std::string Latency(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return "-";
  return FormatElapsed(it->get<double>() / 1e3);
}

std::string ProbeText(const json& engine) {
  auto it = engine.find("last_probe");
  if (it == engine.end() || !it->is_object()) return "-";
  return std::string(it->value("ok", false) ? "ok " : "failed ") + Latency(*it, "latency_ms");
}

// The table of GET /v1/engines, with each engine's reason (and, for an engine the server has
// not enabled, how to enable it) on a line of its own.
std::string EnginesTable(const json& list) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-14s %-9s %-9s %-16s %7s %9s %9s %5s %7s %9s\n", "name",
                "state", "circuit", "last probe", "success", "p50", "p99", "queue", "running",
                "ejections");
  out += line;
  for (const json& e : list) {
    std::snprintf(line, sizeof line, "%-14s %-9s %-9s %-16s %7s %9s %9s %5s %7s %9s\n",
                  Str(e, "name").c_str(), Str(e, "state").c_str(), Or(Str(e, "circuit")).c_str(),
                  ProbeText(e).c_str(), Num(e, "success_rate", 0, 100, "%").c_str(),
                  Latency(e, "p50_ms").c_str(), Latency(e, "p99_ms").c_str(),
                  Num(e, "queue_depth", 0).c_str(), Num(e, "running", 0).c_str(),
                  Num(e, "ejections", 0).c_str());
    out += line;
    if (!Str(e, "reason").empty()) out += "    " + Str(e, "reason") + "\n";
    const std::string hint = Str(e, "hint");
    if (!hint.empty() && Str(e, "reason").find(hint) == std::string::npos) {
      out += "    " + hint + "\n";
    }
  }
  return out;
}

Result<int> Engines(const Flags& f) {
  Result<bool> as_json = WantJson(f);
  if (!as_json.ok()) return as_json.status();
  const std::vector<std::string>& args = f.positionals();
  if (!args.empty()) {
    const std::string& action = args[0];
    if (action != "drain" && action != "resume" && action != "disable" && action != "enable") {
      return Status::InvalidArgument("ACTION: expected drain, resume, disable or enable, got '" +
                                     action + "'");
    }
    if (args.size() < 2) return Status::InvalidArgument("NAME: required (an engine name)");
    Result<ApiClient> api = Connect(f);
    if (!api.ok()) return api.status();
    Result<ApiResponse> reply = Expect2xx(
        api->Post("/v1/engines/" + UrlEncode(args[1]) + "/" + action, "", "application/json"));
    if (!reply.ok()) return reply.status();
    if (*as_json) {
      PrintBody(reply->body);
      return 0;
    }
    Result<json> engine = JsonBody(*reply);
    if (!engine.ok()) return engine.status();
    const std::string reason = Str(*engine, "reason");
    std::printf("%s: %s%s\n", Str(*engine, "name").c_str(), Str(*engine, "state").c_str(),
                reason.empty() ? "" : (" (" + reason + ")").c_str());
    return 0;
  }
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<ApiResponse> reply = Expect2xx(api->Get("/v1/engines"));
  if (!reply.ok()) return reply.status();
  if (*as_json) {
    PrintBody(reply->body);
    return 0;
  }
  Result<json> list = JsonBody(*reply);
  if (!list.ok()) return list.status();
  if (!list->is_array()) return Status::Internal("unexpected reply: not a list of engines");
  std::printf("%s", EnginesTable(*list).c_str());
  return 0;
}

}  // namespace

int RunEnginesCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ACTION", "drain, resume, disable or enable (none: list the engines)");
  f.AddPositional("NAME", "the engine an action applies to");
  f.AddValue("format", "table|json", "output format (json: the API document)", "table");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "engines", kEnginesUsage); stop >= 0) return stop;
  return ClientFinish("engines", Engines(f));
}

}  // namespace btr::cli
