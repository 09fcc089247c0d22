// API keys: "btr_<key id>_<secret>", sent as `Authorization: Bearer <key>`. The key id is public
// and used for lookup; only the sha256 of the secret is stored, and it is compared in constant
// time. Every key belongs to a tenant and has a role (user or admin). Thread-safe (the Store is).
#pragma once

#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "services/store/store.h"

namespace btr {

struct IssuedKey {
  std::string key;  // shown once to the caller, never stored
  ApiKeyRecord record;
};

// Creates and stores a new key. InvalidArgument for an empty or malformed tenant name
// (letters, digits, '-', '_', '.', at most 64 characters).
Result<IssuedKey> IssueApiKey(Store& store, std::string_view tenant, Role role, TimeNs now);

// The key record for a bearer token. Unauthenticated for a malformed, unknown, revoked or wrong
// key (one message for all, so callers learn nothing about which).
Result<ApiKeyRecord> Authenticate(Store& store, std::string_view bearer_token);

// The parts of a well-formed key "btr_<id>_<secret>"; InvalidArgument otherwise.
struct KeyParts {
  std::string id, secret;
};
Result<KeyParts> SplitApiKey(std::string_view key);

// First start: when no key exists, issues an admin key for tenant "admin", writes it to
// `<data_dir>/admin.key` with mode 0600 and returns it; returns an empty string otherwise.
Result<std::string> EnsureAdminKey(Store& store, const std::string& data_dir, TimeNs now);

}  // namespace btr
