// Signing QuantConnect API v2 requests (reference/qc_lean.md §1.2):
//   timestamp     = Unix time in whole seconds, as decimal text;
//   hash          = lower-case hex SHA-256 of "<token>:<timestamp>" (the user id is not hashed);
//   Authorization = "Basic " + base64("<user_id>:<hash>");
//   Timestamp     = the same timestamp text.
// A fresh timestamp and hash are made for every request (the API rejects hashes older than
// 7200 s), from an injected Clock so tests can fix the time.
//
// Secrets: QcCredentials holds the token; nothing here formats it, the hash or the
// Authorization value into a message. Callers must not either (QcClient redacts server texts
// that echo them). Thread-safe: all functions are pure; QcSigner is immutable after
// construction (the Clock must be thread-safe, as engines/core/clock.h clocks are).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engines/core/clock.h"

namespace btr::qc {

struct QcCredentials {
  std::string user_id;  // the numeric QuantConnect user id, as text
  std::string token;    // the API token: a secret
};

// The two headers of one signed request.
struct SignedHeaders {
  std::string timestamp;      // value of the "Timestamp" header
  std::string authorization;  // value of the "Authorization" header ("Basic ...")
};

// Standard base64 (RFC 4648 §4) with '=' padding.
std::string Base64Encode(std::string_view bytes);

// hex SHA-256 of "<token>:<timestamp_s>".
std::string ApiHash(std::string_view token, int64_t timestamp_s);

// The headers for a request made at `timestamp_s`.
SignedHeaders SignAt(const QcCredentials& credentials, int64_t timestamp_s);

class QcSigner {
 public:
  // `clock` is not owned and must outlive the signer.
  QcSigner(QcCredentials credentials, const Clock* clock);

  // Headers for a request made now (the clock's time, floored to whole seconds).
  SignedHeaders Sign() const;

  // The credentials (QcClient needs the token to redact server texts that echo it).
  const QcCredentials& credentials() const { return credentials_; }

 private:
  QcCredentials credentials_;
  const Clock* clock_;
};

}  // namespace btr::qc
