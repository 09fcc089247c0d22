#include "services/auth/qc_keys.h"

#include <openssl/crypto.h>

#include <charconv>
#include <cstdlib>

#include "engines/data/sha256.h"
#include "services/auth/api_keys.h"

namespace btr {
namespace {

// RFC 4648 base64 with padding; nullopt-like empty result and false for malformed input.
bool Base64Decode(std::string_view in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return false;
  out->clear();
  for (size_t k = 0; k < in.size(); k += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[k + static_cast<size_t>(j)];
      if (c == '=' && k + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else if (pad > 0 || (v[j] = value(c)) < 0) {
        return false;
      }
    }
    const uint32_t triple = (static_cast<uint32_t>(v[0]) << 18) |
                            (static_cast<uint32_t>(v[1]) << 12) |
                            (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out->push_back(static_cast<char>((triple >> 16) & 0xff));
    if (pad < 2) out->push_back(static_cast<char>((triple >> 8) & 0xff));
    if (pad < 1) out->push_back(static_cast<char>(triple & 0xff));
  }
  return true;
}

Status Denied(std::string_view why) {
  return Status::Unauthenticated(
      "Hash doesn't match. " + std::string(why) +
      " (btrouter: the user id is a key's id and the API token comes from `btrouter "
      "qc-credentials <key>`)");
}

}  // namespace

Result<QcKeyCredentials> QcCredentialsForKey(std::string_view api_key) {
  Result<KeyParts> parts = SplitApiKey(api_key);
  if (!parts.ok()) return parts.status();
  return QcKeyCredentials{parts->id, Sha256Hex(parts->secret)};
}

Result<ApiKeyRecord> AuthenticateQc(Store& store, std::string_view authorization,
                                    std::string_view timestamp, int64_t now_s) {
  constexpr std::string_view kBasic = "Basic ";
  if (authorization.size() <= kBasic.size() ||
      (authorization.substr(0, kBasic.size()) != kBasic &&
       authorization.substr(0, kBasic.size()) != "basic ")) {
    return Denied("Send Authorization: Basic base64(<user id>:<hash>).");
  }
  std::string decoded;
  if (!Base64Decode(authorization.substr(kBasic.size()), &decoded)) {
    return Denied("The Authorization header is not base64.");
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return Denied("Expected <user id>:<hash>.");
  const std::string user_id = decoded.substr(0, colon);
  const std::string hash = decoded.substr(colon + 1);
  int64_t stamp = 0;
  const auto [end, error] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), stamp);
  if (timestamp.empty() || error != std::errc() || end != timestamp.data() + timestamp.size()) {
    return Denied("Send a Timestamp header (unix seconds).");
  }
  if (std::llabs(now_s - stamp) > kQcMaxSignatureAgeSeconds) {
    return Denied("The timestamp is more than 7200 s from the server's clock.");
  }
  Result<ApiKeyRecord> record = store.GetApiKey(user_id);
  if (!record.ok()) {
    if (record.status().code() != StatusCode::kNotFound) return record.status();
    return Denied("Unknown user id.");
  }
  const std::string expected = Sha256Hex(record->secret_hash + ":" + std::string(timestamp));
  const bool match = hash.size() == expected.size() &&
                     CRYPTO_memcmp(hash.data(), expected.data(), expected.size()) == 0;
  if (!match || record->revoked_at != 0) return Denied("Wrong or revoked credentials.");
  return record;
}

}  // namespace btr
