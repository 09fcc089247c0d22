// `btrouter datasets`: the datasets of this key's tenant on a running server (GET /v1/datasets),
// and `btrouter datasets delete ID` (DELETE /v1/datasets/{id}: the record and its stored file;
// refused while a queued or running backtest uses it). Exit codes as the other client commands.
#include <cstdio>
#include <string>

#include "cli/cli.h"
#include "cli/client_util.h"
#include "engines/metrics/metric_format.h"

namespace btr::cli {
namespace {

using nlohmann::json;

constexpr const char* kDatasetsUsage =
    "usage: btrouter datasets [--format table|json]\n"
    "       btrouter datasets delete ID\n"
    "Lists the datasets uploaded with this key's tenant. `delete` removes one and its stored\n"
    "file; the server refuses while a queued or running backtest uses it, naming the backtest.";

std::string Str(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<int> List(const Flags& f) {
  Result<bool> as_json = WantJson(f);
  if (!as_json.ok()) return as_json.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<ApiResponse> reply = Expect2xx(api->Get("/v1/datasets"));
  if (!reply.ok()) return reply.status();
  if (*as_json) {
    PrintBody(reply->body);
    return 0;
  }
  Result<json> doc = JsonBody(*reply);
  if (!doc.ok()) return doc.status();
  std::printf("%-23s %-20s %10s  %-20s %-20s %s\n", "id", "name", "bars", "first bar (UTC)",
              "last bar (UTC)", "sha256");
  for (const json& d : doc->value("items", json::array())) {
    const json bars = d.value("bars", json(0));
    std::printf("%-23s %-20s %10s  %-20s %-20s %.12s\n", Str(d, "id").c_str(),
                Str(d, "name").c_str(),
                FormatGrouped(bars.is_number() ? bars.get<double>() : 0, 0).c_str(),
                HumanTime(Str(d, "start")).c_str(), HumanTime(Str(d, "end")).c_str(),
                Str(d, "sha256").c_str());
  }
  return 0;
}

Result<int> Delete(const Flags& f) {
  const std::vector<std::string>& args = f.positionals();
  if (args.size() < 2 || args[1].empty()) {
    return Status::InvalidArgument("ID: required (a dataset id, see `btrouter datasets`)");
  }
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  Result<ApiResponse> reply = Expect2xx(api->Delete("/v1/datasets/" + UrlEncode(args[1])));
  if (!reply.ok()) return reply.status();
  std::printf("%s deleted\n", args[1].c_str());
  return 0;
}

Result<int> Datasets(const Flags& f) {
  const std::vector<std::string>& args = f.positionals();
  if (args.empty()) return List(f);
  if (args[0] == "delete") return Delete(f);
  return Status::InvalidArgument("ACTION: expected delete (or nothing, to list), got '" + args[0] +
                                 "'");
}

}  // namespace

int RunDatasetsCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ACTION", "delete (none: list the datasets)");
  f.AddPositional("ID", "the dataset to delete");
  f.AddValue("format", "table|json", "output format", "table");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "datasets", kDatasetsUsage); stop >= 0) return stop;
  return ClientFinish("datasets", Datasets(f));
}

}  // namespace btr::cli
