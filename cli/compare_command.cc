// `btrouter compare`: one backtest on several engines of a running server, side by side
// (POST /v1/comparisons, docs/comparisons.md). Uploads --data when it names a file, follows the
// runs with a live progress line per engine on stderr, prints the comparison's id, a summary
// and the explanations on stdout, and writes the report as JSON, CSV and HTML when asked.
//
// Exit codes: 0 when the comparison succeeded (at least two runs compared); 1 when it failed
// (fewer than two runs succeeded), for server failures and an unreachable server; 2 for bad usage
// and requests the server refused.
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/api_client.h"
#include "cli/cli.h"
#include "cli/client_util.h"
#include "cli/compare_progress.h"
#include "cli/flags.h"
#include "cli/report.h"
#include "engines/native/strategy/params.h"

namespace btr::cli {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kPollWait{2};
constexpr std::chrono::seconds kPollTimeout = kPollWait + std::chrono::seconds(30);
constexpr std::chrono::seconds kUploadTimeout{600};

constexpr const char* kUsage =
    "usage: btrouter compare --engines E1,E2[,...] --strategy NAME --data FILE|ID [flags]\n"
    "Runs one backtest on several engines of a running server and reports, metric by metric and\n"
    "trade by trade, how and why they differ. --data uploads a CSV file first (or names a\n"
    "dataset id). --variant ENGINE:key=value[,key=value] adds a run of ENGINE with other\n"
    "settings (e.g. native:trade_on_close=true) or strategy parameters (native:fast=5).\n"
    "Progress goes to stderr, one line per run; the id, a summary and the explanations to stdout.";

// Spec fields a variant may set; any other key is a strategy parameter.
const std::set<std::string>& SpecFields() {
  static const std::set<std::string> fields = {
      "cash",           "commission",       "commission_fixed", "spread",         "margin",
      "trade_on_close", "exclusive_orders", "hedging",          "finalize_trades"};
  return fields;
}

// "native:trade_on_close=true,fast=5" -> {"engine": "native", "overrides": {...}}.
Result<json> Variant(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("--variant: expected ENGINE:key=value[,key=value], got '" +
                                   text + "'");
  }
  json overrides = json::object();
  std::stringstream rest(text.substr(colon + 1));
  std::string item;
  while (std::getline(rest, item, ',')) {
    std::string_view name, value;
    BTR_RETURN_IF_ERROR(SplitAssignment(item, &name, &value).WithPrefix("--variant"));
    std::string key(name);
    for (char& c : key) c = c == '-' ? '_' : c;
    Result<json> typed = TypedValue("--variant " + key, value);
    if (!typed.ok()) return typed.status();
    if (SpecFields().count(key) != 0) {
      overrides[key] = *typed;
    } else {
      overrides["strategy"]["params"][key] = *typed;
    }
  }
  return json{{"engine", text.substr(0, colon)}, {"overrides", overrides}};
}

// The dataset id: --dataset, or --data as an id, or --data as a file uploaded now.
Result<std::string> DatasetId(const Flags& f, const ApiClient& api) {
  if (f.Has("dataset")) return f.Get("dataset");
  if (!f.Has("data")) return Status::InvalidArgument("--data: required (a CSV file or dataset id)");
  const std::string data = f.Get("data");
  if (!std::filesystem::is_regular_file(data)) {
    if (data.find('/') != std::string::npos || data.ends_with(".csv")) {
      return Status::InvalidArgument("--data: no such file: " + data);
    }
    return data;  // a dataset id
  }
  std::ifstream in(data, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Status::InvalidArgument("--data: cannot read " + data);
  std::string name = std::filesystem::path(data).stem().string();
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  }
  Result<ApiResponse> reply = Expect2xx(api.Post("/v1/datasets?name=" + UrlEncode(name),
                                                 bytes.str(), "text/csv", {}, kUploadTimeout));
  if (!reply.ok()) return reply.status();
  Result<json> doc = JsonBody(*reply);
  if (!doc.ok()) return doc.status();
  const std::string id = doc->value("id", "");
  std::fprintf(stderr, "uploaded %s as dataset %s (%s bars)\n", data.c_str(), id.c_str(),
               doc->value("bars", json(0)).dump().c_str());
  return id;
}

Result<json> RequestBody(const Flags& f, const std::string& dataset) {
  if (!f.Has("engines"))
    return Status::InvalidArgument("--engines: required, e.g. native,backtestingpy");
  if (!f.Has("strategy"))
    return Status::InvalidArgument("--strategy: required (see `btrouter strategies`)");
  json engines = json::array();
  std::stringstream list(f.Get("engines"));
  std::string name;
  while (std::getline(list, name, ',')) {
    if (!name.empty()) engines.push_back(name);
  }
  for (const std::string& v : f.GetAll("variant")) {
    Result<json> variant = Variant(v);
    if (!variant.ok()) return variant.status();
    engines.push_back(*variant);
  }
  Result<json> body = SpecBodyFromFlags(f, dataset);
  if (!body.ok()) return body.status();
  (*body)["engines"] = engines;
  return body;
}

Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status::InvalidArgument(path + ": cannot write");
  std::fprintf(stderr, "wrote %s\n", path.c_str());
  return Status::Ok();
}

