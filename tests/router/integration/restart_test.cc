// `kill -9` of a real `btrouter serve` process with jobs queued and running: after a restart on
// the same data directory every accepted job finishes exactly once.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/router/integration/http_client.h"
#include "tests/router/integration/serve_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::HttpResponse;
using testing::ReadFile;
using testing::Request;
using testing::ServeProcess;

TEST_CASE("kill -9 with jobs queued and running loses nothing", "[api][restart]") {
  testing::TempDir dir;
  std::string key;
  std::vector<std::string> ids;
  {
    ServeProcess server(dir.path());
    key = server.admin_key();
    REQUIRE(!key.empty());
    const std::vector<std::string> auth = {"Authorization: Bearer " + key};
    HttpResponse upload = Request("POST", server.Url("/v1/datasets?name=eurusd"),
                                  ReadFile(testing::SharedData("EURUSD.csv")), auth);
    REQUIRE(upload.code == 201);
    const std::string dataset = upload.Json()["id"];
    for (int k = 0; k < 40; ++k) {
      const json spec = {{"strategy", {{"name", k % 2 == 0 ? "sma_cross" : "rsi_reversion"}}},
                         {"dataset", dataset},
                         {"cash", 10000 + k}};
      HttpResponse r = Request("POST", server.Url("/v1/backtests"), spec.dump(), auth);
      REQUIRE(r.code == 202);
      ids.push_back(r.Json()["id"]);
    }
    server.Kill(SIGKILL);  // mid-flight: some jobs queued, some running, some done
  }
  ServeProcess restarted(dir.path());
  CHECK(restarted.admin_key().empty());  // the first start's key is kept, not re-issued
  const std::vector<std::string> auth = {"Authorization: Bearer " + key};
  std::map<int, size_t> trades_by_parity;
  for (size_t k = 0; k < ids.size(); ++k) {
    json job;
    for (int attempt = 0; attempt < 100; ++attempt) {
      job = Request("GET", restarted.Url("/v1/backtests/" + ids[k] + "?wait=5"), "", auth).Json();
      if (job["status"] != "queued" && job["status"] != "running") break;
    }
    INFO(job.dump());
    REQUIRE(job["status"] == "succeeded");
    HttpResponse result =
        Request("GET", restarted.Url("/v1/backtests/" + ids[k] + "/result"), "", auth);
    REQUIRE(result.code == 200);
    const size_t trades = result.Json()["trades"].size();
    // Same strategy and data: the same trades, whether the job ran before or after the crash.
    auto [it, inserted] = trades_by_parity.emplace(static_cast<int>(k % 2), trades);
    if (!inserted) CHECK(it->second == trades);
  }
  HttpResponse list = Request("GET", restarted.Url("/v1/backtests?limit=100"), "", auth);
  CHECK(list.Json()["items"].size() == ids.size());
}

}  // namespace
}  // namespace btr
