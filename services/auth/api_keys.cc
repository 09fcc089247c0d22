#include "services/auth/api_keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engines/data/sha256.h"

namespace btr {
namespace {

constexpr std::string_view kPrefix = "btr_";
constexpr size_t kIdHexLen = 12;
constexpr size_t kSecretHexLen = 40;

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t k = 0; k < n; ++k) {
    out += kHex[bytes[k] >> 4];
    out += kHex[bytes[k] & 0xf];
  }
  return out;
}

Result<std::string> RandomHex(size_t hex_len) {
  unsigned char buf[64];
  if (RAND_bytes(buf, static_cast<int>(hex_len / 2)) != 1) {
    return Status::Internal("cannot draw random bytes for an API key");
  }
  return Hex(buf, hex_len / 2);
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ValidTenant(std::string_view t) {
  if (t.empty() || t.size() > 64) return false;
  for (char c : t) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<KeyParts> SplitApiKey(std::string_view key) {
  const Status malformed =
      Status::InvalidArgument("key: expected btr_<12 hex digits>_<40 hex digits>");
  if (key.size() != kPrefix.size() + kIdHexLen + 1 + kSecretHexLen ||
      key.substr(0, kPrefix.size()) != kPrefix || key[kPrefix.size() + kIdHexLen] != '_') {
    return malformed;
  }
  KeyParts parts{std::string(key.substr(kPrefix.size(), kIdHexLen)),
                 std::string(key.substr(kPrefix.size() + kIdHexLen + 1))};
  if (!IsHex(parts.id) || !IsHex(parts.secret)) return malformed;
  return parts;
}

Result<IssuedKey> IssueApiKey(Store& store, std::string_view tenant, Role role, TimeNs now) {
  if (!ValidTenant(tenant)) {
    return Status::InvalidArgument("tenant: expected 1-64 letters, digits, '-', '_' or '.', got '" +
                                   std::string(tenant) + "'");
  }
  Result<std::string> id = RandomHex(kIdHexLen);
  Result<std::string> secret = RandomHex(kSecretHexLen);
  if (!id.ok()) return id.status();
  if (!secret.ok()) return secret.status();
  IssuedKey issued;
  issued.record.id = *id;
  issued.record.tenant = std::string(tenant);
  issued.record.role = role;
  issued.record.secret_hash = Sha256Hex(*secret);
  issued.record.created_at = now;
  BTR_RETURN_IF_ERROR(store.PutApiKey(issued.record));
  issued.key = std::string(kPrefix) + *id + "_" + *secret;
  return issued;
}

Result<ApiKeyRecord> Authenticate(Store& store, std::string_view token) {
  const Status denied = Status::Unauthenticated(
      "invalid API key: send `Authorization: Bearer btr_...` with a key from `btrouter keys "
      "create`");
  Result<KeyParts> parts = SplitApiKey(token);
  if (!parts.ok()) return denied;
  const std::string& id = parts->id;
  const std::string& secret = parts->secret;
  Result<ApiKeyRecord> record = store.GetApiKey(id);
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound ? denied : record.status();
  }
  const std::string hash = Sha256Hex(secret);
  const bool match = record->secret_hash.size() == hash.size() &&
                     CRYPTO_memcmp(record->secret_hash.data(), hash.data(), hash.size()) == 0;
  if (!match || record->revoked_at != 0) return denied;
  return record;
}

Result<std::string> EnsureAdminKey(Store& store, const std::string& data_dir, TimeNs now) {
  Result<size_t> count = store.CountApiKeys();
  if (!count.ok()) return count.status();
  if (*count > 0) return std::string();
  Result<IssuedKey> issued = IssueApiKey(store, "admin", Role::kAdmin, now);
  if (!issued.ok()) return issued.status();
  const std::string path = data_dir + "/admin.key";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Internal(path + ": cannot create: " + std::strerror(errno));
  const std::string line = issued->key + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::fchmod(fd, 0600);
  ::close(fd);
  if (!written) return Status::Internal(path + ": cannot write the admin key");
  return issued->key;
}

}  // namespace btr
