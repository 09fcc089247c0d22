// Request signing against the documented test vector (reference/qc_lean.md §1.2) and the
// redaction of secrets from the texts the client quotes.
#include "adapters/qc_cloud/qc_auth.h"

#include <catch2/catch.hpp>

#include "adapters/qc_cloud/qc_client.h"

namespace btr::qc {
namespace {

TEST_CASE("qc auth: base64 (RFC 4648 test vectors)", "[qc_cloud]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foob") == "Zm9vYg==");
  CHECK(Base64Encode("fooba") == "Zm9vYmE=");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("qc auth: the documented vector (user 0, token abc, timestamp 1700000000)",
          "[qc_cloud]") {
  CHECK(ApiHash("abc", 1700000000) ==
        "bd3c65e40382f265264d55f094fd93b4fc17091e094df758b8eb909bb0127b26");
  const SignedHeaders headers = SignAt({"0", "abc"}, 1700000000);
  CHECK(headers.timestamp == "1700000000");
  CHECK(headers.authorization ==
        "Basic "
        "MDpiZDNjNjVlNDAzODJmMjY1MjY0ZDU1ZjA5NGZkOTNiNGZjMTcwOTFlMDk0ZGY3NThiOGViOTA5YmIwMTI3YjI2");
}

TEST_CASE("qc auth: the signer takes whole seconds from the injected clock", "[qc_cloud]") {
  ManualClock clock(1700000000 * kNsPerSecond + 999'999'999);
  QcSigner signer({"0", "abc"}, &clock);
  SignedHeaders headers = signer.Sign();
  CHECK(headers.timestamp == "1700000000");
  CHECK(headers.authorization == SignAt({"0", "abc"}, 1700000000).authorization);
  clock.Advance(kNsPerSecond);
  headers = signer.Sign();
  CHECK(headers.timestamp == "1700000001");
  CHECK(headers.authorization != SignAt({"0", "abc"}, 1700000000).authorization);
}

TEST_CASE("qc client: Redact removes the token, hashes and Authorization values", "[qc_cloud]") {
  SystemClock clock;
  QcClientOptions options;
  options.url = "http://127.0.0.1:9";
  options.credentials = {"0", "s3cr3t-token"};
  QcClient client(options, &clock);
  const std::string hash = ApiHash("s3cr3t-token", 1700000000);
  const std::string auth = SignAt({"0", "s3cr3t-token"}, 1700000000).authorization;
  const std::string text = "Hash doesn't match. UID: 0 Hash: " + hash +
                           " Timestamp: '1700000000' token=s3cr3t-token header " + auth + " end";
  const std::string redacted = client.Redact(text);
  CHECK(redacted.find("s3cr3t-token") == std::string::npos);
  CHECK(redacted.find(hash) == std::string::npos);
  CHECK(redacted.find(auth.substr(6)) == std::string::npos);
  CHECK(redacted ==
        "Hash doesn't match. UID: 0 Hash: <redacted> Timestamp: '1700000000' token=<redacted> "
        "header Basic <redacted> end");
  // Ordinary ids (32 hex digits) stay readable.
  CHECK(client.Redact("backtest 26c7bb06b8487cff1c7b3c44652b30f1") ==
        "backtest 26c7bb06b8487cff1c7b3c44652b30f1");
}

}  // namespace
}  // namespace btr::qc
