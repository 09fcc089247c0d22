// Engine comparisons through the REST API (POST/GET /v1/comparisons, the report in JSON, CSV and
// HTML): native against native with trade_on_close (a known difference, explained as fill
// timing), native against the Backtesting.py fake (agreement within 1e-9) and the LEAN fakes,
// engines that fail mid-comparison while the others complete, and the HTML page opened in
// headless Chromium.
#include <signal.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "engines/data/bar_cache.h"
#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"
#include "tests/router/integration/headless_chromium.h"
#include "tests/router/integration/serve_process.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ServiceProcess;

std::vector<ConfigOverride> Backtestingpy(const ServiceProcess& fake, int timeout_s = 60) {
  return {{"engines.backtestingpy.enabled", "true", "test"},
          {"engines.backtestingpy.url", fake.Url(), "test"},
          {"engines.backtestingpy.timeout_s", std::to_string(timeout_s), "test"},
          {"engines.backtestingpy.request_timeout_s", "5", "test"}};
}

std::vector<ConfigOverride> LeanLocal(const testing::TempDir& tmp) {
  namespace fs = std::filesystem;
  const fs::path root = tmp.Path("lean-data");
  fs::create_directories(root / "market-hours");
  fs::create_directories(root / "symbol-properties");
  std::ofstream(root / "market-hours/market-hours-database.json") << "{}\n";
  std::ofstream(root / "symbol-properties/symbol-properties-database.csv") << "market,symbol\n";
  return {{"engines.lean_local.enabled", "true", "test"},
          {"engines.lean_local.command",
           testing::Python() + " -B " + BTR_SOURCE_DIR + "/tests/fakes/fake_lean.py --btrouter " +
               BTR_BINARY + " --config {config}",
           "test"},
          {"engines.lean_local.lean_data_dir", root.string(), "test"},
          {"engines.lean_local.timeout_s", "120", "test"}};
}

constexpr char kQcUser[] = "4242";
constexpr char kQcToken[] = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed";

ServiceProcess StartQcFake() {
  return ServiceProcess(testing::QcFakeArgv({"--user-id", kQcUser, "--token", kQcToken}),
                        testing::QcFakeEnv());
}

std::vector<ConfigOverride> QcCloud(const ServiceProcess& qc) {
  return {{"engines.qc_cloud.enabled", "true", "test"},
          {"engines.qc_cloud.url", qc.Url("/api/v2"), "test"},
          {"engines.qc_cloud.user_id", kQcUser, "test"},
          {"engines.qc_cloud.token", kQcToken, "test"},
          {"engines.qc_cloud.timeout_s", "120", "test"}};
}

