// The wire format of the Backtesting.py service (docs/engines/backtestingpy.md, "HTTP
// contract"): building the run request and reading the service's answers. Pure functions; no
// I/O; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "adapters/common/http_client.h"
#include "engines/core/status.h"
#include "engines/data/bars.h"
#include "engines/engine.h"
#include "engines/spec.h"

namespace btr::backtestingpy {

// The body of POST /backtest/run: strategy with typed params (defaults filled in from the
// catalogue), settings, and the bars inline (times in ns, doubles as shortest round-trip
// decimals), and `run_key` when not empty (the service then answers a repeated submit with the
// first job). The spec's window goes as "start" and "end" (inclusive ns, each only when the spec
// names it; an `end` date as its last nanosecond), so the service runs on the bars of
// df.loc[start:end]: the bars sent are usually cut to the window already (BacktestingPyEngine
// sends only those), and then the service's cut keeps them all.
// InvalidArgument naming the field for a strategy or parameter the catalogue rejects, or a bad
// window.
Result<std::string> BuildRunRequest(const BacktestSpec& spec, const BarSeries& bars,
                                    std::string_view run_key = {});

enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };

// A job as GET /backtest/results/{id} answers it.
struct RemoteJob {
  std::string id;
  JobState state = JobState::kQueued;
  double progress = 0;
  std::string error_code;     // when failed: "invalid_argument" or "internal"
  std::string error_message;  // when failed
  std::string library_version;
  std::string service_version;
  nlohmann::json result;  // the "result" object when done
};

// A non-2xx answer as a Status: 4xx → InvalidArgument carrying the service's field and message;
// 5xx → Unavailable; `what` names the call ("POST /backtest/run").
Status ReplyStatus(const HttpResponse& reply, std::string_view what);

// The id of a 202 answer to POST /backtest/run. Internal with an excerpt when malformed.
Result<std::string> ParseAccepted(const HttpResponse& reply);

// A 200 answer to GET /backtest/results/{id}. Internal with an excerpt when malformed.
Result<RemoteJob> ParseJob(const HttpResponse& reply);

// A job as GET /backtest/history lists it.
struct HistoryEntry {
  std::string id;      // "" when the service holds no job with the key
  std::string status;  // "queued", "running", "done", "failed", "cancelled"
};

// A 200 answer to GET /backtest/history?run_key=K: the job submitted with `run_key`, or an
// entry with an empty id when the service holds none. Entries with another key are ignored (a
// service that does not filter answers every job). Internal with an excerpt when malformed.
Result<HistoryEntry> FindJobByRunKey(const HttpResponse& reply, std::string_view run_key);

// The "result" object of a done job as an EngineRun for `bars` (the bars that were sent):
// equity (one point per bar), closed and open trades, warm-up, the library's statistics (raw and
// mapped). Internal naming the bad member when the shape does not match.
Result<EngineRun> ParseRunResult(const nlohmann::json& result, const BarSeries& bars);

}  // namespace btr::backtestingpy
