// `btrouter keys create|list|revoke` on a data directory, as an operator runs them.
#include <catch2/catch.hpp>
#include <regex>

#include "tests/cli/run_binary.h"

namespace btr {
namespace {

using testing::Outcome;
using testing::Run;
using testing::TempDir;

TEST_CASE("keys create prints the key alone; list shows it; revoke marks it") {
  TempDir tmp;
  const std::string data = tmp.Path("data");
  const Outcome created = Run({"keys", "create", "--tenant", "alice", "--data-dir", data}, tmp);
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  CHECK(std::regex_match(created.out, std::regex("btr_[0-9a-f]{12}_[0-9a-f]{40}\n")));
  const std::string id = created.out.substr(4, 12);
  const Outcome admin =
      Run({"keys", "create", "--tenant", "ops", "--role", "admin", "--data-dir", data}, tmp);
  REQUIRE(admin.exit_code == 0);
  const Outcome listed = Run({"keys", "list", "--data-dir", data}, tmp);
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out.find(id) != std::string::npos);
  CHECK(listed.out.find("alice") != std::string::npos);
  CHECK(listed.out.find("admin") != std::string::npos);
  CHECK(listed.out.find("revoked") == std::string::npos);
  REQUIRE(Run({"keys", "revoke", id, "--data-dir", data}, tmp).exit_code == 0);
  CHECK(Run({"keys", "list", "--data-dir", data}, tmp).out.find("revoked") != std::string::npos);
  const Outcome bad_role =
      Run({"keys", "create", "--tenant", "x", "--role", "root", "--data-dir", data}, tmp);
  CHECK(bad_role.exit_code == 2);
  CHECK(bad_role.err.find("--role") != std::string::npos);
  const Outcome no_tenant = Run({"keys", "create", "--data-dir", data}, tmp);
  CHECK(no_tenant.exit_code == 2);
  CHECK(no_tenant.err.find("--tenant") != std::string::npos);
  CHECK(Run({"keys", "revoke", "000000000000", "--data-dir", data}, tmp).exit_code != 0);
}

}  // namespace
}  // namespace btr
