// The QuantConnect-compatible /api/v2 over real HTTP, driven as lean-cli drives it: signed
// requests (Basic user id + sha256(token:timestamp)), JSON writes, GET reads with a query
// string, the form-encoded projects/update, compile, backtest, poll, and the tenant walls.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "adapters/qc_cloud/qc_auth.h"
#include "router/http/percent_decode.h"
#include "services/auth/qc_keys.h"
#include "tests/router/integration/api_server.h"
#include "tests/router/integration/qc_client.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::NowSeconds;
using testing::QcClient;
using testing::WaitCompleted;

constexpr char kMain[] = "from AlgorithmImports import *\nclass A(QCAlgorithm):\n    pass\n";

TEST_CASE("qc api: signatures are QuantConnect's, checked against the key") {
  ApiServer server({{"server.qc_listen", "127.0.0.1:0", "test"}});
  REQUIRE(server.qc_port() != 0);
  QcClient qc(server, server.NewKey("alice"));
  CHECK(qc.Get("authenticate")["success"] == true);
  const std::string token = qc.credentials().token;
  json stale = qc.Signed("authenticate", NowSeconds() - 8000, token);
  CHECK(stale["success"] == false);
  CHECK(stale["errors"][0].get<std::string>().rfind("Hash doesn't match.", 0) == 0);
  json wrong = qc.Signed("authenticate", NowSeconds(), std::string(64, 'a'));
  CHECK(wrong["success"] == false);
  CHECK(qc.Signed("authenticate", NowSeconds() - 100, token)["success"] == true);
  HttpResponse unsigned_call = testing::Request(
      "GET", "http://127.0.0.1:" + std::to_string(server.qc_port()) + "/api/v2/projects/read", "",
      {});
  CHECK(unsigned_call.Json()["success"] == false);
}

