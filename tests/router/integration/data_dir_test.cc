// The server's data folder is private like its admin key: the folder itself, the database with
// its -wal and -shm files, the uploaded datasets and the bar cache are the server user's alone
// (folders 0700, files 0600), whatever the umask of the process that started it.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::PermissionBits;

TEST_CASE("data dir with database, datasets and cache: 0700 folders of 0600 files", "[api]") {
  testing::ScopedUmask open_umask(0);  // the worst case: nothing taken away by the umask
  testing::TempDir parent;
  const std::string data_dir = parent.Path("data");
  ApiServer server({{"server.data_dir", data_dir, "test"}});
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  HttpResponse submitted = server.Call(
      "POST", "/v1/backtests", key,
      json{{"engine", "native"}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}}
          .dump());
  REQUIRE(submitted.code == 202);
  REQUIRE(server.WaitDone(key, submitted.Json()["id"])["status"] == "succeeded");

  CHECK(PermissionBits(data_dir) == 0700);
  CHECK(PermissionBits(data_dir + "/admin.key") == 0600);
  for (const char* name : {"btrouter.db", "btrouter.db-wal", "btrouter.db-shm"}) {
    INFO(name);
    CHECK(PermissionBits(data_dir + "/" + name) == 0600);
  }
  for (const char* folder : {"datasets", "cache"}) {
    INFO(folder);
    const std::string path = data_dir + "/" + folder;
    CHECK(PermissionBits(path) == 0700);
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      INFO(entry.path());
      CHECK(PermissionBits(entry.path().string()) == 0600);
      ++files;
    }
    CHECK(files >= 1);
  }
}

}  // namespace
}  // namespace btr
