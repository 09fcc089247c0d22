// GET /v1/whoami over real HTTP: the calling key's tenant, role and id.
#include <catch2/catch.hpp>

#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;

TEST_CASE("whoami: a user key and an admin key see themselves; no key is a 401", "[api][whoami]") {
  ApiServer server;
  HttpResponse created = server.Call("POST", "/v1/keys", server.admin(),
                                     json{{"tenant", "alice"}, {"role", "user"}}.dump());
  REQUIRE(created.code == 201);
  const std::string user_key = created.Json()["key"];
  const std::string user_id = created.Json()["id"];

  HttpResponse user = server.Call("GET", "/v1/whoami", user_key);
  REQUIRE(user.code == 200);
  CHECK(user.Json() == json{{"tenant", "alice"}, {"role", "user"}, {"key_id", user_id}});

  HttpResponse admin = server.Call("GET", "/v1/whoami", server.admin());
  REQUIRE(admin.code == 200);
  CHECK(admin.Json()["role"] == "admin");
  CHECK(admin.Json()["tenant"] == "admin");
  // The admin key's id is listed by GET /v1/keys, and differs from the user's.
  const std::string admin_id = admin.Json()["key_id"];
  CHECK(admin_id != user_id);
  bool listed = false;
  const json keys = server.Call("GET", "/v1/keys", server.admin()).Json();
  for (const json& k : keys["items"]) {
    if (k["id"] == admin_id) listed = k["role"] == "admin";
  }
  CHECK(listed);

  HttpResponse none = server.Call("GET", "/v1/whoami", "");
  CHECK(none.code == 401);
  CHECK(none.headers["www-authenticate"] == "Bearer");
  CHECK(server.Call("GET", "/v1/whoami", "btr_nope_nope").code == 401);
  // A revoked key is nobody.
  REQUIRE(server.Call("DELETE", "/v1/keys/" + user_id, server.admin()).code == 204);
  CHECK(server.Call("GET", "/v1/whoami", user_key).code == 401);
}

}  // namespace
}  // namespace btr
