// PostgresStore: dataset records (table datasets), and dropping the bytes no record refers to
// any more. Storing and fetching the bytes is in postgres_store_dataset_bytes.cc.
#include <optional>
#include <string>
#include <vector>

#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace {

using pg_store::Failure;
using pg_store::Run;
using pg_store::StoredText;
using store_common::CheckIds;

#define BTR_DATASET_COLUMNS \
  "id, tenant, name, sha256, path, bars, bytes, first_time, last_time, created_at"

DatasetRecord ReadDataset(const PgResult& r, int row) {
  DatasetRecord d;
  d.id = r.GetString(row, 0);
  d.tenant = r.GetString(row, 1);
  d.name = r.GetString(row, 2);
  d.sha256 = r.GetString(row, 3);
  d.path = r.GetString(row, 4);
  d.bars = static_cast<uint64_t>(r.GetInt(row, 5));
  d.bytes = static_cast<uint64_t>(r.GetInt(row, 6));
  d.first_time = r.GetInt(row, 7);
  d.last_time = r.GetInt(row, 8);
  d.created_at = r.GetInt(row, 9);
  return d;
}

// Every column of BTR_DATASET_COLUMNS, in order ($1..$10).
std::vector<PgParam> DatasetParams(const DatasetRecord& d) {
  return {StoredText(d.id),
          StoredText(d.tenant),
          StoredText(d.name),
          StoredText(d.sha256),
          StoredText(d.path),
          PgInt(static_cast<int64_t>(d.bars)),
          PgInt(static_cast<int64_t>(d.bytes)),
          PgInt(d.first_time),
          PgInt(d.last_time),
          PgInt(d.created_at)};
}

// The tenant's oldest dataset with a name and sha256 ($1 tenant, $2 name, $3 sha256).
constexpr char kSelectDatasetByContent[] =
    "SELECT " BTR_DATASET_COLUMNS
    " FROM datasets WHERE tenant = $1 AND name = $2 AND sha256 = $3 "
    "ORDER BY created_at, id LIMIT 1";

Result<PgResult> Exec(PgConnection& conn, std::string_view sql, std::vector<PgParam> params) {
  return conn.ExecPrepared(sql, params);
}

}  // namespace

namespace pg_store {

Status LockDatasetBytes(PgConnection& conn, std::string_view sha256) {
  return conn
      .ExecPrepared("SELECT pg_advisory_xact_lock(hashtextextended('dataset bytes ' || $1, 0))",
                    {StoredText(sha256)})
      .status();
}

Status DropUnreferencedBytes(PgConnection& conn, std::string_view sha256) {
  BTR_RETURN_IF_ERROR(LockDatasetBytes(conn, sha256));
  // The chunks go with their content row (ON DELETE CASCADE).
  return conn
      .ExecPrepared(
          "DELETE FROM dataset_contents WHERE sha256 = $1 "
          "AND NOT EXISTS (SELECT 1 FROM datasets WHERE sha256 = $1)",
          {StoredText(sha256)})
      .status();
}

}  // namespace pg_store

Status PostgresStore::PutDataset(const DatasetRecord& dataset) {
  constexpr std::string_view kOp = "PutDataset";
  BTR_RETURN_IF_ERROR(CheckIds(dataset.tenant, dataset.id));
  bool taken = false;
  Status put = pool_->Transaction([&](PgConnection& conn) -> Status {
    Result<PgResult> before = Exec(conn, "SELECT sha256 FROM datasets WHERE id = $1 FOR UPDATE",
                                   {StoredText(dataset.id)});
    if (!before.ok()) return before.status();
    // Replaces the row only when it is the same tenant's; otherwise changes nothing.
    Result<PgResult> upserted =
        Exec(conn,
             "INSERT INTO datasets (" BTR_DATASET_COLUMNS
             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
             "ON CONFLICT (id) DO UPDATE SET name = excluded.name, sha256 = excluded.sha256, "
             "path = excluded.path, bars = excluded.bars, bytes = excluded.bytes, "
             "first_time = excluded.first_time, last_time = excluded.last_time "
             "WHERE datasets.tenant = excluded.tenant",
             DatasetParams(dataset));
    if (!upserted.ok()) return upserted.status();
    taken = upserted->affected() == 0;
    if (taken || before->rows() == 0 || before->Get(0, 0) == dataset.sha256) return Status::Ok();
    return pg_store::DropUnreferencedBytes(conn, before->Get(0, 0));  // the bytes it replaced
  });
  if (!put.ok()) return Failure(kOp, put);
  if (taken) return store_common::DatasetIdTaken(dataset.id, /*by_another_tenant=*/true);
  return Status::Ok();
}