std::vector<ConfigOverride> Join(std::vector<ConfigOverride> a,
                                 const std::vector<ConfigOverride>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

json Body(const std::string& dataset, const json& engines) {
  return {{"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}, {"engines", engines}};
}

// Creates the comparison and long-polls it until it is no longer running.
json RunComparison(ApiServer& server, const std::string& key, const json& body) {
  HttpResponse created = server.Call("POST", "/v1/comparisons", key, body.dump());
  INFO(created.body);
  REQUIRE(created.code == 202);
  const std::string id = created.Json()["id"];
  CHECK(created.headers["location"] == "/v1/comparisons/" + id);
  for (int k = 0; k < 120; ++k) {
    HttpResponse r = server.Call("GET", "/v1/comparisons/" + id + "?wait=5", key);
    REQUIRE(r.code == 200);
    const json view = r.Json();
    if (view["status"] != "running") return view;
  }
  FAIL("comparison did not finish");
  return {};
}

const json& RunOf(const json& report, const std::string& label) {
  for (const json& run : report["runs"]) {
    if (run["label"] == label) return run;
  }
  FAIL("no run " << label);
  static const json none;
  return none;
}

const json& PairOf(const json& report, const std::string& b) {
  for (const json& pair : report["pairs"]) {
    if (pair["b"] == b) return pair;
  }
  FAIL("no pair for " << b);
  static const json none;
  return none;
}

json ExplanationOf(const json& pair, const std::string& cause) {
  for (const json& e : pair["explanations"]) {
    if (e["cause"] == cause) return e;
  }
  return nullptr;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("native against native with trade_on_close: a fill-timing difference, explained",
          "[api][compare]") {
  ApiServer server;
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const json view = RunComparison(
      server, key,
      Body(dataset, {"native", {{"engine", "native"}, {"overrides", {{"trade_on_close", true}}}}}));
  INFO(view.dump().substr(0, 2000));
  REQUIRE(view["status"] == "succeeded");
  const json& report = view["report"];
  REQUIRE(view["runs"].size() == 2);
  for (const json& run : view["runs"]) {
    CHECK(run["status"] == "succeeded");
    CHECK(run["engine_used"] == "native");
  }
  const std::string toc = "native[trade_on_close=true]";
  // Inputs recorded: the resolved spec (no other engine to fall back to), data, versions.
  const json& toc_run = RunOf(report, toc);
  CHECK(toc_run["spec"]["trade_on_close"] == true);
  CHECK(toc_run["spec"]["fallback"] == json::array({"native"}));
  CHECK(toc_run["dataset"]["sha256"].get<std::string>().size() == 64);
  CHECK(toc_run["dataset"]["bars"] == 2148);
  CHECK(!toc_run["engine_version"].get<std::string>().empty());

  const json& pair = PairOf(report, toc);
  const json timing = ExplanationOf(pair, "fill_timing");
  REQUIRE(timing.is_object());
  const std::string text = timing["text"];
  INFO(text);
  CHECK(Contains(text, "enters 1 bar earlier than native in 94/94 paired trades"));
  CHECK(Contains(text, "native fills entries at the entry bar's open in 94/94 trades"));
  CHECK(Contains(text, "at the entry bar's close in 94/94 (trade_on_close-like"));
  CHECK(Contains(ExplanationOf(pair, "settings")["text"].get<std::string>(),
                 "trade_on_close = true (native: false)"));
  // The paired trades' deltas are what fill timing predicts, bar by bar: native fills at the
  // entry bar's open, trade_on_close at the previous bar's close.
  Result<LoadedBars> goog = LoadBars(testing::SharedData("GOOG.csv"));
  REQUIRE(goog.ok());
  const BarSeries& bars = goog->bars;
  REQUIRE(pair["trades"]["rows"].size() == 94);
  for (const json& row : pair["trades"]["rows"]) {
    const auto bar = row["a"]["entry_bar"].get<size_t>();
    CHECK(row["delta"]["entry_bar"] == -1);
    CHECK(row["a"]["entry_price"].get<double>() == bars.open[bar]);
    CHECK(row["b"]["entry_price"].get<double>() == bars.close[bar - 1]);
    CHECK(row["delta"]["entry_price"].get<double>() ==
          row["b"]["entry_price"].get<double>() - row["a"]["entry_price"].get<double>());
  }
  CHECK(pair["first_divergence"]["bar"] == pair["trades"]["rows"][0]["b"]["entry_bar"]);
  // Every number traces to a run: the report's canonical values are the backtests' own.
  for (const json& run : report["runs"]) {
    const json result =
        server
            .Call("GET", "/v1/backtests/" + run["backtest_id"].get<std::string>() + "/result", key)
            .Json();
    for (const json& row : report["metrics"]) {
      for (const json& v : row["values"]) {
        if (v["run"] == run["label"])
          CHECK(v["canonical"] == result["metrics"][row["key"].get<std::string>()]);
      }
    }
  }
  // The report alone, and its CSV tables.
  HttpResponse alone =
      server.Call("GET", "/v1/comparisons/" + view["id"].get<std::string>() + "/report.json", key);
  CHECK(alone.code == 200);
  CHECK(alone.Json() == report);
  HttpResponse csv = server.Call(
      "GET", "/v1/comparisons/" + view["id"].get<std::string>() + "/report.csv?table=trades", key);
  CHECK(csv.code == 200);
  CHECK(csv.headers["content-type"].rfind("text/csv", 0) == 0);
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 1 + 94);
}

TEST_CASE("native against the Backtesting.py fake agrees within 1e-9; the LEAN fakes too",
          "[api][compare]") {
  testing::TempDir tmp;
  ServiceProcess fake(testing::BacktestingPyFakeArgv());
  ServiceProcess qc = StartQcFake();
  ApiServer server(Join(Join(Backtestingpy(fake), LeanLocal(tmp)), QcCloud(qc)));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const json view = RunComparison(
      server, key, Body(dataset, {"native", "backtestingpy", "lean_local", "qc_cloud"}));
  INFO(view.dump().substr(0, 3000));
  REQUIRE(view["status"] == "succeeded");
  const json& report = view["report"];
  CHECK(report["baseline"] == "native");
  CHECK(RunOf(report, "backtestingpy")["engine_version"].get<std::string>().rfind(
            "backtesting 0.6.6", 0) == 0);
  CHECK(Contains(RunOf(report, "lean_local")["engine_version"].get<std::string>(), "LEAN"));

  const json& bt = PairOf(report, "backtestingpy");
  CHECK(bt["verdicts"]["differ"] == 0);
  CHECK(bt["trades"]["paired"] == 94);
  CHECK(bt["trades"]["identical"] == 94);
  CHECK(bt["first_divergence"].is_null());
  CHECK(bt["equity"]["bars_differing"] == 0);
  CHECK(Contains(bt["explanations"][0]["text"], "backtestingpy vs native agree"));
  for (const json& row : report["metrics"]) {
    for (const json& v : row["values"]) {
      INFO(row["key"] << " " << v["run"]);
      if (v.contains("vs_baseline") && v["run"] != "qc_cloud") {
        CHECK(v["vs_baseline"]["verdict"] == "agree");
      }
      // The library's own numbers equal btrouter's where it reports them.
      if (v["run"] == "backtestingpy" && v.contains("engine_verdict")) {
        CHECK(v["engine_verdict"] != "differ");
      }
    }
  }
  // LEAN (both fakes compute with btrouter's engine, in LEAN's shapes): the same closed trades,
  // and the trade native still holds at the end is the position LEAN's filled orders leave open.
  for (const std::string engine : {"lean_local", "qc_cloud"}) {
    INFO(engine);
    const json& lean = PairOf(report, engine);
    CHECK(lean["trades"]["paired"] == 94);
    CHECK(lean["trades"]["identical"] == 94);  // time stamps within a bar aside
    CHECK(lean["trades"]["only_a"] == 0);
    CHECK(lean["trades"]["only_b"] == 0);
    // Whatever differs is accounted for by a measured cause: here only a different warm-up
    // (the bar buy & hold starts from) can move canonical metrics, since the trades and the
    // equity are the same.
    CHECK(lean["equity"]["bars_differing"] == 0);
    if (lean["verdicts"]["differ"] != 0) {
      const json warmup = ExplanationOf(lean, "warmup");
      REQUIRE(warmup.is_object());
      for (const json& d : lean["largest"]) {
        CHECK((d["key"] == "buy_hold_return" || d["key"] == "alpha"));
        CHECK(Contains(warmup["text"], d["key"].get<std::string>()));
      }
    }
  }
  CHECK(PairOf(report, "lean_local")["verdicts"]["differ"] == 0);
  // LEAN's own numbers: lean_local's mapped ones agree within the rounded tolerance; Sharpe is
  // not comparable and says why; any own number that differs quotes the engine's convention.
  for (const json& row : report["metrics"]) {
    for (const json& v : row["values"]) {
      if ((v["run"] != "lean_local" && v["run"] != "qc_cloud") || !v.contains("engine_verdict")) {
        continue;
      }
      INFO(row["key"] << " " << v["run"]);
      if (v["run"] == "lean_local") CHECK(v["engine_verdict"] != "differ");
      if (v["engine_verdict"] == "differ") CHECK(v["engine_note"].is_string());
      if (row["key"] == "sharpe_ratio") {
        CHECK(v["engine_verdict"] == "not_comparable");
        CHECK(Contains(v["engine_note"], "Not mapped"));
      }
    }
  }
}

TEST_CASE("engines that fail mid-comparison show as failed; the others complete",
          "[api][compare]") {
  ServiceProcess fake(testing::BacktestingPyFakeArgv());
  // A configured fallback chain must not apply: a comparison never substitutes an engine.
  ApiServer server(Join(Backtestingpy(fake, 2), {{"engines.fallback", "native", "test"}}));
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const json engines = {
      "native", "backtestingpy", {{"engine", "native"}, {"overrides", {{"trade_on_close", true}}}}};

  // Accepted, then never finishing: the run fails at the engine's time limit.
  REQUIRE(testing::Request("POST", fake.Url("/_fault"), json{{"mode", "never_finish"}}.dump(), {})
              .code == 200);
  HttpResponse created = server.Call("POST", "/v1/comparisons", key, Body(dataset, engines).dump());
  REQUIRE(created.code == 202);
  const std::string id = created.Json()["id"];
  // While a run is still going there is no report yet.
  CHECK(server.Call("GET", "/v1/comparisons/" + id + "/report.html", key).code == 409);
  json view;
  for (int k = 0; k < 60; ++k) {
    view = server.Call("GET", "/v1/comparisons/" + id + "?wait=5", key).Json();
    if (view["status"] != "running") break;
  }
  INFO(view.dump().substr(0, 3000));
  REQUIRE(view["status"] == "succeeded");
  CHECK(view["runs"][0]["status"] == "succeeded");
  CHECK(view["runs"][2]["status"] == "succeeded");
  CHECK(view["runs"][1]["status"] == "failed");
  CHECK(view["runs"][1]["error"]["code"] == "deadline_exceeded");
  CHECK(view["runs"][1]["engine_used"] == "backtestingpy");
  const json& report = view["report"];
  CHECK(report["pairs"].size() == 1);
  CHECK(report["curves"]["series"].size() == 2);
  bool named = false;
  for (const json& e : report["explanations"]) {
    if (e["cause"] == "failed" && e["run"] == "backtestingpy") {
      named = Contains(e["text"], "deadline_exceeded");
    }
  }
  CHECK(named);

  // Refused by the service (HTTP 500): failed with the reason, not run on native instead.
  REQUIRE(
      testing::Request("POST", fake.Url("/_fault"), json{{"mode", "error500"}}.dump(), {}).code ==
      200);
  view = RunComparison(server, key, Body(dataset, engines));
  REQUIRE(view["status"] == "succeeded");
  CHECK(view["runs"][1]["status"] == "failed");
  CHECK(view["runs"][1]["error"]["code"] == "unavailable");
  CHECK(view["runs"][1]["engine_used"] != "native");
  if (view["runs"][1]["backtest_id"].is_string()) {  // else refused at submission (ejected)
    const json job =
        server
            .Call("GET", "/v1/backtests/" + view["runs"][1]["backtest_id"].get<std::string>(), key)
            .Json();
    CHECK(job["engine_used"] == "backtestingpy");
    CHECK(job["fallbacks"].empty());
  }

  // Not running at all: refused at submission or failed on contact, never substituted.
  fake.Stop();
  view = RunComparison(server, key, Body(dataset, {"native", "backtestingpy"}));
  CHECK(view["status"] == "failed");  // only one run succeeded: nothing was compared
  CHECK(view["runs"][0]["status"] == "succeeded");
  CHECK(view["runs"][1]["status"] == "failed");
  CHECK(view["runs"][1]["error"]["code"] == "unavailable");
  CHECK(view["report"]["pairs"].empty());
}

TEST_CASE("comparison requests are validated; ids are per tenant", "[api][compare]") {
  ApiServer server;
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  auto field = [&](const json& body) {
    HttpResponse r = server.Call("POST", "/v1/comparisons", key, body.dump());
    INFO(r.body);
    CHECK(r.code == 400);
    return r.Json().value("field", std::string());
  };
  json with_engine = Body(dataset, {"native", "native"});
  with_engine["engine"] = "native";
  CHECK(field(with_engine) == "engine");
  json with_fallback = Body(dataset, {"native", "native"});
  with_fallback["fallback"] = {"native"};
  CHECK(field(with_fallback) == "fallback");
  CHECK(field(Body(dataset, {"native"})) == "engines");
  CHECK(field(Body(dataset, {"native", "nosuch"})) == "engines[1]");
  CHECK(field(Body(dataset, {"native", "auto"})) == "engines[1]");
  CHECK(field(Body(dataset,
                   {"native", {{"engine", "native"}, {"overrides", {{"trade_on_close", 3}}}}})) ==
        "engines[1].overrides.trade_on_close");
  CHECK(field(Body("ds_missing", {"native", "native"})) == "dataset");
  // Every entry's spec is validated before anything is submitted, as POST /v1/backtests does:
  // a bad override is a 400 naming it, not an accepted comparison whose run then fails.
  const size_t jobs_before = server.Call("GET", "/v1/backtests", key).Json()["items"].size();
  CHECK(field(Body(dataset, {{{"engine", "native"}, {"overrides", {{"cash", -1}}}}, "native"})) ==
        "engines[0].overrides.cash");
  CHECK(
      field(Body(dataset, {"native", {{"engine", "native"}, {"overrides", {{"cash", 1e308}}}}})) ==
      "engines[1].overrides.cash");
  CHECK(field(Body(dataset, {"native",
                             {{"engine", "native"},
                              {"overrides", {{"strategy", {{"params", {{"fast", 0}}}}}}}}})) ==
        "engines[1].overrides.strategy.params");
  HttpResponse refused = server.Call(
      "POST", "/v1/comparisons", key,
      Body(dataset, {{{"engine", "native"}, {"overrides", {{"cash", -1}}}}, "native"}).dump());
  CHECK(refused.Json()["detail"].get<std::string>().find("(0, 1e+12]") != std::string::npos);
  CHECK(server.Call("GET", "/v1/backtests", key).Json()["items"].size() == jobs_before);
  CHECK(server.Call("GET", "/v1/comparisons", key).Json()["items"].empty());
  // Two identical entries are a determinism check: labels native and native#2.
  const json view = RunComparison(server, key, Body(dataset, {"native", "native"}));
  CHECK(view["runs"][1]["label"] == "native#2");
  CHECK(view["report"]["pairs"][0]["verdicts"]["differ"] == 0);
  const std::string other = server.NewKey("other-tenant");
  CHECK(server.Call("GET", "/v1/comparisons/" + view["id"].get<std::string>(), other).code == 404);
  // The list: the tenant's own comparisons, newest first.
  const json mine = server.Call("GET", "/v1/comparisons?limit=10", key).Json();
  REQUIRE(mine["items"].size() == 1);
  CHECK(mine["items"][0]["id"] == view["id"]);
  CHECK(mine["items"][0]["status"] == "succeeded");
  CHECK(mine["items"][0]["runs"].size() == 2);
  CHECK(mine["next_cursor"].is_null());
  CHECK(server.Call("GET", "/v1/comparisons", other).Json()["items"].empty());
  CHECK(server.Call("GET", "/v1/comparisons?cursor=zzz", key).code == 400);
  CHECK(server.Call("GET", "/v1/comparisons/cmp_nosuch/report.html", key).code == 404);
  // ?wait= is checked (the long-poll parser shared with /v1/backtests/{id}); a finished
  // comparison answers at once whatever the wait.
  const std::string path = "/v1/comparisons/" + view["id"].get<std::string>();
  for (const char* bad : {"abc", "-1", "nan", "inf"}) {
    HttpResponse r = server.Call("GET", path + "?wait=" + bad, key);
    INFO(bad << ": " << r.body);
    CHECK(r.code == 400);
    CHECK(r.Json()["field"] == "wait");
  }
  CHECK(server.Call("GET", path + "?wait=100000", key).code == 200);
}

TEST_CASE("the report page in headless Chromium: charts and tables hold the JSON's numbers",
          "[api][compare][browser]") {
  ApiServer server;
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const json view = RunComparison(
      server, key,
      Body(dataset, {"native",
                     {{"engine", "native"}, {"overrides", {{"trade_on_close", true}}}},
                     {{"engine", "native"}, {"overrides", {{"commission", 0.002}}}}}));
  REQUIRE(view["status"] == "succeeded");
  const json& report = view["report"];
  HttpResponse page =
      server.Call("GET", "/v1/comparisons/" + view["id"].get<std::string>() + "/report.html", key);
  REQUIRE(page.code == 200);
  CHECK(page.headers["content-type"].rfind("text/html", 0) == 0);
  testing::TempDir tmp;
  const std::string file = tmp.Write("report.html", page.body);
  std::string why;
  const std::optional<std::string> dom = testing::DumpDom(file, tmp, &why);
  if (!dom) {
    WARN("skipped: " << why);
    return;
  }
  // The charts: one polyline per run in each, with every point of the report's curves.
  const size_t runs = report["curves"]["series"].size();
  REQUIRE(runs == 3);
  const std::string points = std::to_string(report["curves"]["points"].get<size_t>());
  for (const std::string chart : {"equity-chart", "drawdown-chart"}) {
    INFO(chart);
    const size_t start = dom->find("<svg id=\"" + chart + "\"");
    REQUIRE(start != std::string::npos);
    const std::string svg = dom->substr(start, dom->find("</svg>", start) - start);
    // (std::regex overflows the stack on the long points attribute: plain searches.)
    size_t found = 0;
    for (size_t at = svg.find("<polyline class=\"series\""); at != std::string::npos;
         at = svg.find("<polyline class=\"series\"", at + 1)) {
      const std::string tag = svg.substr(at, svg.find('>', at) - at);
      auto attr = [&](const std::string& name) {
        const size_t v = tag.find(" " + name + "=\"");
        if (v == std::string::npos) return std::string();
        const size_t from = v + name.size() + 3;
        return tag.substr(from, tag.find('"', from) - from);
      };
      REQUIRE(found < runs);
      CHECK(attr("data-run") == report["curves"]["series"][found]["run"].get<std::string>());
      CHECK(attr("data-points") == points);
      const std::string coords = attr("points");
      CHECK(static_cast<size_t>(std::count(coords.begin(), coords.end(), ',')) ==
            std::stoul(points));
      ++found;
    }
    CHECK(found == runs);
  }
  // The tables: every canonical value and every delta of the metrics table, as in the JSON.
  size_t cells = 0;
  for (const json& row : report["metrics"]) {
    for (const json& v : row["values"]) {
      const std::string run = v["run"];
      auto check = [&](const json& value, const std::string& field) {
        const std::string exact = value.is_string() ? value.get<std::string>() : value.dump();
        INFO(row["key"] << " " << run << " " << field);
        CHECK(Contains(*dom, "data-value=\"" + exact + "\" title=\"" + exact + "\" data-run=\"" +
                                 run + "\" data-field=\"" + field + "\""));
        ++cells;
      };
      check(v["canonical"], "canonical");
      if (v.contains("vs_baseline")) check(v["vs_baseline"]["delta"], "delta");
    }
  }
  CHECK(cells > 90);
  // The explanations and the runs.
  size_t items = 0;
  for (size_t at = dom->find("<li data-cause=\""); at != std::string::npos;
       at = dom->find("<li data-cause=\"", at + 1)) {
    ++items;
  }
  CHECK(items == report["explanations"].size());
  for (const json& run : report["runs"]) {
    CHECK(Contains(*dom, "<tr data-run=\"" + run["label"].get<std::string>() +
                             "\" data-status=\"succeeded\">"));
  }
  CHECK(Contains(*dom, "fill timing: native[trade_on_close=true] enters 1 bar earlier"));
  CHECK(Contains(*dom, "costs: native[commission=0.002] paid"));
}

TEST_CASE("a running comparison survives kill -9 and finishes after the restart",
          "[api][compare][restart]") {
  ServiceProcess fake(testing::BacktestingPyFakeArgv({"--run-seconds", "3"}));
  testing::TempDir dir;
  // The server child reads its engine settings from the environment.
  setenv("BTR__ENGINES__BACKTESTINGPY__ENABLED", "true", 1);
  setenv("BTR__ENGINES__BACKTESTINGPY__URL", fake.Url().c_str(), 1);
  setenv("BTR__SERVER__WS_LISTEN", "", 1);
  std::string key, id;
  {
    testing::ServeProcess server(dir.path(), dir.Path("serve.log"));
    key = server.admin_key();
    const std::vector<std::string> auth = {"Authorization: Bearer " + key};
    HttpResponse upload =
        testing::Request("POST", server.Url("/v1/datasets?name=goog"),
                         testing::ReadFile(testing::SharedData("GOOG.csv")), auth);
    REQUIRE(upload.code == 201);
    HttpResponse created =
        testing::Request("POST", server.Url("/v1/comparisons"),
                         Body(upload.Json()["id"], {"native", "backtestingpy"}).dump(), auth);
    REQUIRE(created.code == 202);
    id = created.Json()["id"];
    server.Kill(SIGKILL);  // the backtestingpy run is still going
  }
  testing::ServeProcess restarted(dir.path(), dir.Path("serve.log"));
  unsetenv("BTR__ENGINES__BACKTESTINGPY__ENABLED");
  unsetenv("BTR__ENGINES__BACKTESTINGPY__URL");
  unsetenv("BTR__SERVER__WS_LISTEN");
  const std::vector<std::string> auth = {"Authorization: Bearer " + key};
  json view;
  for (int k = 0; k < 30; ++k) {
    view = testing::Request("GET", restarted.Url("/v1/comparisons/" + id + "?wait=5"), "", auth)
               .Json();
    if (view["status"] != "running") break;
  }
  INFO(view.dump().substr(0, 2000) << "\n"
                                   << testing::ReadFile(dir.Path("serve.log")).substr(0, 3000));
  CHECK(view["status"] == "succeeded");
  CHECK(view["runs"][1]["status"] == "succeeded");
  CHECK(view["report"]["pairs"][0]["verdicts"]["differ"] == 0);
}

}  // namespace
}  // namespace btr
