#include "adapters/qc_cloud/qc_auth.h"

#include "engines/data/sha256.h"

namespace btr::qc {

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest != 0) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string ApiHash(std::string_view token, int64_t timestamp_s) {
  std::string text(token);
  text += ':';
  text += std::to_string(timestamp_s);
  return Sha256Hex(text);
}

SignedHeaders SignAt(const QcCredentials& credentials, int64_t timestamp_s) {
  SignedHeaders headers;
  headers.timestamp = std::to_string(timestamp_s);
  headers.authorization =
      "Basic " + Base64Encode(credentials.user_id + ":" + ApiHash(credentials.token, timestamp_s));
  return headers;
}

QcSigner::QcSigner(QcCredentials credentials, const Clock* clock)
    : credentials_(std::move(credentials)), clock_(clock) {}

SignedHeaders QcSigner::Sign() const {
  const TimeNs now = clock_->Now();
  // Floor division, so times before 1970 (only in tests) still round down.
  const int64_t seconds =
      now >= 0 ? now / kNsPerSecond : -((-now + kNsPerSecond - 1) / kNsPerSecond);
  return SignAt(credentials_, seconds);
}

}  // namespace btr::qc