TEST_CASE("qc api: push, compile, backtest and read as lean-cli does; the run is a /v1 job") {
  ApiServer server({{"server.qc_listen", "127.0.0.1:0", "test"}});
  const std::string alice = server.NewKey("alice");
  const std::string dataset = server.Upload(alice, testing::SharedData("GOOG.csv"), "goog");
  QcClient qc(server, alice);

  json created = qc.Post("projects/create",
                         {{"name", "My Project"}, {"language", "Py"}, {"organizationId", "x"}});
  REQUIRE(created["success"] == true);
  const json project = created["projects"][0];
  CHECK(project["name"] == "My Project");
  for (const char* field : {"projectId", "organizationId", "description", "modified", "created",
                            "language", "collaborators", "leanVersionId", "leanPinnedToMaster",
                            "leanEnvironment", "parameters", "libraries"}) {
    CHECK(project.contains(field));
  }
  const int64_t id = project["projectId"];
  const std::string pid = std::to_string(id);

  json updated = qc.PostForm("projects/update", {{"projectId", pid},
                                                 {"name", "My Project"},
                                                 {"files[0][name]", "main.py"},
                                                 {"files[0][content]", kMain},
                                                 {"parameters[0][key]", "strategy"},
                                                 {"parameters[0][value]", "sma_cross"},
                                                 {"parameters[1][key]", "dataset"},
                                                 {"parameters[1][value]", dataset},
                                                 {"parameters[2][key]", "fast"},
                                                 {"parameters[2][value]", "10"},
                                                 {"parameters[3][key]", "slow"},
                                                 {"parameters[3][value]", "30"},
                                                 {"encryptionKey", ""},
                                                 {"codeSourceId", "cli"}});
  REQUIRE(updated["success"] == true);
  json read = qc.Get("projects/read", "projectId=" + pid);
  REQUIRE(read["projects"].size() == 1);
  CHECK(read["projects"][0]["parameters"].size() == 4);
  json files = qc.Get("files/read", "projectId=" + pid);
  REQUIRE(files["files"].size() == 1);
  CHECK(files["files"][0]["name"] == "main.py");
  CHECK(files["files"][0]["content"] == kMain);

  json compile = qc.Post("compile/create", {{"projectId", id}});
  const std::string compile_id = compile["compileId"];
  CHECK(compile["state"] == "InQueue");
  json compiled = qc.Get("compile/read", "projectId=" + pid + "&compileId=" + compile_id);
  CHECK(compiled["state"] == "BuildSuccess");
  CHECK(!compiled["logs"].empty());

  json started = qc.Post("backtests/create", {{"projectId", id},
                                              {"compileId", compile_id},
                                              {"backtestName", "Swimming Red Fox"},
                                              {"requestSource", "CLI 0.0.0-dev"}});
  INFO(started.dump());
  REQUIRE(started["success"] == true);
  const std::string backtest_id = started["backtest"]["backtestId"];
  const json done = WaitCompleted(qc, id, backtest_id);
  CHECK(done["error"].is_null());
  CHECK(done["name"] == "Swimming Red Fox");
  REQUIRE(done["statistics"].is_object());
  REQUIRE(done["runtimeStatistics"].is_object());
  REQUIRE(done["totalPerformance"].is_object());
  CHECK(!done["totalPerformance"].empty());
  for (const auto& [k, v] : done["statistics"].items()) CHECK(v.is_string());

  // The same run through /v1: the job carries the project's spec; its canonical metrics are
  // those of a plain POST /v1/backtests of that spec.
  HttpResponse job = server.Call("GET", "/v1/backtests/" + backtest_id, alice);
  REQUIRE(job.code == 200);
  CHECK(job.Json()["status"] == "succeeded");
  const json expected = server.BacktestMetrics(
      alice, {{"engine", "native"},
              {"dataset", dataset},
              {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 30}}}}}});
  CHECK(done["btrouter"]["metrics"] == expected);
  const double total_return = expected["total_return"];
  char net[64];
  std::snprintf(net, sizeof net, "%.3f", total_return * 100);
  std::string net_text = net;
  while (net_text.find('.') != std::string::npos && net_text.back() == '0') net_text.pop_back();
  if (net_text.back() == '.') net_text.pop_back();
  CHECK(done["statistics"]["Net Profit"] == net_text + "%");
  // An order per entry and exit, and one per trade still open at the end.
  const json v1_result =
      server.Call("GET", "/v1/backtests/" + backtest_id + "/result", alice).Json();
  const size_t still_open = v1_result["open_trades"].size();
  CHECK(still_open == 1);
  const size_t fills = 2 * static_cast<size_t>(expected["num_trades"].get<double>()) + still_open;
  CHECK(done["statistics"]["Total Orders"] == std::to_string(fills));

  // The equity chart ends at the final equity; the orders are the trades' entries and exits.
  const std::string run = "projectId=" + pid + "&backtestId=" + backtest_id;
  json chart = qc.Get("backtests/chart/read", run + "&name=Strategy+Equity&count=50");
  INFO(chart.dump().substr(0, 300));
  REQUIRE(chart["success"] == true);
  const json& points = chart["chart"]["series"]["Equity"]["values"];
  REQUIRE(points.size() == 50);
  CHECK(points.back()[4].get<double>() == expected["equity_final"].get<double>());
  CHECK(points.front()[0].get<int64_t>() < points.back()[0].get<int64_t>());
  json drawdown = qc.Get("backtests/chart/read", run + "&name=Drawdown&count=100000");
  double deepest = 0;
  for (const json& p : drawdown["chart"]["series"]["Equity Drawdown"]["values"]) {
    deepest = std::min(deepest, p[1].get<double>());
  }
  CHECK(deepest == Approx(-100 * expected["max_drawdown"].get<double>()));
  json orders = qc.Get("backtests/orders/read", run + "&start=0&end=1000");
  REQUIRE(orders["success"] == true);
  CHECK(orders["length"] == fills);
  REQUIRE(orders["orders"].size() == fills);
  const json first_trade =
      server.Call("GET", "/v1/backtests/" + backtest_id + "/trades?limit=1", alice)
          .Json()["items"][0];
  CHECK(orders["orders"][0]["quantity"] == first_trade["size"]);
  CHECK(orders["orders"][0]["price"] == first_trade["entry_price"]);
  CHECK(qc.Get("backtests/orders/read", run + "&start=2&end=5")["orders"].size() == 3);

  json log = qc.Post(
      "backtests/read/log",
      {{"projectId", id}, {"backtestId", backtest_id}, {"start", 0}, {"end", 200}, {"query", ""}});
  REQUIRE(log["success"] == true);
  const size_t log_length = log["length"];
  CHECK(log_length > 0);
  CHECK(log["logs"].size() == std::min<size_t>(log_length, 200));
  HttpResponse v1_log =
      server.Call("GET", "/v1/backtests/" + backtest_id + "/logs?limit=1000", alice);
  REQUIRE(v1_log.code == 200);
  CHECK(v1_log.Json()["items"].size() == log_length);
  json submitted = qc.Post("backtests/read/log", {{"projectId", id},
                                                  {"backtestId", backtest_id},
                                                  {"start", 0},
                                                  {"end", 200},
                                                  {"query", "SUBMITTED"}});
  CHECK(!submitted["logs"].empty());
  CHECK(submitted["length"] < log_length);
  for (const json& line : submitted["logs"]) {
    CHECK(line.get<std::string>().find("submitted") != std::string::npos);
  }
  CHECK(qc.Post("backtests/read/log", {{"projectId", id},
                                       {"backtestId", backtest_id},
                                       {"start", 0},
                                       {"end", 500}})["success"] == false);

  json listed = qc.Get("backtests/list", "projectId=" + pid);
  REQUIRE(listed["backtests"].size() == 1);
  CHECK(listed["backtests"][0]["backtestId"] == backtest_id);
  CHECK(listed["backtests"][0]["note"].is_null());

  // backtests/update renames it and sets a note; reads and listings show them, the compile
  // stays valid (the project's source did not change).
  CHECK(qc.Post("backtests/update", {{"projectId", id},
                                     {"backtestId", backtest_id},
                                     {"name", "Renamed Fox"},
                                     {"note", "keep this one"}})["success"] == true);
  const json renamed = qc.Get("backtests/read", run)["backtest"];
  CHECK(renamed["name"] == "Renamed Fox");
  CHECK(renamed["note"] == "keep this one");
  CHECK(qc.Post("backtests/update",
                {{"projectId", id}, {"backtestId", backtest_id}, {"note", ""}})["success"] == true);
  const json relisted = qc.Get("backtests/list", "projectId=" + pid)["backtests"][0];
  CHECK(relisted["name"] == "Renamed Fox");  // a note alone leaves the name
  CHECK(relisted["note"].is_null());
  CHECK(qc.Post("backtests/update", {{"projectId", id}, {"backtestId", backtest_id}})["success"] ==
        false);
  CHECK(qc.Post("backtests/update",
                {{"projectId", id}, {"backtestId", "bt_nope"}, {"name", "x"}})["success"] == false);
  CHECK(qc.Get("compile/read", "projectId=" + pid + "&compileId=" + compile_id)["state"] ==
        "BuildSuccess");

  // A changed project invalidates the compile.
  CHECK(qc.Post("files/create",
                {{"projectId", id}, {"name", "util.py"}, {"content", "x = 1\n"}})["success"] ==
        true);
  json stale = qc.Post("backtests/create", {{"projectId", id}, {"compileId", compile_id}});
  CHECK(stale["success"] == false);
  CHECK(stale["errors"][0].get<std::string>().find("compileId") != std::string::npos);
  CHECK(qc.Post("files/update",
                {{"projectId", id}, {"name", "util.py"}, {"content", "x = 2\n"}})["success"] ==
        true);
  CHECK(qc.Get("files/read", "projectId=" + pid + "&name=util.py")["files"][0]["content"] ==
        "x = 2\n");
  CHECK(qc.Post("files/delete", {{"projectId", id}, {"name", "util.py"}})["success"] == true);
  CHECK(qc.Get("files/read", "projectId=" + pid)["files"].size() == 1);

  CHECK(qc.Get("live/read", "projectId=" + pid)["success"] == false);
  CHECK(qc.Post("backtests/delete", {{"projectId", id}, {"backtestId", backtest_id}})["success"] ==
        true);
  CHECK(qc.Get("backtests/read", "projectId=" + pid + "&backtestId=" + backtest_id)["success"] ==
        false);
}

