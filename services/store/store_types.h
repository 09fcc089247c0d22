// The records btrouter keeps: jobs with their results and logs, datasets, comparisons and API
// keys. Plain values; thread-compatible. The interfaces that keep them are job_store.h,
// dataset_store.h, comparison_store.h and key_store.h; store.h joins them for a backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/time.h"

namespace btr {

enum class JobStatus { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
std::string_view JobStatusName(JobStatus s);  // "queued", "running", ...
std::optional<JobStatus> ParseJobStatus(std::string_view name);
inline bool IsTerminal(JobStatus s) {
  return s == JobStatus::kSucceeded || s == JobStatus::kFailed || s == JobStatus::kCancelled;
}

struct JobRecord {
  std::string id;
  std::string tenant;
  JobStatus status = JobStatus::kQueued;
  double progress = 0;  // 0..1
  std::string phase;    // "queued", "running", "metrics", ...
  std::string spec_json;
  std::string spec_hash;        // sha256 of the canonical spec (idempotency)
  std::string idempotency_key;  // empty when none was given
  std::string engine_requested;
  std::string engine_used;  // empty until an engine accepted the job
  std::string fallbacks_json = "[]";
  std::string error_code;  // StatusCodeName, for failed jobs
  std::string error_message;
  int attempt = 0;  // runs started: incremented by every StartJob (the run key's number)
  bool cancel_requested = false;
  // The claim (JobStore::ClaimJob): `epoch` grows with every claim and fences every write of
  // the claim's holder; `lease_owner` holds the job until `lease_expires_at` (0 = unclaimed).
  int64_t epoch = 0;
  std::string lease_owner;
  TimeNs lease_expires_at = 0;
  int priority = 1;  // 0 high, 1 normal, 2 low (services/queue/job_queue.h JobPriority)
  TimeNs created_at = 0, updated_at = 0, started_at = 0, finished_at = 0;  // 0 = not yet
};

struct JobQuery {
  std::string tenant;
  std::optional<JobStatus> status;  // filter
  std::string engine;               // filter on engine_requested; empty = any
  std::string cursor;               // opaque, from the previous page; empty = newest first
  size_t limit = 50;
};

struct JobPage {
  std::vector<JobRecord> jobs;  // newest first
  std::string next_cursor;      // empty when there is no further page
};

// What FinishJob stores with a terminal status (empty for failed and cancelled jobs).
struct JobResult {
  std::string result_json;  // {"metrics", "native", "trades", "open_trades", ...}
  std::string equity;       // equity curve: raw little-endian doubles, one per bar
};

// One line of a job's log.
struct JobLogEntry {
  int64_t seq = 0;  // set by the store: increasing, unique across jobs
  TimeNs time = 0;
  std::string level;   // "info", "warn", "error"
  std::string source;  // "btrouter", or the engine that wrote the line
  std::string message;
};

struct DatasetRecord {
  std::string id;
  std::string tenant;
  std::string name;
  std::string sha256;
  std::string path;  // where the CSV lives in the data directory (embedded store)
  uint64_t bars = 0;
  uint64_t bytes = 0;
  TimeNs first_time = 0, last_time = 0;
  TimeNs created_at = 0;
};

// A comparison of one spec on several engines (docs/comparisons.md). Its runs are ordinary
// jobs; the record holds the request, which job each run became, and the finished report.
struct ComparisonRecord {
  std::string id;
  std::string tenant;
  std::string status = "running";  // "running", "succeeded", "failed"
  std::string request_json;        // the POST /v1/comparisons body as given
  std::string runs_json;           // [{"label", "engine", "overrides", "backtest_id", ...}]
  std::string report_json;         // empty until the comparison finished
  TimeNs created_at = 0, updated_at = 0, finished_at = 0;  // 0 = not yet
};

struct ComparisonPage {
  std::vector<ComparisonRecord> comparisons;  // newest first, report_json left empty
  std::string next_cursor;                    // empty when there is no further page
};

// A QuantConnect-style project (services/store/project_store.h).
struct ProjectRecord {
  int64_t id = 0;
  std::string tenant;
  std::string name;
  std::string language = "Py";  // QuantConnect's code: "Py" or "C#"
  std::string description;
  std::string files_json = "{}";       // {"main.py": {"content": "...", "modified": <ns>}}
  std::string parameters_json = "{}";  // {"fast": "10", ...}: LEAN's string parameters
  // Names and notes its backtests and optimizations were given after creation
  // (backtests/update, optimizations/update): {"<job id>": {"name": "...", "note": "..."}}.
  std::string runs_json = "{}";
  TimeNs created_at = 0, modified_at = 0;
};

enum class Role { kUser, kAdmin };
std::string_view RoleName(Role r);  // "user", "admin"

struct ApiKeyRecord {
  std::string id;  // public key id (looked up), not secret
  std::string tenant;
  Role role = Role::kUser;
  std::string secret_hash;  // hex sha256 of the secret part; the secret is never stored
  TimeNs created_at = 0;
  TimeNs revoked_at = 0;  // 0 = active
};

}  // namespace btr
