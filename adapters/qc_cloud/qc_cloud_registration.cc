#include "adapters/qc_cloud/qc_cloud_registration.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "adapters/qc_cloud/qc_cloud_engine.h"

namespace btr {
namespace {

constexpr std::string_view kToken = "engines.qc_cloud.token";
constexpr std::string_view kTokenFile = "engines.qc_cloud.token_file";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// When qc_cloud is enabled with token_file set, the file's content (trimmed) becomes the token.
Status ReadTokenFile(ConfigCheck& check) {
  const Config& c = check.config();
  const std::string& path = c.GetString(kTokenFile);
  if (!c.GetBool("engines.qc_cloud.enabled") || path.empty()) return Status::Ok();
  if (!c.GetString(kToken).empty()) {
    return check.Error(kTokenFile, "engines.qc_cloud.token is set too (" + c.Origin(kToken) +
                                       "); set only one of them");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) {
    return check.Error(kTokenFile, "cannot read '" + path + "': " + std::strerror(errno) +
                                       "; fix the path or set engines.qc_cloud.token instead");
  }
  const std::string token(Trim(buffer.str()));
  if (token.empty()) return check.Error(kTokenFile, "'" + path + "' is empty");
  return check.Derive(kToken, token, "file " + path);
}

Status CheckCredentials(ConfigCheck& check) {
  BTR_RETURN_IF_ERROR(ReadTokenFile(check));
  const Config& c = check.config();
  const std::string& user_id = c.GetString("engines.qc_cloud.user_id");
  if (!std::all_of(user_id.begin(), user_id.end(),
                   [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return check.Error("engines.qc_cloud.user_id",
                       "expected the digits of a QuantConnect user id, got '" + user_id + "'");
  }
  if (!c.GetBool("engines.qc_cloud.enabled")) return Status::Ok();
  if (user_id.empty()) {
    return check.Error("engines.qc_cloud.enabled",
                       "qc_cloud needs engines.qc_cloud.user_id (BTR__ENGINES__QC_CLOUD__USER_ID)");
  }
  if (c.GetString(kToken).empty()) {
    return check.Error("engines.qc_cloud.enabled",
                       "qc_cloud needs an API token: set BTR__ENGINES__QC_CLOUD__TOKEN or "
                       "engines.qc_cloud.token_file");
  }
  return Status::Ok();
}

}  // namespace

EngineRegistration QcCloudRegistration() {
  using T = ConfigType;
  constexpr int64_t kWeekS = 7 * 24 * 3600;
  EngineRegistration r;
  r.name = "qc_cloud";
  r.config.engine = "qc_cloud";
  r.config.keys = {
      ConfigKey("engines.qc_cloud.enabled", T::kBool, "false", "route to QuantConnect Cloud"),
      ConfigKey("engines.qc_cloud.url", T::kUrl, "https://www.quantconnect.com/api/v2",
                "base URL of the QuantConnect API v2"),
      ConfigKey("engines.qc_cloud.user_id", T::kString, "", "QuantConnect user id (digits)")
          .MayBeEmpty(),
      ConfigKey("engines.qc_cloud.token", T::kString, "", "QuantConnect API token")
          .MayBeEmpty()
          .Secret(),
      ConfigKey("engines.qc_cloud.token_file", T::kString, "",
                "file holding the API token (instead of token)")
          .MayBeEmpty(),
      ConfigKey("engines.qc_cloud.organization_id", T::kString, "",
                "organization for new projects; empty = the user's default")
          .MayBeEmpty(),
      ConfigKey("engines.qc_cloud.concurrency", T::kInt, "1", "cloud backtests at once")
          .Range(1, 64),
      ConfigKey("engines.qc_cloud.timeout_s", T::kInt, "3600", "wall-clock limit of a run")
          .Range(1, kWeekS),
      ConfigKey("engines.qc_cloud.request_timeout_s", T::kInt, "30", "limit of one HTTP call")
          .Range(1, 600),
  };
  r.config.check = CheckCredentials;
  r.enable_hint = "with engines.qc_cloud.user_id and a token (engines.qc_cloud.token_file)";
  r.create = [](const EngineBuildContext& context) -> Result<EnginePtr> {
    // The section's check has verified user_id and resolved token_file into token.
    const Config& config = *context.config;
    QcCloudOptions cloud;
    cloud.client.url = config.GetString("engines.qc_cloud.url");
    cloud.client.credentials = {config.GetString("engines.qc_cloud.user_id"),
                                config.GetString(kToken)};
    cloud.client.organization_id = config.GetString("engines.qc_cloud.organization_id");
    cloud.client.request_timeout =
        std::chrono::seconds(config.GetInt("engines.qc_cloud.request_timeout_s"));
    cloud.run_timeout = std::chrono::seconds(config.GetInt("engines.qc_cloud.timeout_s"));
    cloud.max_bars = context.max_bars;
    return EnginePtr(std::make_unique<QcCloudEngine>(std::move(cloud)));
  };
  return r;
}

}  // namespace btr
