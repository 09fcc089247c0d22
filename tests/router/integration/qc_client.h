// A QuantConnect API v2 client of one btrouter key for the /api/v2 tests: lean-cli's call
// shapes (signed GET with a query string, JSON POST, the form-encoded projects/update).
#pragma once

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/qc_cloud/qc_auth.h"
#include "services/auth/qc_keys.h"
#include "tests/router/integration/api_server.h"

namespace btr::testing {

inline int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::string FormEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A QuantConnect client of one btrouter key.
class QcClient {
 public:
  QcClient(ApiServer& server, const std::string& key) : server_(server) {
    Result<QcKeyCredentials> credentials = QcCredentialsForKey(key);
    REQUIRE(credentials.ok());
    credentials_ = {credentials->user_id, credentials->api_token};
  }
  // lean-cli's reads: GET with a query string.
  nlohmann::json Get(const std::string& endpoint, const std::string& query = "") {
    return Send("GET", endpoint + (query.empty() ? "" : "?" + query), "", {});
  }
  // Writes: POST JSON.
  nlohmann::json Post(const std::string& endpoint, const nlohmann::json& body) {
    return Send("POST", endpoint, body.dump(), {"Content-Type: application/json"});
  }
  // projects/update: a form.
  nlohmann::json PostForm(const std::string& endpoint,
                          const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [name, value] : fields) {
      body += (body.empty() ? "" : "&") + FormEncode(name) + "=" + FormEncode(value);
    }
    return Send("POST", endpoint, body, {"Content-Type: application/x-www-form-urlencoded"});
  }
  nlohmann::json Signed(const std::string& endpoint, int64_t timestamp, const std::string& token) {
    const qc::SignedHeaders h = qc::SignAt({credentials_.user_id, token}, timestamp);
    HttpResponse r = Request("GET", Base() + endpoint, "",
                             {"Authorization: " + h.authorization, "Timestamp: " + h.timestamp});
    REQUIRE(r.code == 200);
    return r.Json();
  }
  const qc::QcCredentials& credentials() const { return credentials_; }

 private:
  std::string Base() const {
    return "http://127.0.0.1:" + std::to_string(server_.qc_port()) + "/api/v2/";
  }
  nlohmann::json Send(const std::string& method, const std::string& path, const std::string& body,
                      std::vector<std::string> headers) {
    const qc::SignedHeaders h = qc::SignAt(credentials_, NowSeconds());
    headers.push_back("Authorization: " + h.authorization);
    headers.push_back("Timestamp: " + h.timestamp);
    HttpResponse r = Request(method, Base() + path, body, headers);
    INFO(method << " " << path << " -> " << r.code << " " << r.body);
    REQUIRE(r.code == 200);
    nlohmann::json reply = r.Json();
    REQUIRE(reply.is_object());
    REQUIRE(reply.contains("success"));
    return reply;
  }

  ApiServer& server_;
  qc::QcCredentials credentials_;
};

inline nlohmann::json WaitCompleted(QcClient& qc, int64_t project, const std::string& id) {
  for (int k = 0; k < 400; ++k) {
    nlohmann::json read =
        qc.Get("backtests/read", "projectId=" + std::to_string(project) + "&backtestId=" + id);
    REQUIRE(read["success"] == true);
    const nlohmann::json& b = read["backtest"];
    if (b["completed"] == true) return b;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("the backtest did not complete");
  return {};
}

}  // namespace btr::testing
