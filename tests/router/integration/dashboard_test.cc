// The dashboard's static files (router/http/dashboard_files.h) — the handler alone for the path
// rules, and through a real server for the mount (public, GET/HEAD only, outside the OpenAPI
// document, config.json with the WebSocket port) — and the WebSocket's subprotocol login that the
// dashboard uses instead of a key in the URL.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "router/app/server_app.h"
#include "router/http/dashboard_files.h"
#include "tests/router/integration/api_server.h"
#include "tests/router/integration/http_client.h"
#include "tests/router/ws/ws_client.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::TempDir;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A built dashboard: index.html, app.js, vendor/x.css, a hidden file, and a symlink that leaves
// the folder; `secret.txt` sits next to the folder.
struct BuiltDashboard {
  TempDir dir;
  std::string root = dir.path() + "/dist";
  BuiltDashboard() {
    mkdir(root.c_str(), 0755);
    mkdir((root + "/vendor").c_str(), 0755);
    Write(root + "/index.html", "<!doctype html><title>dash</title>");
    Write(root + "/app.js", "export {};");
    Write(root + "/vendor/x.css", "body{}");
    Write(root + "/.env", "HIDDEN-CONTENT");
    Write(dir.path() + "/secret.txt", "SECRET-CONTENT");
    REQUIRE(symlink((dir.path() + "/secret.txt").c_str(), (root + "/leak.txt").c_str()) == 0);
  }
};

ApiReply Get(const ApiHandler& handler, const std::string& path,
             std::map<std::string, std::string> headers = {}) {
  ApiRequest request;
  request.method = "GET";
  request.path = path;
  request.headers = std::move(headers);
  return handler(request);
}

