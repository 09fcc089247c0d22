// `btrouter strategies`, `btrouter gen-data` and the command dispatch.
#include <cstdio>
#include <iostream>
#include <string_view>

#include "cli/cli.h"
#include "engines/core/version.h"
#include "cli/flags.h"
#include "cli/report.h"
#include "engines/data/gbm_generator.h"
#include "engines/catalogue/catalogue.h"
#include "engines/catalogue/catalogue_json.h"

namespace btr::cli {

int RunOpenApiCommand(int argc, char** argv);  // cli/openapi_command.cc

namespace {


constexpr const char* kMainUsage =
    "btrouter — a multi-engine backtesting router\n\n"
    "usage: btrouter <command> [flags]\n\n"
    "commands:\n"
    "  backtest     run one backtest on the native engine\n"
    "  optimize     sweep a strategy's parameters on the native engine, with overfitting statistics\n"
    "  strategies   list the strategy catalogue with parameters and defaults\n"
    "  gen-data     write synthetic 1-minute GBM bars as CSV\n"
    "  serve        run the REST API (and worker threads): embedded, or one API process of many\n"
    "  worker       run backtests from the Redis queue for the API processes (distributed mode)\n"
    "  keys         create, list or revoke API keys\n"
    "  qc-credentials  the QuantConnect user id and API token of a key (/api/v2)\n"
    "  openapi      print the REST API's OpenAPI 3.1 document\n"
    "  version      print the version\n"
    "  help         this overview; `btrouter help COMMAND` shows the command's flags\n\n"
    "client commands (against a running `btrouter serve`):\n"
    "  upload       upload a CSV dataset; prints its id\n"
    "  datasets     list the uploaded datasets; datasets delete ID\n"
    "  submit       submit a backtest; prints its id (--wait: its metrics)\n"
    "  status       a backtest's status and progress\n"
    "  watch        follow a backtest with a live progress bar until it ends\n"
    "  result       a finished backtest's metrics (or --format json)\n"
    "  list         list backtests (filters, pages)\n"
    "  cancel       cancel a queued or running backtest\n"
    "  logs         a backtest's log: routing steps and the engine's own lines\n"
    "  monte-carlo  a finished backtest's robustness: permuted or resampled trades or days\n"
    "  engines      engines with their health; drain, resume, disable or enable one (admin)\n"
    "  compare      one backtest on several engines: why their numbers differ (JSON/CSV/HTML)\n"
    "Client commands take --url URL (or BTR_URL, default http://127.0.0.1:8080) and --key KEY\n"
    "(or BTR_API_KEY).\n\n"
    "`btrouter <command> --help` (or -h) shows the command's flags.\n";

int Fail(std::string_view command, const Status& s) {
  std::fprintf(stderr, "btrouter %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               s.message().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// "[1, 100000]" for numbers, "true|false" for switches.
std::string RangeText(const ParamSpec& p) {
  if (p.type == ParamType::kBool) return "true|false";
  return "[" + ParamText(p, p.min) + ", " + ParamText(p, p.max) + "]";
}

// Each strategy with its summary, then one line per parameter: the --param to type with its
// default, the type, the allowed range (inclusive) and what it does.
std::string StrategiesTable() {
  std::string out;
  for (const StrategyInfo& info : StrategyCatalogue()) {
    out += info.name + "\n    " + info.summary + "\n";
    if (info.params.empty()) out += "    (no parameters)\n";
    for (const ParamSpec& p : info.params) {
      char line[512];
      std::snprintf(line, sizeof line, "    --param %-20s %-6s %-14s %s\n",
                    (p.name + "=" + ParamText(p, p.default_value)).c_str(),
                    std::string(ParamTypeName(p.type)).c_str(), RangeText(p).c_str(),
                    p.help.c_str());
      out += line;
    }
  }
  return out;
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
  std::printf("%s", StrategiesTable().c_str());
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

namespace {

struct Command {
  std::string_view name;
  int (*run)(int argc, char** argv);  // argv[0] is the command name
};

constexpr Command kCommands[] = {
    {"backtest", RunBacktestCommand}, {"strategies", RunStrategiesCommand},
    {"gen-data", RunGenDataCommand},  {"serve", RunServeCommand},
    {"keys", RunKeysCommand},         {"upload", RunUploadCommand},
    {"worker", RunWorkerCommand},
    {"datasets", RunDatasetsCommand}, {"submit", RunSubmitCommand},
    {"status", RunStatusCommand},     {"watch", RunWatchCommand},
    {"result", RunResultCommand},     {"list", RunListCommand},
    {"cancel", RunCancelCommand},     {"logs", RunLogsCommand},
    {"engines", RunEnginesCommand},   {"compare", RunCompareCommand},
    {"openapi", RunOpenApiCommand},   {"optimize", RunOptimizeCommand},
    {"monte-carlo", RunMonteCarloCommand}, {"qc-credentials", RunQcCredentialsCommand},
};

const Command* FindCommand(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int UnknownCommand(std::string_view name) {
  std::fprintf(stderr, "btrouter: unknown command '%.*s'\n\n%s", static_cast<int>(name.size()),
               name.data(), kMainUsage);
  return 2;
}

// `btrouter help [COMMAND]`: the overview, or the command's own --help.
int Help(int argc, char** argv) {
  if (argc < 3) {
    std::printf("%s", kMainUsage);
    return 0;
  }
  const Command* command = FindCommand(argv[2]);
  if (command == nullptr) return UnknownCommand(argv[2]);
  std::string name(command->name), help = "--help";
  char* help_argv[] = {name.data(), help.data(), nullptr};
  return command->run(2, help_argv);
}

}  // namespace

int Main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "";
  if (const Command* c = FindCommand(command); c != nullptr) return c->run(argc - 1, argv + 1);
  if (command == "version" || command == "--version") {
    std::printf("btrouter %s\n", kBtrouterVersion);
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") return Help(argc, argv);
  if (command.empty()) {
    std::fprintf(stderr, "%s", kMainUsage);
    return 2;
  }
  return UnknownCommand(command);
}

}  // namespace btr::cli
