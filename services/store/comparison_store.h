// ComparisonStore: comparisons of one spec on several engines (docs/comparisons.md): the
// request, which job each run became, and the finished report. Scoped by tenant.
// Thread-safe; every method is atomic. Errors as job_store.h.
#pragma once

#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "services/store/store_types.h"

namespace btr {

class ComparisonStore {
 public:
  virtual ~ComparisonStore() = default;

  // Inserts (status running); AlreadyExists for a used id.
  virtual Status CreateComparison(const ComparisonRecord& comparison) = 0;
  virtual Result<ComparisonRecord> GetComparison(std::string_view tenant, std::string_view id) = 0;
  // running -> `status` ("succeeded" or "failed") with the report, in one transaction;
  // FailedPrecondition when the comparison is not running (finished by another process).
  virtual Status FinishComparison(std::string_view id, std::string_view status,
                                  std::string_view report_json, TimeNs now) = 0;
  // Every tenant's running comparisons, oldest first, without reports (to resume after a
  // restart).
  virtual Result<std::vector<ComparisonRecord>> ListRunningComparisons() = 0;
  // The tenant's comparisons, newest first, `limit` per page (0 counts as 1); `cursor` from the
  // previous page ("" for the first). InvalidArgument for a cursor that did not come from here.
  virtual Result<ComparisonPage> ListComparisons(std::string_view tenant, std::string_view cursor,
                                                 size_t limit) = 0;
};

}  // namespace btr
