// PostgresStore: API keys (table api_keys).
#include <string>
#include <vector>

#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace {

using pg_store::Run;
using pg_store::StoredText;

#define BTR_API_KEY_COLUMNS "id, tenant, role, secret_hash, created_at, revoked_at"

ApiKeyRecord ReadApiKey(const PgResult& r, int row) {
  ApiKeyRecord k;
  k.id = r.GetString(row, 0);
  k.tenant = r.GetString(row, 1);
  k.role = r.Get(row, 2) == RoleName(Role::kAdmin) ? Role::kAdmin : Role::kUser;
  k.secret_hash = r.GetString(row, 3);
  k.created_at = r.GetInt(row, 4);
  k.revoked_at = r.GetInt(row, 5);
  return k;
}

}  // namespace

Status PostgresStore::PutApiKey(const ApiKeyRecord& key) {
  BTR_RETURN_IF_ERROR(store_common::CheckIds(key.tenant, key.id));
  Result<PgResult> inserted =
      Run(pool_.get(), "PutApiKey",
          "INSERT INTO api_keys (" BTR_API_KEY_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)",
          {StoredText(key.id), StoredText(key.tenant), PgText(std::string(RoleName(key.role))),
           StoredText(key.secret_hash), PgInt(key.created_at), PgInt(key.revoked_at)});
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return store_common::ApiKeyExists(key.id);
  }
  return inserted.status();
}

Result<ApiKeyRecord> PostgresStore::GetApiKey(std::string_view id) {
  BTR_RETURN_IF_ERROR(store_common::RequireId(id));
  Result<PgResult> found =
      Run(pool_.get(), "GetApiKey", "SELECT " BTR_API_KEY_COLUMNS " FROM api_keys WHERE id = $1",
          {StoredText(id)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return store_common::ApiKeyNotFound(id);
  return ReadApiKey(*found, 0);
}

Result<std::vector<ApiKeyRecord>> PostgresStore::ListApiKeys() {
  Result<PgResult> rows =
      Run(pool_.get(), "ListApiKeys",
          "SELECT " BTR_API_KEY_COLUMNS " FROM api_keys ORDER BY created_at, id");
  if (!rows.ok()) return rows.status();
  std::vector<ApiKeyRecord> out;
  out.reserve(static_cast<size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) out.push_back(ReadApiKey(*rows, r));
  return out;
}

Status PostgresStore::RevokeApiKey(std::string_view id, TimeNs now) {
  BTR_RETURN_IF_ERROR(store_common::RequireId(id));
  // Revoking again keeps the first revoked_at; no row means no such key.
  Result<PgResult> revoked =
      Run(pool_.get(), "RevokeApiKey",
          "UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $2 ELSE revoked_at END "
          "WHERE id = $1",
          {StoredText(id), PgInt(now)});
  if (!revoked.ok()) return revoked.status();
  if (revoked->affected() == 0) return store_common::ApiKeyNotFound(id);
  return Status::Ok();
}

Result<size_t> PostgresStore::CountApiKeys() {
  Result<PgResult> count = Run(pool_.get(), "CountApiKeys", "SELECT COUNT(*) FROM api_keys");
  if (!count.ok()) return count.status();
  return static_cast<size_t>(count->GetInt(0, 0));
}

#undef BTR_API_KEY_COLUMNS

}  // namespace btr
