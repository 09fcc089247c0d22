// Store: the durable state of btrouter as one backend implements it — jobs (job_store.h),
// datasets (dataset_store.h), comparisons (comparison_store.h), API keys (key_store.h) and
// QuantConnect-style projects (project_store.h) — so the embedded SQLite store (sqlite_store.h, the
// default) and the distributed PostgreSQL store (postgres_store.h) are interchangeable
// (`store.kind`). Services take only the interface they use; the server's assembly hands each the
// one backend.
#pragma once

#include <memory>

#include "services/store/comparison_store.h"
#include "services/store/dataset_store.h"
#include "services/store/job_store.h"
#include "services/store/key_store.h"
#include "services/store/project_store.h"
#include "services/store/store_types.h"

namespace btr {

class Store : public JobStore,
              public DatasetStore,
              public ComparisonStore,
              public KeyStore,
              public ProjectStore {
 public:
  ~Store() override = default;
};

using StorePtr = std::unique_ptr<Store>;

}  // namespace btr