std::string HeaderOf(const ApiReply& reply, const std::string& name) {
  for (const auto& [n, v] : reply.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST_CASE("dashboard files: types, single-page fallback, caching", "[dashboard]") {
  BuiltDashboard built;
  const ApiHandler files = DashboardFiles({built.root, [] { return nlohmann::json{{"k", 1}}; }});

  ApiReply index = Get(files, "/dashboard/");
  CHECK(index.code == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  CHECK(index.body.find("<title>dash</title>") != std::string::npos);
  CHECK(HeaderOf(index, "Cache-Control") == "no-cache");
  CHECK(HeaderOf(index, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  CHECK(HeaderOf(index, "X-Content-Type-Options") == "nosniff");

  for (const std::string page :
       {"/dashboard/engines", "/dashboard/runs/bt_123", "/dashboard/new/"}) {
    INFO(page);
    ApiReply r = Get(files, page);
    CHECK(r.code == 200);
    CHECK(r.body == index.body);
  }
  ApiReply js = Get(files, "/dashboard/app.js");
  CHECK(js.code == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK(js.body == "export {};");
  CHECK(HeaderOf(js, "Content-Security-Policy").empty());
  CHECK(Get(files, "/dashboard/vendor/x.css").content_type == "text/css; charset=utf-8");
  CHECK(Get(files, "/dashboard/vendor%2Fx.css").code == 404);  // an encoded separator

  const std::string etag = HeaderOf(js, "ETag");
  REQUIRE(!etag.empty());
  ApiReply again = Get(files, "/dashboard/app.js", {{"if-none-match", etag}});
  CHECK(again.code == 304);
  CHECK(again.body.empty());

  ApiReply redirect = Get(files, "/dashboard");
  CHECK(redirect.code == 301);
  CHECK(HeaderOf(redirect, "Location") == "/dashboard/");

  ApiReply config = Get(files, "/dashboard/config.json");
  CHECK(config.code == 200);
  CHECK(nlohmann::json::parse(config.body) == nlohmann::json{{"k", 1}});
  CHECK(HeaderOf(config, "Cache-Control") == "no-store");

  CHECK(DashboardContentType("a.svg") == "image/svg+xml");
  CHECK(DashboardContentType("a.png") == "image/png");
  CHECK(DashboardContentType("README") == "application/octet-stream");
}

TEST_CASE("dashboard files: nothing outside the folder is served", "[dashboard]") {
  BuiltDashboard built;
  const ApiHandler files = DashboardFiles({built.root, nullptr});
  for (const std::string path :
       {"/dashboard/../secret.txt", "/dashboard/%2e%2e/secret.txt",
        "/dashboard/vendor/../../secret.txt", "/dashboard/..%2fsecret.txt", "/dashboard/.env",
        "/dashboard/%2eenv", "/dashboard/leak.txt", "/dashboard//app.js", "/dashboard/./app.js",
        "/dashboard/app.js%00.html", "/dashboard/..\\secret.txt", "/dashboard/missing.js",
        "/dashboard/vendor/nope.css", "/dashboard/%zz", "/dashboard/%2"}) {
    INFO(path);
    ApiReply r = Get(files, path);
    CHECK(r.code == 404);
    CHECK(r.content_type == "application/problem+json");
    CHECK(r.body.find("SECRET-CONTENT") == std::string::npos);
    CHECK(r.body.find("HIDDEN-CONTENT") == std::string::npos);
  }
}

TEST_CASE("dashboard files: an unbuilt dashboard says how to build it", "[dashboard]") {
  TempDir empty;
  const ApiHandler files = DashboardFiles({empty.path() + "/dist", nullptr});
  ApiReply r = Get(files, "/dashboard/");
  CHECK(r.code == 404);
  CHECK(r.body.find("web/build") != std::string::npos);
}

TEST_CASE("the server mounts the dashboard outside the API", "[dashboard]") {
  BuiltDashboard built;
  testing::ApiServer server({{"server.dashboard_dir", built.root, "test"}});
  testing::HttpResponse index = server.Call("GET", "/dashboard/", "");
  CHECK(index.code == 200);
  CHECK(index.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(index.headers["cache-control"] == "no-cache");
  CHECK(index.headers.count("etag") == 1);
  CHECK(server.Call("GET", "/dashboard/runs/bt_1", "").body == index.body);
  CHECK(server.Call("GET", "/dashboard/app.js", "").headers["content-type"] ==
        "text/javascript; charset=utf-8");
  CHECK(server.Call("GET", "/dashboard/%2e%2e/secret.txt", "").code == 404);
  testing::HttpResponse post = server.Call("POST", "/dashboard/", "", "x");
  CHECK(post.code == 405);
  CHECK(post.headers["allow"] == "GET, HEAD");
  nlohmann::json config = server.Call("GET", "/dashboard/config.json", "").Json();
  // The WebSocket is on the page's own port (null); the new-run form's engine is the default.
  CHECK(config["ws_port"].is_null());
  CHECK(config["default_engine"] == "native");
  // Static files are not API routes: the OpenAPI document does not list them.
  nlohmann::json openapi = server.Call("GET", "/openapi.json", "").Json();
  for (const auto& [path, item] : openapi["paths"].items()) CHECK(path.rfind("/dashboard", 0) != 0);
  // The API is unaffected.
  CHECK(server.Call("GET", "/v1/engines", "").code == 401);
}

TEST_CASE("server.dashboard_dir empty: no dashboard", "[dashboard]") {
  testing::ApiServer server({{"server.dashboard_dir", "", "test"}});
  testing::HttpResponse r = server.Call("GET", "/dashboard/", "");
  CHECK(r.code == 404);
  CHECK(r.body.find("no route") != std::string::npos);
}

TEST_CASE("the WebSocket takes the key as a subprotocol and never echoes it", "[dashboard]") {
  TempDir dir;
  Result<Config> config = LoadConfig("", {},
                                     {{"server.listen", "127.0.0.1:0", "test"},
                                      {"server.data_dir", dir.path(), "test"}});
  REQUIRE(config.ok());
  Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(*config);
  REQUIRE(app.ok());
  const std::string key = (*app)->new_admin_key();
  const std::string base = "http://127.0.0.1:" + std::to_string((*app)->port());
  const std::string auth = "Authorization: Bearer " + key;
  testing::HttpResponse ds = testing::Request("POST", base + "/v1/datasets?name=goog",
                                              testing::ReadFile(testing::SharedData("GOOG.csv")),
                                              {auth, "Content-Type: text/csv"});
  REQUIRE(ds.code == 201);
  nlohmann::json spec = {
      {"engine", "native"}, {"strategy", {{"name", "sma_cross"}}}, {"dataset", ds.Json()["id"]}};
  testing::HttpResponse job = testing::Request("POST", base + "/v1/backtests", spec.dump(), {auth});
  REQUIRE(job.code == 202);
  const std::string events = "/v1/backtests/" + job.Json()["id"].get<std::string>() + "/events";
  const uint16_t port = (*app)->ws_port();

  testing::UpgradeAnswer ok = testing::UpgradeRequest(
      port, events, {{"Sec-WebSocket-Protocol", "btrouter.v1, bearer." + key}});
  INFO(ok.error << " " << ok.body);
  CHECK(ok.status == 101);
  CHECK(ok.headers["sec-websocket-protocol"] == "btrouter.v1");
  for (const auto& [name, value] : ok.headers) CHECK(value.find(key) == std::string::npos);

  testing::UpgradeAnswer bad = testing::UpgradeRequest(
      port, events, {{"Sec-WebSocket-Protocol", "btrouter.v1, bearer.btr_nope_nope"}});
  CHECK(bad.status == 401);
  testing::UpgradeAnswer none =
      testing::UpgradeRequest(port, events, {{"Sec-WebSocket-Protocol", "btrouter.v1"}});
  CHECK(none.status == 401);
  (*app)->Stop();
}

}  // namespace
}  // namespace btr
