// QuantConnect API v2 credentials for btrouter keys (the /api/v2 API, router/qc/), so lean-cli
// and LEAN's Api client talk to btrouter as to QuantConnect.
//
// QuantConnect signs each request with `Authorization: Basic base64(<user id>:<hash>)` and a
// `Timestamp: <unix seconds>` header, hash = hex sha256("<api token>:<timestamp>"). btrouter's
// mapping: the user id is a key's id, and the API token is the hex sha256 of the key's secret —
// exactly what the store keeps of a key — so the server checks the hash without the key. The
// token is a credential for /api/v2 only (the /v1 API needs the key itself); whoever can read
// the store's api_keys table can use /api/v2 as any tenant. Revoking the key revokes the token.
// Thread-safe (the Store is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engines/core/status.h"
#include "services/store/store.h"

namespace btr {

struct QcKeyCredentials {
  std::string user_id;    // the key id
  std::string api_token;  // hex sha256 of the key's secret
};

// The QuantConnect credentials of a btrouter key "btr_<id>_<secret>"; InvalidArgument for a
// malformed key. (`btrouter qc-credentials` prints them.)
Result<QcKeyCredentials> QcCredentialsForKey(std::string_view api_key);

// Requests signed more than this many seconds before (or after) the server's clock are refused,
// as QuantConnect does.
inline constexpr int64_t kQcMaxSignatureAgeSeconds = 7200;

// The key behind a request's `authorization` and `timestamp` header values, at server time
// `now_s`. Unauthenticated with a message starting "Hash doesn't match." (the text lean-cli
// recognizes) for a missing, malformed, stale, unknown, revoked or wrong signature.
Result<ApiKeyRecord> AuthenticateQc(Store& store, std::string_view authorization,
                                    std::string_view timestamp, int64_t now_s);

}  // namespace btr
