// PostgresStore internals shared by its files (postgres_store*.cc): running a statement and
// reporting its failure as the store does, text as PostgreSQL holds it, and how a row of the
// jobs table becomes a JobRecord. Not a public header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "services/pg/pg_client.h"
#include "services/store/store_common.h"
#include "services/store/store_types.h"

namespace btr::pg_store {

using store_common::Quote;

// `text` as PostgreSQL text holds it: as it is when it is UTF-8 without NUL bytes, else with
// U+FFFD in place of every byte that is not.
std::string StorableText(std::string_view text);
// StorableText(text) as a text parameter.
inline PgParam StoredText(std::string_view text) { return PgText(StorableText(text)); }

// A failure of the client in store method `op`, as the store reports it: Unavailable "the
// database is unavailable (<op>): ..."; AlreadyExists kept (the caller names what exists);
// anything else Internal "<op>: ...". OK stays OK.
Status Failure(std::string_view op, const Status& status);

// Runs `sql` (a prepared statement on the pooled connection) for method `op`; errors as
// Failure.
Result<PgResult> Run(PgPool* pool, std::string_view op, std::string_view sql,
                     const std::vector<PgParam>& params = {});
// The same on a connection the caller holds (inside a transaction).
Result<PgResult> Run(PgConnection& conn, std::string_view op, std::string_view sql,
                     const std::vector<PgParam>& params = {});

// Reads row `row` of `result`, whose columns are BTR_STORE_JOB_COLUMNS, into *job.
Status ReadJob(const PgResult& result, int row, std::string_view op, JobRecord* job);
// Every row of `result` as a job, appended to *jobs.
Status ReadJobs(const PgResult& result, std::string_view op, std::vector<JobRecord>* jobs);

// The job `id`, of `tenant` when one is given; NotFound when there is none.
Result<JobRecord> SelectJob(PgPool* pool, std::string_view op,
                            std::optional<std::string_view> tenant, std::string_view id);

// --- dataset bytes (postgres_store_datasets.cc) ---
// Inside a transaction: waits for the other transactions that store or drop the bytes of
// `sha256` (a transaction-scoped advisory lock), so that a check of whether they are there
// holds until the commit. Errors are the client's, unconverted.
Status LockDatasetBytes(PgConnection& conn, std::string_view sha256);
// Inside a transaction: drops the stored bytes of `sha256` when no dataset (of any tenant)
// refers to them any more, under LockDatasetBytes.
Status DropUnreferencedBytes(PgConnection& conn, std::string_view sha256);

}  // namespace btr::pg_store