// report.csv -> report-trades.csv
std::string TradesPath(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "-trades" + p.extension().string())).string();
}

std::string Cell(const json& v) {
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return v.is_string() ? v.get<std::string>() : "-";
}

void PrintSummary(const json& view) {
  const json report = view.value("report", json::object());
  std::printf("comparison %s: %s, baseline %s\n", view.value("id", "").c_str(),
              view.value("status", "").c_str(), Cell(report.value("baseline", json())).c_str());
  static const std::vector<std::string> kKeys = {"num_trades", "total_return", "sharpe_ratio",
                                                 "max_drawdown"};
  std::map<std::string, std::map<std::string, json>> values;  // run -> key -> canonical
  for (const json& row : report.value("metrics", json::array())) {
    const std::string key = row.value("key", "");
    for (const json& v : row.value("values", json::array())) {
      values[v.value("run", "")][key] = v.value("canonical", json());
    }
  }
  size_t width = 8;
  for (const json& run : view.value("runs", json::array())) {
    width = std::max(width, run.value("label", "").size());
  }
  std::printf("  %-*s %-10s %-24s", static_cast<int>(width), "run", "status", "backtest");
  for (const std::string& k : kKeys) std::printf(" %13s", k.c_str());
  std::printf("\n");
  for (const json& run : view.value("runs", json::array())) {
    const std::string label = run.value("label", "");
    std::printf("  %-*s %-10s %-24s", static_cast<int>(width), label.c_str(),
                run.value("status", "").c_str(), Cell(run.value("backtest_id", json())).c_str());
    for (const std::string& k : kKeys) std::printf(" %13s", Cell(values[label][k]).c_str());
    std::printf("\n");
  }
  std::printf("why they differ:\n");
  for (const json& e : report.value("explanations", json::array())) {
    const std::string scope = e.contains("pair") ? e.value("pair", "") : e.value("run", "");
    std::printf("  [%s] %s\n", scope.c_str(), e.value("text", "").c_str());
  }
}

Result<int> Compare(const Flags& f) {
  if (!f.Has("engines"))
    return Status::InvalidArgument("--engines: required, e.g. native,backtestingpy");
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<std::string> dataset = DatasetId(f, *api);
  if (!dataset.ok()) return dataset.status();
  Result<json> body = RequestBody(f, *dataset);
  if (!body.ok()) return body.status();
  Result<ApiResponse> created =
      Expect2xx(api->Post("/v1/comparisons", body->dump(), "application/json"));
  if (!created.ok()) return created.status();
  Result<json> view = JsonBody(*created);
  if (!view.ok()) return view.status();
  const std::string id = view->value("id", "");
  std::printf("%s\n", id.c_str());
  std::fflush(stdout);
  RunProgressLines lines(stderr, isatty(STDERR_FILENO) == 1);
  lines.Show((*view)["runs"]);
  const std::string path = "/v1/comparisons/" + UrlEncode(id);
  while (view->value("status", "") == "running") {
    Result<ApiResponse> next =
        Expect2xx(api->Get(path + "?wait=" + std::to_string(kPollWait.count()), kPollTimeout));
    if (!next.ok()) return next.status();
    view = JsonBody(*next);
    if (!view.ok()) return view.status();
    lines.Show((*view)["runs"]);
  }
  PrintSummary(*view);
  if (f.Has("json"))
    BTR_RETURN_IF_ERROR(WriteFile(f.Get("json"), (*view)["report"].dump(2) + "\n"));
  auto fetch = [&](const std::string& suffix, const std::string& file) -> Status {
    Result<ApiResponse> reply = Expect2xx(api->Get(path + suffix));
    if (!reply.ok()) return reply.status();
    return WriteFile(file, reply->body);
  };
  if (f.Has("csv")) {
    BTR_RETURN_IF_ERROR(fetch("/report.csv?table=metrics", f.Get("csv")));
    BTR_RETURN_IF_ERROR(fetch("/report.csv?table=trades", TradesPath(f.Get("csv"))));
  }
  if (f.Has("html")) BTR_RETURN_IF_ERROR(fetch("/report.html", f.Get("html")));
  return view->value("status", "") == "succeeded" ? 0 : 1;
}

}  // namespace

int RunCompareCommand(int argc, char** argv) {
  Flags f;
  f.AddValue("engines", "E1,E2", "engines to run on, comma-separated (native, backtestingpy, ...)");
  f.AddRepeated("variant", "ENGINE:k=v[,k=v]", "one more run with other settings or parameters");
  f.AddValue("strategy", "NAME", "catalogue strategy (see `btrouter strategies`)");
  f.AddRepeated("param", "k=v", "strategy parameter (numbers, true or false)");
  f.AddValue("data", "FILE|ID", "a CSV file to upload, or a dataset id");
  f.AddValue("dataset", "ID", "dataset id (instead of --data)");
  DeclareSettingFlags(f);
  f.AddValue("json", "FILE", "write the report (JSON, the source of truth)");
  f.AddValue("csv", "FILE", "write the metrics as CSV, and the paired trades to FILE-trades.csv");
  f.AddValue("html", "FILE", "write the self-contained HTML report");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "compare", kUsage); stop >= 0) return stop;
  return ClientFinish("compare", Compare(f));
}

}  // namespace btr::cli
