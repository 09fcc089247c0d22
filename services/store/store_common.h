// What the two Store backends (sqlite_store.h, postgres_store.h) share so that they answer
// alike: the checks of ids, the messages that may reach the API, and the page cursors. Not a
// public header. Pure functions; thread-safe.
//
// Messages that may reach the API name the resource ("backtest 'bt_x' not found"), never the
// store method: the API reads a leading "word:" as the request field at fault.
#pragma once

#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "services/store/store_types.h"

namespace btr::store_common {

// The jobs table's columns in the order both backends read them into a JobRecord.
#define BTR_STORE_JOB_COLUMNS                                                           \
  "id, tenant, status, progress, phase, spec_json, spec_hash, idempotency_key, "        \
  "engine_requested, engine_used, fallbacks_json, error_code, error_message, attempt, " \
  "cancel_requested, created_at, updated_at, started_at, finished_at, epoch, "          \
  "lease_owner, lease_expires_at, priority"

inline std::string Quote(std::string_view id) { return "'" + std::string(id) + "'"; }

// --- argument checks (InvalidArgument naming the field) ---
Status RequireTenant(std::string_view tenant);
Status RequireId(std::string_view id);
Status CheckIds(std::string_view tenant, std::string_view id);

// --- jobs ---
Status JobNotFound(std::string_view id);
Status JobExists(std::string_view id);  // a CreateJob with a used id
// ClaimJob of a job no claim can take now: a finished one, or one another live lease holds.
Status NotClaimable(const JobRecord& job);
// Why a write under the claim `epoch` did not apply to `job` (as read after the write): the
// job was claimed again, or it is not in the status the write `needs` ("running").
Status ClaimRefused(const JobRecord& job, int64_t epoch, std::string_view needs);
Status NotFinalStatus(JobStatus status);       // FinishJob with a status that is not terminal
Status AlreadyFinished(const JobRecord& job);  // CancelJob of a finished job
Status NotFinishedYet(const JobRecord& job);   // DeleteJob of a queued or running job
Status NoResultYet(std::string_view id, std::string_view status);  // GetResult too early
Status LogNeedsIds();  // ListJobLog without a tenant or an id

// --- pages (ListJobs, ListComparisons: newest first by (created_at, id)) ---
// Where a page starts, from the listing's cursor, and how many rows it holds.
struct PageStart {
  bool after_cursor = false;  // false: the first page
  TimeNs created_at = 0;      // the previous page's last row, when after_cursor
  std::string id;
  size_t limit = 1;  // the limit asked for, within 1..INT_MAX (0 counts as 1)
};
// ListJobs' cursor: lower-case hex of "<created_at>:<id>" of the page's last job (URL-safe,
// opaque).
std::string EncodeJobCursor(const JobRecord& last);
// The query's tenant checked and its cursor decoded: InvalidArgument ("cursor: ...") for one
// that did not come from EncodeJobCursor.
Result<PageStart> StartJobPage(const JobQuery& query);

// --- datasets ---
Status DatasetNotFound(std::string_view id);
Status DatasetContentNotFound(std::string_view name);  // FindDataset
Status DatasetIdTaken(std::string_view id, bool by_another_tenant);
// DeleteDataset of a dataset the queued or running job `job_id` uses.
Status DatasetInUse(std::string_view id, std::string_view job_id, std::string_view job_status);

// --- comparisons ---
Status ComparisonNeedsIds();
Status ComparisonNotFound(std::string_view id);
Status ComparisonExists(std::string_view id);
Status NotComparisonFinalStatus(std::string_view status);
Status ComparisonNotRunning(std::string_view id);
// ListComparisons' cursor: "<created_at>_<id>" of the page's last comparison.
std::string EncodeComparisonCursor(const ComparisonRecord& last);
// As StartJobPage, for ListComparisons' arguments.
Result<PageStart> StartComparisonPage(std::string_view tenant, std::string_view cursor,
                                      size_t limit);

// --- projects ---
Status ProjectNotFound(int64_t id);
Status ProjectNameTaken(std::string_view name);
Status ProjectNeedsTenantAndName();

// --- API keys ---
Status ApiKeyNotFound(std::string_view id);
Status ApiKeyExists(std::string_view id);

// The schema of the database is newer than any this build knows (`elsewhere`: where else to
// point btrouter, e.g. "another data directory").
Status NewerSchema(int found, int newest_known, std::string_view elsewhere);

}  // namespace btr::store_common
