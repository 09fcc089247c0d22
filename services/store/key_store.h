// KeyStore: API keys (services/auth/api_keys.h): a public id, the tenant and role, and the
// sha256 of the secret (never the secret). Thread-safe; every method is atomic.
#pragma once

#include <string_view>
#include <vector>

#include "engines/core/status.h"
#include "services/store/store_types.h"

namespace btr {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Inserts; AlreadyExists when the id is used (a key is never overwritten).
  virtual Status PutApiKey(const ApiKeyRecord& key) = 0;
  virtual Result<ApiKeyRecord> GetApiKey(std::string_view id) = 0;  // revoked keys included
  virtual Result<std::vector<ApiKeyRecord>> ListApiKeys() = 0;
  // NotFound for an unknown id; revoking again keeps the first revoked_at.
  virtual Status RevokeApiKey(std::string_view id, TimeNs now) = 0;
  virtual Result<size_t> CountApiKeys() = 0;  // revoked keys included
};

}  // namespace btr
