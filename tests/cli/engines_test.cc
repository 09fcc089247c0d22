// `btrouter engines` against a real `btrouter serve`: the health table and JSON, and the admin
// actions (admin key only), as an operator runs them.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/cli/run_binary.h"
#include "tests/router/integration/http_client.h"
#include "tests/router/integration/serve_process.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::Outcome;
using testing::Run;
using testing::ServeProcess;
using testing::TempDir;

const std::vector<std::string> kCleanEnv = {"-u", "BTR_URL", "-u", "BTR_API_KEY"};

TEST_CASE("engines lists health; drain, resume, disable, enable need an admin key",
          "[cli][engines]") {
  TempDir tmp, data_dir;
  ServeProcess server(data_dir.path(), tmp.Path("serve.log"));
  const std::string admin = server.admin_key();
  REQUIRE(!admin.empty());
  auto as = [&](const std::string& key, std::vector<std::string> args) {
    args.insert(args.end(), {"--url", server.Url(), "--key", key});
    return Run(args, tmp, kCleanEnv);
  };
  const testing::HttpResponse created =
      testing::Request("POST", server.Url("/v1/keys"), json{{"tenant", "acme"}}.dump(),
                       {"Authorization: Bearer " + admin});
  REQUIRE(created.code == 201);
  const std::string user = created.Json()["key"];

  const Outcome table = as(user, {"engines"});
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("name           state     circuit   last probe", 0) == 0);
  CHECK(table.out.find("\nnative         healthy   closed    ok ") != std::string::npos);
  // Latencies in a unit that fits (an in-process probe takes microseconds): never "0.0 ms".
  const size_t probe = table.out.find(" ok ");
  REQUIRE(probe != std::string::npos);
  const std::string latency =
      table.out.substr(probe + 4, table.out.find("  ", probe + 4) - probe - 4);
  INFO(latency);
  CHECK(std::regex_match(latency, std::regex("< 1 µs|[0-9]{1,3} µs|[1-9][0-9.]* ms")));
  const Outcome as_json = as(user, {"engines", "--format", "json"});
  REQUIRE(as_json.exit_code == 0);
  const json list = json::parse(as_json.out);
  REQUIRE(list.is_array());
  CHECK(list[0]["name"] == "native");
  CHECK(list[0]["state"] == "healthy");

  const Outcome forbidden = as(user, {"engines", "drain", "native"});
  CHECK(forbidden.exit_code == 2);
  CHECK(forbidden.err.find("(HTTP 403)") != std::string::npos);

  const Outcome uploaded = as(user, {"upload", testing::SharedData("GOOG.csv")});
  REQUIRE(uploaded.exit_code == 0);
  const std::string dataset = uploaded.out.substr(0, uploaded.out.find('\n'));
  const Outcome drained = as(admin, {"engines", "drain", "native"});
  INFO(drained.err);
  CHECK(drained.exit_code == 0);
  CHECK(drained.out == "native: draining (draining by an admin: 0 running, no new runs)\n");
  CHECK(as(user, {"engines"}).out.find("\n    draining by an admin") != std::string::npos);
  // A submit to the drained engine fails fast (503: exit 1) naming the engine and its state.
  const Outcome refused = as(user, {"submit", "--dataset", dataset, "--strategy", "sma_cross"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("native is draining") != std::string::npos);
  CHECK(refused.err.find("(HTTP 503)") != std::string::npos);
  const Outcome wrong = as(admin, {"engines", "enable", "native"});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("use resume") != std::string::npos);
  CHECK(as(admin, {"engines", "resume", "native"}).out == "native: healthy\n");
  CHECK(as(admin, {"engines", "disable", "native"}).out ==
        "native: disabled (disabled by an "
        "admin)\n");
  const Outcome enabled = as(admin, {"engines", "enable", "native", "--format", "json"});
  REQUIRE(enabled.exit_code == 0);
  CHECK(json::parse(enabled.out)["state"] == "healthy");

  const Outcome bad_action = as(admin, {"engines", "reboot", "native"});
  CHECK(bad_action.exit_code == 2);
  CHECK(bad_action.err ==
        "btrouter engines: ACTION: expected drain, resume, disable or enable, got 'reboot'\n");
  CHECK(as(admin, {"engines", "drain"}).err ==
        "btrouter engines: NAME: required (an engine "
        "name)\n");
  const Outcome unknown = as(admin, {"engines", "drain", "warp"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("no engine 'warp'") != std::string::npos);
}

}  // namespace
}  // namespace btr