Result<DatasetRecord> PostgresStore::CreateDataset(const DatasetRecord& dataset) {
  constexpr std::string_view kOp = "CreateDataset";
  BTR_RETURN_IF_ERROR(CheckIds(dataset.tenant, dataset.id));
  DatasetRecord kept = dataset;
  Status created = pool_->Transaction([&](PgConnection& conn) -> Status {
    kept = dataset;
    // Uploads of the same name and bytes by one tenant take turns, so they make one dataset.
    Result<PgResult> locked = Exec(conn, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                   {StoredText("dataset content " + dataset.tenant + "\n" +
                                               dataset.name + "\n" + dataset.sha256)});
    if (!locked.ok()) return locked.status();
    Result<PgResult> existing =
        Exec(conn, kSelectDatasetByContent,
             {StoredText(dataset.tenant), StoredText(dataset.name), StoredText(dataset.sha256)});
    if (!existing.ok()) return existing.status();
    if (existing->rows() == 1) {
      kept = ReadDataset(*existing, 0);
      return Status::Ok();
    }
    return Exec(conn,
                "INSERT INTO datasets (" BTR_DATASET_COLUMNS
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                DatasetParams(dataset))
        .status();
  });
  if (created.code() == StatusCode::kAlreadyExists) {
    return store_common::DatasetIdTaken(dataset.id, /*by_another_tenant=*/false);
  }
  if (!created.ok()) return Failure(kOp, created);
  return kept;
}

Result<DatasetRecord> PostgresStore::FindDataset(std::string_view tenant, std::string_view name,
                                                 std::string_view sha256) {
  BTR_RETURN_IF_ERROR(store_common::RequireTenant(tenant));
  Result<PgResult> found = Run(pool_.get(), "FindDataset", kSelectDatasetByContent,
                               {StoredText(tenant), StoredText(name), StoredText(sha256)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return store_common::DatasetContentNotFound(name);
  return ReadDataset(*found, 0);
}

Result<DatasetRecord> PostgresStore::GetDataset(std::string_view tenant, std::string_view id) {
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  Result<PgResult> found =
      Run(pool_.get(), "GetDataset",
          "SELECT " BTR_DATASET_COLUMNS " FROM datasets WHERE id = $1 AND tenant = $2",
          {StoredText(id), StoredText(tenant)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return store_common::DatasetNotFound(id);
  return ReadDataset(*found, 0);
}

Result<std::vector<DatasetRecord>> PostgresStore::ListDatasets(std::string_view tenant) {
  BTR_RETURN_IF_ERROR(store_common::RequireTenant(tenant));
  Result<PgResult> rows = Run(pool_.get(), "ListDatasets",
                              "SELECT " BTR_DATASET_COLUMNS
                              " FROM datasets WHERE tenant = $1 ORDER BY created_at DESC, id DESC",
                              {StoredText(tenant)});
  if (!rows.ok()) return rows.status();
  std::vector<DatasetRecord> out;
  out.reserve(static_cast<size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) out.push_back(ReadDataset(*rows, r));
  return out;
}

Result<DatasetRecord> PostgresStore::DeleteDataset(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "DeleteDataset";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::optional<DatasetRecord> deleted;
  Status refusal;  // why the dataset stays, when it does
  Status done = pool_->Transaction([&](PgConnection& conn) -> Status {
    deleted.reset();
    refusal = Status::Ok();
    Result<PgResult> row = Exec(conn,
                                "DELETE FROM datasets WHERE id = $1 AND tenant = $2 "
                                "RETURNING " BTR_DATASET_COLUMNS,
                                {StoredText(id), StoredText(tenant)});
    if (!row.ok()) return row.status();
    if (row->rows() == 0) {
      refusal = store_common::DatasetNotFound(id);
      return refusal;  // rolls back (nothing was changed)
    }
    deleted = ReadDataset(*row, 0);
    // A job uses the dataset when its spec names it; only specs that mention the id are parsed.
    Result<PgResult> user = Exec(conn,
                                 "SELECT id, status FROM jobs WHERE tenant = $1 "
                                 "AND status IN ('queued', 'running') "
                                 "AND CASE WHEN strpos(spec_json, $2) > 0 "
                                 "THEN spec_json::json ->> 'dataset' END = $2 "
                                 "ORDER BY created_at, id LIMIT 1",
                                 {StoredText(tenant), StoredText(id)});
    if (!user.ok()) return user.status();
    if (user->rows() == 1) {
      refusal = store_common::DatasetInUse(id, user->Get(0, 0), user->Get(0, 1));
      return refusal;  // rolls the delete back
    }
    return pg_store::DropUnreferencedBytes(conn, deleted->sha256);
  });
  if (!refusal.ok()) return refusal;
  if (!done.ok()) return Failure(kOp, done);
  return *deleted;
}

#undef BTR_DATASET_COLUMNS

}  // namespace btr
