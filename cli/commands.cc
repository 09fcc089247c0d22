// `btrouter strategies`, `btrouter gen-data` and the command dispatch.
#include <cstdio>
#include <iostream>
#include <string_view>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/report.h"
#include "engines/data/gbm_generator.h"
#include "engines/native/strategies/catalogue.h"
#include "engines/native/strategies/catalogue_json.h"

namespace btr::cli {
namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kMainUsage =
    "btrouter — a multi-engine backtesting router\n\n"
    "usage: btrouter <command> [flags]\n\n"
    "commands:\n"
    "  backtest     run one backtest on the native engine\n"
    "  strategies   list the strategy catalogue with parameters and defaults\n"
    "  gen-data     write synthetic 1-minute GBM bars as CSV\n"
    "  serve        run the REST API (embedded store, worker threads)\n"
    "  keys         create, list or revoke API keys\n"
    "  openapi      print the REST API's OpenAPI 3.1 document\n"
    "  version      print the version\n\n"
    "client commands (against a running `btrouter serve`):\n"
    "  upload       upload a CSV dataset; prints its id\n"
    "  datasets     list the uploaded datasets\n"
    "  submit       submit a backtest; prints its id (--wait: its metrics)\n"
    "  status       a backtest's status and progress\n"
    "  watch        follow a backtest with a live progress bar until it ends\n"
    "  result       a finished backtest's metrics (or --format json)\n"
    "  list         list backtests (filters, pages)\n"
    "  cancel       cancel a queued or running backtest\n"
    "  logs         a backtest's log: routing steps and the engine's own lines\n"
    "  engines      engines with their health; drain, resume, disable or enable one (admin)\n"
    "  compare      one backtest on several engines: why their numbers differ (JSON/CSV/HTML)\n"
    "Client commands take --url URL (or BTR_URL, default http://127.0.0.1:8080) and --key KEY\n"
    "(or BTR_API_KEY).\n\n"
    "`btrouter <command> --help` shows the command's flags.\n";

int Fail(std::string_view command, const Status& s) {
  std::fprintf(stderr, "btrouter %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               s.message().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

nlohmann::json CatalogueJson() {
  nlohmann::json out = nlohmann::json::array();
  for (const StrategyInfo& info : StrategyCatalogue()) out.push_back(StrategyToJson(info));
  return out;
}

}  // namespace

int RunStrategiesCommand(int argc, char** argv) {
  Flags f;
  f.AddValue("format", "table|json", "output format", "table");
  f.AddSwitch("help", "show this help");
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) return Fail("strategies", s);
  if (f.Has("help")) {
    std::printf("usage: btrouter strategies [--format table|json]\n%s", f.Usage().c_str());
    return 0;
  }
  if (f.Get("format") == "json") {
    std::cout << CatalogueJson().dump(2) << "\n";
    return 0;
  }
  if (f.Get("format") != "table") {
    return Fail("strategies", Status::InvalidArgument("--format: expected table or json"));
  }
  for (const StrategyInfo& info : StrategyCatalogue()) {
    std::printf("%s\n    %s\n", info.name.c_str(), info.summary.c_str());
    for (const ParamSpec& p : info.params) {
      const std::string def = p.type == ParamType::kBool ? (p.default_value != 0 ? "true" : "false")
                                                         : ExactNumber(p.default_value);
      std::printf("    --param %s=%s  (%.*s) %s\n", p.name.c_str(), def.c_str(),
                  static_cast<int>(ParamTypeName(p.type).size()), ParamTypeName(p.type).data(),
                  p.help.c_str());
    }
  }
  return 0;
}

int RunGenDataCommand(int argc, char** argv) {
  Flags f;
  f.AddValue("bars", "N", "number of 1-minute bars");
  f.AddValue("out", "FILE", "CSV file to write");
  f.AddValue("seed", "S", "SplitMix64 seed", "20240601");
  f.AddSwitch("help", "show this help");
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) return Fail("gen-data", s);
  if (f.Has("help")) {
    std::printf(
        "usage: btrouter gen-data --bars N --out FILE [--seed S]\n"
        "Synthetic GBM minute bars per the documented recipe (reproducible bit for bit).\n%s",
        f.Usage().c_str());
    return 0;
  }
  if (!f.Has("bars")) return Fail("gen-data", Status::InvalidArgument("--bars: required"));
  if (!f.Has("out")) return Fail("gen-data", Status::InvalidArgument("--out: required"));
  size_t bars = 0, seed = 0;
  if (Status s = f.GetSize("bars", &bars); !s.ok()) return Fail("gen-data", s);
  if (Status s = f.GetSize("seed", &seed); !s.ok()) return Fail("gen-data", s);
  if (bars == 0 || bars > 100'000'000) {
    return Fail("gen-data", Status::InvalidArgument("--bars: expected 1 to 100000000"));
  }
  GbmParams params;
  params.seed = seed;
  if (Status s = WriteBarsCsv(GenerateGbmBars(bars, params), f.Get("out")); !s.ok()) {
    return Fail("gen-data", s);
  }
  return 0;
}

int RunOpenApiCommand(int argc, char** argv);  // cli/openapi_command.cc

int Main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "help";
  if (command == "backtest") return RunBacktestCommand(argc - 1, argv + 1);
  if (command == "strategies") return RunStrategiesCommand(argc - 1, argv + 1);
  if (command == "gen-data") return RunGenDataCommand(argc - 1, argv + 1);
  if (command == "serve") return RunServeCommand(argc - 1, argv + 1);
  if (command == "keys") return RunKeysCommand(argc - 1, argv + 1);
  if (command == "upload") return RunUploadCommand(argc - 1, argv + 1);
  if (command == "datasets") return RunDatasetsCommand(argc - 1, argv + 1);
  if (command == "submit") return RunSubmitCommand(argc - 1, argv + 1);
  if (command == "status") return RunStatusCommand(argc - 1, argv + 1);
  if (command == "watch") return RunWatchCommand(argc - 1, argv + 1);
  if (command == "result") return RunResultCommand(argc - 1, argv + 1);
  if (command == "list") return RunListCommand(argc - 1, argv + 1);
  if (command == "cancel") return RunCancelCommand(argc - 1, argv + 1);
  if (command == "logs") return RunLogsCommand(argc - 1, argv + 1);
  if (command == "engines") return RunEnginesCommand(argc - 1, argv + 1);
  if (command == "compare") return RunCompareCommand(argc - 1, argv + 1);
  if (command == "openapi") return RunOpenApiCommand(argc - 1, argv + 1);
  if (command == "version" || command == "--version") {
    std::printf("btrouter %s\n", kVersion);
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::printf("%s", kMainUsage);
    return argc > 1 ? 0 : 2;
  }
  std::fprintf(stderr, "btrouter: unknown command '%.*s'\n\n%s", static_cast<int>(command.size()),
               command.data(), kMainUsage);
  return 2;
}

}  // namespace btr::cli
