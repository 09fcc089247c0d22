// The btrouter command line: `btrouter <command> [flags]`. Commands: backtest, optimize,
// strategies, gen-data, serve, keys, version, help, and the clients of a running server (upload,
// datasets, submit, status, watch, result, list, cancel, engines, compare, logs, monte-carlo; URL
// and key from --url/--key or BTR_URL/BTR_API_KEY). Each returns the process exit code: 0 on
// success, 2 for bad usage or bad input (one message on stderr naming the flag or the
// file:line:column) and for requests the server refused (HTTP 4xx), 1 for other errors (HTTP
// 5xx, server unreachable, a watched backtest that failed or was cancelled).
#pragma once

namespace btr::cli {

int Main(int argc, char** argv);

int RunBacktestCommand(int argc, char** argv);    // argv[0] is "backtest"
int RunOptimizeCommand(int argc, char** argv);    // argv[0] is "optimize"
int RunStrategiesCommand(int argc, char** argv);  // argv[0] is "strategies"
int RunGenDataCommand(int argc, char** argv);     // argv[0] is "gen-data"
int RunServeCommand(int argc, char** argv);       // argv[0] is "serve"
int RunKeysCommand(int argc, char** argv);        // argv[0] is "keys"
int RunQcCredentialsCommand(int argc, char** argv);  // argv[0] is "qc-credentials"
int RunWorkerCommand(int argc, char** argv);      // argv[0] is "worker"

// Clients of `btrouter serve` (cli/client_commands.cc); argv[0] is the command name.
int RunUploadCommand(int argc, char** argv);
int RunDatasetsCommand(int argc, char** argv);
int RunSubmitCommand(int argc, char** argv);
int RunStatusCommand(int argc, char** argv);
int RunWatchCommand(int argc, char** argv);
int RunResultCommand(int argc, char** argv);
int RunListCommand(int argc, char** argv);
int RunCancelCommand(int argc, char** argv);
int RunEnginesCommand(int argc, char** argv);     // cli/engines_command.cc
int RunCompareCommand(int argc, char** argv);     // cli/compare_command.cc
int RunLogsCommand(int argc, char** argv);        // cli/logs_command.cc
int RunMonteCarloCommand(int argc, char** argv);  // cli/monte_carlo_command.cc

}  // namespace btr::cli
