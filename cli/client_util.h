// Helpers shared by the client commands of a running `btrouter serve` (cli/client_commands.cc,
// cli/engines_command.cc): server flags, the connection, reply checks and exit codes.
//
// Exit codes: 0 success; 2 for bad usage and for requests the server refused (HTTP 4xx); 1 for
// server failures (5xx), an unreachable server and other failures on the way.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cli/api_client.h"
#include "cli/flags.h"
#include "engines/core/status.h"

namespace btr::cli {

// 1 for failures on the server's side or on the way there, 2 for refused requests.
int ClientExitCode(const Status& s);
// Prints "btrouter <command>: <message>" on stderr; returns ClientExitCode.
int ClientFail(std::string_view command, const Status& s);
// The outcome of a command body: an exit code, or an error for ClientFail().
int ClientFinish(std::string_view command, const Result<int>& outcome);

// --url, --key and --help.
void DeclareServerFlags(Flags& f);
// Parses the flags; prints the help when asked. Returns an exit code to stop with, or -1 to go on.
int ParseOrStop(Flags& f, int argc, char** argv, std::string_view command, const char* usage);
// The server client from --url/--key or BTR_URL/BTR_API_KEY; InvalidArgument without a key.
Result<ApiClient> Connect(const Flags& f);
// --format table|json: true for json.
Result<bool> WantJson(const Flags& f);

// A reply that must be 2xx: the transport error or the server's problem otherwise.
Result<ApiResponse> Expect2xx(Result<ApiResponse> reply);
// The reply's JSON body; Internal when it is not JSON.
Result<nlohmann::json> JsonBody(const ApiResponse& reply);
// An API time ("2026-12-06T03:00:45.749876283Z") for people: "2026-12-06 03:00:45" (UTC, whole
// seconds); empty for an empty text, the text itself when it is not a time.
std::string HumanTime(const std::string& iso);

// The Content-Type of an upload of `path`: application/zip for a *.zip, else text/csv (the server
// recognizes either by its content anyway).
std::string UploadContentType(const std::string& path);

// Writes `body` to stdout with a final newline.
void PrintBody(const std::string& body);

// The "error" of a job or comparison run ({"code", "message"}) as one line, saying each thing
// once: "unavailable: the service answered 503", but the message alone when the code is the
// job's status ("cancelled") or the message starts with it. Empty when there is no error.
std::string ErrorSummary(const nlohmann::json& job);

// The backtest settings flags shared by `submit` and `compare`: --cash, --commission,
// --commission-fixed, --spread, --margin, the fill switches, and the window --start, --end.
void DeclareSettingFlags(Flags& f);
// {"strategy": {"name", "params"}, "dataset", <given settings>} from --strategy, --param and the
// settings flags (only the settings given are sent; the server applies its defaults). --start
// and --end go as normalized "start"/"end"; a bad one, or start after end, is InvalidArgument
// naming the flag.
Result<nlohmann::json> SpecBodyFromFlags(const Flags& f, const std::string& dataset);

// A command-line value as JSON: "true"/"false" as booleans, integers and decimals as numbers.
// InvalidArgument "<what>: expected a number or true/false, got '<text>'" otherwise.
Result<nlohmann::json> TypedValue(const std::string& what, std::string_view text);

}  // namespace btr::cli