TEST_CASE("qc api: an optimization is a btrouter sweep, read back as QuantConnect's") {
  ApiServer server({{"server.qc_listen", "127.0.0.1:0", "test"}});
  const std::string alice = server.NewKey("alice");
  const std::string dataset = server.Upload(alice, testing::SharedData("GOOG.csv"), "goog");
  QcClient qc(server, alice);
  const int64_t id =
      qc.Post("projects/create", {{"name", "Opt"}, {"language", "Py"}})["projects"][0]["projectId"];
  const std::string pid = std::to_string(id);
  REQUIRE(qc.PostForm("projects/update", {{"projectId", pid},
                                          {"files[0][name]", "main.py"},
                                          {"files[0][content]", kMain},
                                          {"parameters[0][key]", "strategy"},
                                          {"parameters[0][value]", "sma_cross"},
                                          {"parameters[1][key]", "dataset"},
                                          {"parameters[1][value]", dataset}})["success"] == true);
  const std::string compile_id = qc.Post("compile/create", {{"projectId", id}})["compileId"];
  // lean-cli's form: parameters[i][key|min|max|step], the target and its direction.
  const std::vector<std::pair<std::string, std::string>> form = {
      {"projectId", pid},
      {"compileId", compile_id},
      {"name", "Grid"},
      {"strategy", "QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy"},
      {"target", "TotalPerformance.PortfolioStatistics.SharpeRatio"},
      {"targetTo", "max"},
      {"targetValue", ""},
      {"nodeType", "O2-8"},
      {"parallelNodes", "1"},
      {"estimatedCost", "0.01"},
      {"parameters[0][key]", "fast"},
      {"parameters[0][min]", "5"},
      {"parameters[0][max]", "15"},
      {"parameters[0][step]", "5"},
      {"parameters[1][key]", "slow"},
      {"parameters[1][min]", "20"},
      {"parameters[1][max]", "40"},
      {"parameters[1][step]", "10"}};
  CHECK(qc.PostForm("optimizations/estimate", form)["estimate"].contains("estimateId"));
  json created = qc.PostForm("optimizations/create", form);
  INFO(created.dump().substr(0, 400));
  REQUIRE(created["success"] == true);
  const std::string opt = created["optimizations"][0]["optimizationId"];
  json read;
  for (int k = 0; k < 400; ++k) {
    read = qc.Post("optimizations/read", {{"optimizationId", opt}})["optimization"];
    const std::string status = read["status"];
    if (status != "new" && status != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(read["status"] == "completed");
  CHECK(read["runtimeStatistics"]["Total"] == "9");
  CHECK(read["runtimeStatistics"]["Completed"] == "9");
  REQUIRE(!read["backtests"].empty());

  // The same sweep through /v1: its best is the trial lean-cli would pick (statistics[15] is
  // the Sharpe ratio).
  const json report = server.Call("GET", "/v1/optimizations/" + opt + "/report", alice).Json();
  REQUIRE(report.contains("best"));
  double best_sharpe = -1e300;
  json best_set;
  for (const auto& [bid, b] : read["backtests"].items()) {
    CHECK(b["statistics"].size() == 25);
    if (b["statistics"][15].get<double>() > best_sharpe) {
      best_sharpe = b["statistics"][15].get<double>();
      best_set = b["parameterSet"];
    }
  }
  CHECK(best_sharpe == report["best"]["metrics"]["sharpe_ratio"].get<double>());
  CHECK(best_set["fast"] == report["best"]["params"]["fast"].dump());
  CHECK(best_set["slow"] == report["best"]["params"]["slow"].dump());

  // lean-cli then reads the best trial as a backtest.
  const std::string best_id = opt + "-" + std::to_string(report["best"]["point"].get<int64_t>());
  const json best = qc.Get("backtests/read", "projectId=" + pid + "&backtestId=" + best_id);
  REQUIRE(best["success"] == true);
  CHECK(best["backtest"]["completed"] == true);
  CHECK(best["backtest"]["btrouter"]["metrics"] == report["best"]["metrics"]);
  CHECK(best["backtest"]["statistics"]["Sharpe Ratio"].is_string());
  CHECK(qc.Get("backtests/read", "projectId=" + pid + "&backtestId=" + opt + "-99999")["success"] ==
        false);

  CHECK(qc.Post("optimizations/update",
                {{"optimizationId", opt}, {"name", "Wider grid"}})["success"] == true);
  CHECK(qc.Post("optimizations/read", {{"optimizationId", opt}})["optimization"]["name"] ==
        "Wider grid");
  CHECK(qc.Post("optimizations/update", {{"optimizationId", opt}})["success"] == false);
  json listed = qc.Get("optimizations/list", "projectId=" + pid);
  REQUIRE(listed["optimizations"].size() == 1);
  CHECK(listed["optimizations"][0]["optimizationId"] == opt);
  CHECK(listed["optimizations"][0]["name"] == "Wider grid");
  CHECK(qc.Get("backtests/list", "projectId=" + pid)["backtests"].empty());
  auto unsupported = form;
  for (auto& [field, value] : unsupported) {
    if (field == "target") value = "TotalPerformance.PortfolioStatistics.ProbabilisticSharpeRatio";
  }
  const json refused = qc.PostForm("optimizations/create", unsupported);
  CHECK(refused["success"] == false);
  CHECK(refused["errors"][0].get<std::string>().find("target") != std::string::npos);
  CHECK(qc.Post("optimizations/delete", {{"optimizationId", opt}})["success"] == true);
  CHECK(qc.Post("optimizations/read", {{"optimizationId", opt}})["success"] == false);
}

TEST_CASE("qc api: malformed calls get QuantConnect errors naming the field, never a crash") {
  ApiServer server({{"server.qc_listen", "127.0.0.1:0", "test"}});
  const std::string key = server.NewKey("alice");
  QcClient qc(server, key);
  const std::string base = "http://127.0.0.1:" + std::to_string(server.qc_port()) + "/api/v2/";
  Result<QcKeyCredentials> creds = QcCredentialsForKey(key);
  REQUIRE(creds.ok());
  auto signed_call = [&](const std::string& path, const std::string& body,
                         const std::string& type) {
    const qc::SignedHeaders h = qc::SignAt({creds->user_id, creds->api_token}, NowSeconds());
    return testing::Request("POST", base + path, body,
                            {"Authorization: " + h.authorization, "Timestamp: " + h.timestamp,
                             "Content-Type: " + type});
  };
  for (const std::string& body : {std::string("{"), std::string("[1,2]"), std::string("\"x\"")}) {
    HttpResponse r = signed_call("projects/create", body, "application/json");
    CHECK(r.code == 200);
    CHECK(r.Json()["success"] == false);
    CHECK(r.Json()["errors"][0].get<std::string>().find("body") != std::string::npos);
  }
  json bad_id = qc.Get("projects/read", "projectId=abc");
  CHECK(bad_id["success"] == false);
  CHECK(bad_id["errors"][0].get<std::string>().find("projectId") != std::string::npos);
  CHECK(qc.Post("projects/create", {{"language", "Py"}})["errors"][0].get<std::string>().find(
            "name") != std::string::npos);
  CHECK(qc.Post("projects/create", {{"name", "x"}, {"language", "Java"}})["success"] == false);
  // Odd form keys are ignored or refused, not misread.
  HttpResponse form =
      signed_call("projects/update", "projectId=1&files%5Bx%5D%5Bname%5D=a&files%5B0%5D=&%3D%3D&&=",
                  "application/x-www-form-urlencoded");
  CHECK(form.code == 200);
  CHECK(form.Json()["success"] == false);  // no project 1 for alice
  HttpResponse unknown = signed_call("no/such/endpoint", "{}", "application/json");
  CHECK(unknown.code == 404);
  const json created = qc.Post("projects/create", {{"name", "P"}});
  const int64_t id = created["projects"][0]["projectId"];
  json no_name = qc.PostForm("projects/update",
                             {{"projectId", std::to_string(id)}, {"files[0][content]", "x"}});
  CHECK(no_name["success"] == false);
  CHECK(no_name["errors"][0].get<std::string>().find("files") != std::string::npos);
  CHECK(qc.Get("backtests/read",
               "projectId=" + std::to_string(id) + "&backtestId=nope")["success"] == false);
  CHECK(qc.Post("optimizations/read", {{"optimizationId", "nope"}})["success"] == false);
  CHECK(qc.Get("backtests/chart/read",
               "projectId=" + std::to_string(id) + "&backtestId=x")["success"] == false);
}

TEST_CASE("qc api: a tenant sees only its own projects and backtests") {
  ApiServer server({{"server.qc_listen", "127.0.0.1:0", "test"}});
  QcClient alice(server, server.NewKey("alice"));
  QcClient bob(server, server.NewKey("bob"));
  const json created = alice.Post("projects/create", {{"name", "Secret"}, {"language", "Py"}});
  const int64_t id = created["projects"][0]["projectId"];
  const std::string pid = std::to_string(id);
  CHECK(bob.Get("projects/read")["projects"].empty());
  CHECK(bob.Get("projects/read", "projectId=" + pid)["success"] == false);
  CHECK(bob.Post("projects/delete", {{"projectId", id}})["success"] == false);
  CHECK(bob.Post("files/create", {{"projectId", id}, {"name", "x.py"}})["success"] == false);
  // The same name is free for bob; taken for alice.
  CHECK(bob.Post("projects/create", {{"name", "Secret"}})["success"] == true);
  const json again = alice.Post("projects/create", {{"name", "Secret"}});
  CHECK(again["success"] == false);
  CHECK(again["errors"][0].get<std::string>().find("name") != std::string::npos);
  CHECK(alice.Get("projects/read")["projects"].size() == 1);
  // A project without a strategy parameter says what btrouter needs.
  json compile = alice.Post("compile/create", {{"projectId", id}});
  json build = alice.Get(
      "compile/read", "projectId=" + pid + "&compileId=" + compile["compileId"].get<std::string>());
  CHECK(build["state"] == "BuildError");  // no main.py yet
  CHECK(alice.Post("files/create",
                   {{"projectId", id}, {"name", "main.py"}, {"content", kMain}})["success"] ==
        true);
  compile = alice.Post("compile/create", {{"projectId", id}});
  const json refused =
      alice.Post("backtests/create", {{"projectId", id}, {"compileId", compile["compileId"]}});
  CHECK(refused["success"] == false);
  CHECK(refused["errors"][0].get<std::string>().find("strategy") != std::string::npos);
  CHECK(alice.Post("projects/delete", {{"projectId", id}})["success"] == true);
  CHECK(alice.Get("projects/read", "projectId=" + pid)["success"] == false);
}

}  // namespace
}  // namespace btr
