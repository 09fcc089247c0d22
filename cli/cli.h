// The btrouter command line: `btrouter <command> [flags]`. Commands: backtest, strategies,
// gen-data, serve, keys, version, help. Each returns the process exit code: 0 on success, 2 for bad usage or
// bad input (one message on stderr naming the flag or the file:line:column), 1 for other errors.
#pragma once

namespace btr::cli {

int Main(int argc, char** argv);

int RunBacktestCommand(int argc, char** argv);    // argv[0] is "backtest"
int RunStrategiesCommand(int argc, char** argv);  // argv[0] is "strategies"
int RunGenDataCommand(int argc, char** argv);     // argv[0] is "gen-data"
int RunServeCommand(int argc, char** argv);       // argv[0] is "serve"
int RunKeysCommand(int argc, char** argv);        // argv[0] is "keys"

}  // namespace btr::cli
