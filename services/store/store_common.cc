#include "services/store/store_common.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>
#include <system_error>

namespace btr::store_common {
namespace {

size_t ClampLimit(size_t limit) {
  return std::clamp<size_t>(limit, 1, static_cast<size_t>(std::numeric_limits<int>::max()));
}

bool DecodeJobCursor(std::string_view cursor, TimeNs* created_at, std::string* id) {
  if (cursor.size() % 2 != 0) return false;
  std::string raw;
  for (size_t i = 0; i < cursor.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(cursor.data() + i, cursor.data() + i + 2, value, 16);
    if (ec != std::errc() || end != cursor.data() + i + 2) return false;
    raw += static_cast<char>(value);
  }
  const size_t colon = raw.find(':');
  if (colon == std::string::npos || colon + 1 == raw.size()) return false;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + colon, *created_at);
  if (ec != std::errc() || end != raw.data() + colon) return false;
  *id = raw.substr(colon + 1);
  return true;
}

bool DecodeComparisonCursor(std::string_view cursor, TimeNs* created_at, std::string* id) {
  const size_t sep = cursor.find('_');
  if (sep == std::string_view::npos || sep == 0 || sep + 1 == cursor.size()) return false;
  const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + sep, *created_at);
  if (ec != std::errc() || end != cursor.data() + sep) return false;
  *id = std::string(cursor.substr(sep + 1));
  return true;
}

}  // namespace

Status RequireTenant(std::string_view tenant) {
  if (tenant.empty()) return Status::InvalidArgument("tenant: required, got an empty one");
  return Status::Ok();
}

Status RequireId(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("id: required, got an empty one");
  return Status::Ok();
}

Status CheckIds(std::string_view tenant, std::string_view id) {
  BTR_RETURN_IF_ERROR(RequireTenant(tenant));
  return RequireId(id);
}

// --- jobs ---

Status JobNotFound(std::string_view id) {
  return Status::NotFound("backtest " + Quote(id) + " not found");
}

Status JobExists(std::string_view id) {
  return Status::AlreadyExists("backtest " + Quote(id) + " already exists");
}

Status NotClaimable(const JobRecord& job) {
  return Status::FailedPrecondition("backtest " + Quote(job.id) + " is " +
                                    std::string(JobStatusName(job.status)) +
                                    (IsTerminal(job.status) ? "" : ", held by " + job.lease_owner));
}

Status ClaimRefused(const JobRecord& job, int64_t epoch, std::string_view needs) {
  if (job.epoch != epoch) {
    return Status::FailedPrecondition("backtest " + Quote(job.id) + " was claimed again (claim " +
                                      std::to_string(job.epoch) + "); claim " +
                                      std::to_string(epoch) + " is lost");
  }
  return Status::FailedPrecondition("backtest " + Quote(job.id) + " is " +
                                    std::string(JobStatusName(job.status)) + ", not " +
                                    std::string(needs));
}

Status NotFinalStatus(JobStatus status) {
  return Status::InvalidArgument("status " + std::string(JobStatusName(status)) +
                                 " is not a final status");
}

Status AlreadyFinished(const JobRecord& job) {
  return Status::FailedPrecondition("backtest " + Quote(job.id) + " is already " +
                                    std::string(JobStatusName(job.status)));
}

Status NotFinishedYet(const JobRecord& job) {
  return Status::FailedPrecondition("backtest " + Quote(job.id) + " is " +
                                    std::string(JobStatusName(job.status)) +
                                    "; cancel it and wait for it to finish first");
}

Status NoResultYet(std::string_view id, std::string_view status) {
  return Status::FailedPrecondition("backtest " + Quote(id) + " is " + std::string(status) +
                                    " and has no result yet");
}

Status LogNeedsIds() {
  return Status::InvalidArgument("id: a log needs a tenant and a backtest id");
}

std::string EncodeJobCursor(const JobRecord& last) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string raw = std::to_string(last.created_at) + ":" + last.id;
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

Result<PageStart> StartJobPage(const JobQuery& query) {
  BTR_RETURN_IF_ERROR(RequireTenant(query.tenant));
  PageStart start;
  start.limit = ClampLimit(query.limit);
  start.after_cursor = !query.cursor.empty();
  if (start.after_cursor && !DecodeJobCursor(query.cursor, &start.created_at, &start.id)) {
    return Status::InvalidArgument("cursor: " + Quote(query.cursor) +
                                   " did not come from a previous page");
  }
  return start;
}

// --- datasets ---

Status DatasetNotFound(std::string_view id) {
  return Status::NotFound("dataset " + Quote(id) + " not found");
}

Status DatasetContentNotFound(std::string_view name) {
  return Status::NotFound("no dataset " + Quote(name) + " with that content");
}

Status DatasetIdTaken(std::string_view id, bool by_another_tenant) {
  return Status::AlreadyExists("dataset id " + Quote(id) + " is taken" +
                               (by_another_tenant ? " by another tenant" : ""));
}

Status DatasetInUse(std::string_view id, std::string_view job_id, std::string_view job_status) {
  return Status::FailedPrecondition("dataset " + Quote(id) + " is used by backtest " +
                                    Quote(job_id) + ", which is " + std::string(job_status) +
                                    "; delete it once that has ended");
}

// --- comparisons ---

Status ComparisonNeedsIds() {
  return Status::InvalidArgument("id: a comparison needs an id and a tenant");
}

Status ProjectNotFound(int64_t id) {
  return Status::NotFound("project " + std::to_string(id) + " not found");
}

Status ProjectNameTaken(std::string_view name) {
  return Status::AlreadyExists("name: a project named " + Quote(name) +
                               " exists already (choose another name)");
}

Status ProjectNeedsTenantAndName() {
  return Status::InvalidArgument("name: a project needs a tenant and a name");
}

Status ComparisonNotFound(std::string_view id) {
  return Status::NotFound("comparison " + Quote(id) + " not found");
}

Status ComparisonExists(std::string_view id) {
  return Status::AlreadyExists("comparison " + Quote(id) + " already exists");
}

Status NotComparisonFinalStatus(std::string_view status) {
  return Status::InvalidArgument("a comparison's final status is succeeded or failed, got " +
                                 Quote(status));
}

Status ComparisonNotRunning(std::string_view id) {
  return Status::FailedPrecondition("comparison " + Quote(id) + " is not running");
}

std::string EncodeComparisonCursor(const ComparisonRecord& last) {
  return std::to_string(last.created_at) + "_" + last.id;
}

Result<PageStart> StartComparisonPage(std::string_view tenant, std::string_view cursor,
                                      size_t limit) {
  BTR_RETURN_IF_ERROR(RequireTenant(tenant));
  PageStart start;
  start.limit = ClampLimit(limit);
  start.after_cursor = !cursor.empty();
  if (start.after_cursor && !DecodeComparisonCursor(cursor, &start.created_at, &start.id)) {
    return Status::InvalidArgument("cursor: not a cursor from this API: " + Quote(cursor));
  }
  return start;
}

// --- API keys ---

Status ApiKeyNotFound(std::string_view id) {
  return Status::NotFound("API key " + Quote(id) + " not found");
}

Status ApiKeyExists(std::string_view id) {
  return Status::AlreadyExists("API key id " + Quote(id) + " exists");
}

Status NewerSchema(int found, int newest_known, std::string_view elsewhere) {
  return Status::FailedPrecondition(
      "the database has schema version " + std::to_string(found) + ", newer than version " +
      std::to_string(newest_known) +
      ", the newest this btrouter knows: use the btrouter that wrote it (or a newer one), or " +
      std::string(elsewhere));
}

}  // namespace btr::store_common
