#include "services/config/config.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "router/app/builtin_engines.h"
#include "tests/test_util.h"

namespace btr {
namespace {

// The engines' sections are part of the schema (router/app/builtin_engines.cc registers them);
// naming BuiltinEngines links that file into this test.
const bool kEnginesRegistered = !BuiltinEngines().empty();

}  // namespace

namespace {

using Env = std::map<std::string, std::string>;

const std::string kShipped = std::string(BTR_SOURCE_DIR) + "/config/btrouter.conf";

Config MustLoad(const std::string& path, const Env& env = {}) {
  Result<Config> c = LoadConfig(path, env);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return std::move(c).value();
}

// The error message of a load that must fail with InvalidArgument.
std::string LoadError(const std::string& path, const Env& env = {},
                      const std::vector<ConfigOverride>& overrides = {}) {
  Result<Config> c = LoadConfig(path, env, overrides);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == StatusCode::kInvalidArgument);
  return c.status().message();
}

TEST_CASE("every schema default parses and an empty path gives the defaults") {
  const Config c = MustLoad("");
  for (const ConfigKeySpec& spec : ConfigSchema()) {
    INFO(spec.name);
    CHECK(c.Origin(spec.name) == "default");
    CHECK_FALSE(spec.doc.empty());
  }
  CHECK(c.GetHostPort("server.listen") == HostPort{"127.0.0.1", 8080});
  CHECK(c.GetHostPort("server.ws_listen").empty());
  CHECK(c.GetInt("server.threads") == 2);
  CHECK(c.GetInt("server.max_header_bytes") == 16 * 1024);
  CHECK(c.GetInt("server.idle_timeout_s") == 60);
  CHECK(c.GetInt("server.max_connections") == 4096);
  CHECK(c.GetString("server.data_dir") == "./btrouter-data");
  CHECK(c.GetInt("server.max_body_bytes") == 64 * 1024 * 1024);
  CHECK(c.GetInt("jobs.workers") == 2);
  CHECK(c.GetInt("jobs.queue_capacity") == 1000);
  CHECK(c.GetInt("jobs.max_active_per_tenant") == 100);
  CHECK(c.GetInt("jobs.progress_interval_ms") == 100);
  CHECK(c.GetInt("limits.page_size_default") == 50);
  CHECK(c.GetInt("limits.page_size_max") == 1000);
  CHECK(c.GetInt("limits.max_bars_per_run") == 50'000'000);
  CHECK(c.GetInt("limits.max_dataset_bytes") == int64_t{512} * 1024 * 1024);
  CHECK(c.GetString("engines.default") == "native");
  CHECK(c.GetList("engines.fallback").empty());
  CHECK(c.GetList("engines.preference") ==
        std::vector<std::string>{"native", "backtestingpy", "lean_local", "qc_cloud"});
  CHECK(c.GetBool("engines.native.enabled"));
  CHECK_FALSE(c.GetBool("engines.qc_cloud.enabled"));
  CHECK(c.GetString("engines.backtestingpy.url") == "http://127.0.0.1:8765");
  CHECK(c.GetString("engines.qc_cloud.url") == "https://www.quantconnect.com/api/v2");
  CHECK(c.GetString("engines.lean_local.command").find("{config}") != std::string::npos);
  CHECK(c.GetDouble("health.max_ejection_s") == 300.0);
  CHECK(c.GetString("log.level") == "info");
  CHECK(c.GetString("log.format") == "json");
  // Sections are contiguous in the schema, so the file can list each once.
  CHECK(ConfigSections().front() == "server");
  CHECK(ConfigSections().size() == 14);
}

TEST_CASE("the shipped config/btrouter.conf sets every key to its schema default") {
  const Config defaults = MustLoad("");
  const Config shipped = MustLoad(kShipped);
  for (const ConfigKeySpec& spec : ConfigSchema()) {
    INFO(spec.name);
    CHECK(shipped.Origin(spec.name).rfind(kShipped + ":", 0) == 0);  // present in the file
    CHECK(shipped.ValueText(spec.name) == defaults.ValueText(spec.name));
  }
  // Every key line is documented by a comment block that states the default.
  std::ifstream in(kShipped);
  std::string line, block;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '[') {
      block.clear();
    } else if (line[0] == '#') {
      block += line + "\n";
    } else {
      INFO("line " << line_no << ": " << line);
      CHECK(block.find("Default:") != std::string::npos);
      CHECK(block.find("Type:") != std::string::npos);
      block.clear();
    }
  }
}

TEST_CASE("a file overrides the defaults; values are typed and normalized") {
  testing::TempDir dir;
  const std::string path = dir.Write("b.conf",
                                     "\xEF\xBB\xBF# comment\n"
                                     "[server]\r\n"
                                     "  listen =  0.0.0.0:9000  \n"
                                     "max_body_bytes = 2mib\n"
                                     "ws_listen = 127.0.0.1:9001\n"
                                     "\n"
                                     "[jobs]\n"
                                     "workers=8\n"
                                     "[limits]\n"
                                     "max_dataset_bytes = 1 GB\n"
                                     "[engines]\n"
                                     "fallback = native ,backtestingpy\n"
                                     "[engines.backtestingpy]\n"
                                     "enabled = YES\n"
                                     "[health]\n"
                                     "timeout_s = 0.25\n"
                                     "[log]\n"
                                     "level = debug");
  const Config c = MustLoad(path);
  CHECK(c.GetHostPort("server.listen") == HostPort{"0.0.0.0", 9000});
  CHECK(c.Origin("server.listen") == path + ":3");
  CHECK(c.GetInt("server.max_body_bytes") == 2 * 1024 * 1024);
  CHECK(c.ValueText("server.max_body_bytes") == "2 MiB");
  CHECK(c.GetHostPort("server.ws_listen") == HostPort{"127.0.0.1", 9001});
  CHECK(c.GetInt("jobs.workers") == 8);
  CHECK(c.GetInt("limits.max_dataset_bytes") == 1'000'000'000);
  CHECK(c.GetList("engines.fallback") == std::vector<std::string>{"native", "backtestingpy"});
  CHECK(c.ValueText("engines.fallback") == "native, backtestingpy");
  CHECK(c.GetBool("engines.backtestingpy.enabled"));
  CHECK(c.GetDouble("health.timeout_s") == 0.25);
  CHECK(c.GetString("log.level") == "debug");
  CHECK(c.GetInt("jobs.queue_capacity") == 1000);  // untouched keys keep their defaults
  CHECK(c.Origin("jobs.queue_capacity") == "default");
}

TEST_CASE("environment overrides beat the file; any case; overrides beat the environment") {
  testing::TempDir dir;
  const std::string path = dir.Write("b.conf", "[jobs]\nworkers = 8\nqueue_capacity = 5\n");
  const Env env = {{"BTR__JOBS__WORKERS", "16"},
                   {"btr__engines__qc_cloud__token", " s3cr3t\n"},
                   {"BTR__ENGINES__BACKTESTINGPY__URL", "http://10.0.0.2:9000"},
                   {"BTR_SHARED_DIR", "/x"},  // one underscore: not configuration
                   {"PATH", "/bin"}};
  const Config c = MustLoad(path, env);
  CHECK(c.GetInt("jobs.workers") == 16);
  CHECK(c.Origin("jobs.workers") == "environment BTR__JOBS__WORKERS");
  CHECK(c.GetInt("jobs.queue_capacity") == 5);
  CHECK(c.GetString("engines.qc_cloud.token") == "s3cr3t");
  CHECK(c.GetString("engines.backtestingpy.url") == "http://10.0.0.2:9000");

  Result<Config> o = LoadConfig(path, env, {{"server.listen", "127.0.0.1:0", "--listen"}});
  REQUIRE(o.ok());
  CHECK(o->GetHostPort("server.listen").port == 0);
  CHECK(o->Origin("server.listen") == "--listen");
  CHECK(LoadError("", {}, {{"server.listen", "nowhere", "--listen"}})
            .rfind("--listen: server.listen: expected host:port", 0) == 0);
}

TEST_CASE("value errors name the location, the key, what is expected and what was given") {
  testing::TempDir dir;
  const auto file_error = [&](const std::string& body) {
    return LoadError(dir.Write("bad.conf", body));
  };
  const std::string p = dir.Path("bad.conf");
  CHECK(file_error("[jobs]\n\nworkers = many\n") ==
        p + ":3: jobs.workers: expected an integer in [0, 256], got 'many'");
  CHECK(file_error("[jobs]\nworkers = 0\n") ==
        p + ":2: jobs.workers: 0 leaves nobody to run jobs with queue.kind = local; keep at least 1 "
            "worker thread, or set queue.kind = redis and run `btrouter worker` processes");
  CHECK(file_error("[jobs]\nworkers = 4 # four\n") ==
        p + ":2: jobs.workers: expected an integer in [0, 256], got '4 # four'; note: '#' "
            "starts a comment only at the start of a line");
  CHECK(file_error("[health]\njitter_pct = 150\n") ==
        p + ":2: health.jitter_pct: expected a number in [0, 100], got '150'");
  CHECK(file_error("[health]\ninterval_s = nan\n").find("health.interval_s: expected a number") !=
        std::string::npos);
  CHECK(file_error("[engines.native]\nenabled = maybe\n") ==
        p + ":2: engines.native.enabled: expected true or false, got 'maybe'");
  CHECK(
      file_error("[server]\nmax_body_bytes = 64 MB!\n")
          .find(":2: server.max_body_bytes: expected a size such as 64 MiB in [1 KiB, 1 GiB], got "
                "'64 MB!' (units:") != std::string::npos);
  CHECK(file_error("[server]\nmax_body_bytes = 2 GiB\n").find("got '2 GiB'") != std::string::npos);
  CHECK(file_error("[server]\nmax_body_bytes = 99999999999999999999 TiB\n").find("server.max") !=
        std::string::npos);
  CHECK(file_error("[server]\nlisten = localhost\n") ==
        p + ":2: server.listen: expected host:port with a port in [0, 65535], got 'localhost' "
            "(no port)");
  CHECK(file_error("[server]\nlisten = host:70000\n").find("(bad port)") != std::string::npos);
  CHECK(file_error("[server]\nlisten =\n").find("server.listen: expected host:port") !=
        std::string::npos);
  CHECK(file_error("[server]\ndata_dir =\n") ==
        p + ":2: server.data_dir: expected a non-empty string, got ''");
  CHECK(file_error("[log]\nlevel = verbose\n") ==
        p + ":2: log.level: expected one of debug, info, warn, error, got 'verbose'");
  CHECK(
      file_error("[engines]\nfallback = native, lean\n")
          .find(
              "engines.fallback: expected a comma-separated list of native, backtestingpy, "
              "lean_local, qc_cloud without repeats, got 'native, lean' ('lean' is not allowed)") !=
      std::string::npos);
  CHECK(file_error("[engines]\nfallback = native,,qc_cloud\n").find("(empty item)") !=
        std::string::npos);
  CHECK(file_error("[engines]\npreference = native, native\n").find("('native' repeated)") !=
        std::string::npos);
  CHECK(file_error("[engines.backtestingpy]\nurl = 127.0.0.1:8765\n") ==
        p + ":2: engines.backtestingpy.url: expected an http:// or https:// URL, got "
            "'127.0.0.1:8765'");
  CHECK(file_error("[engines.qc_cloud]\nurl = https://u:p@example.com\n").find("credentials") !=
        std::string::npos);
  CHECK(file_error("[engines.lean_local]\ncommand = lean backtest {project}\n")
            .find("(unknown placeholder {project})") != std::string::npos);
  CHECK(file_error("[engines.lean_local]\ncommand = run {config\n").find("'{' without '}'") !=
        std::string::npos);
}

TEST_CASE("structural errors: unknown sections and keys, duplicates, malformed lines") {
  testing::TempDir dir;
  const auto file_error = [&](const std::string& body) {
    return LoadError(dir.Write("bad.conf", body));
  };
  const std::string p = dir.Path("bad.conf");
  CHECK(file_error("[jobs]\nwrokers = 2\n") ==
        p + ":2: jobs.wrokers: unknown key; did you mean jobs.workers?");
  CHECK(file_error("[jobs]\ncolour = red\n").find(":2: jobs.colour: unknown key") !=
        std::string::npos);
  CHECK(file_error("# x\n[engine.native]\n") ==
        p + ":2: unknown section [engine.native]; did you mean [engines.native]?");
  CHECK(file_error("[zzzzzzzzzzzz]\n").find("known sections: server, jobs,") != std::string::npos);
  CHECK(file_error("[jobs]\nworkers = 2\n\nworkers = 3\n") ==
        p + ":4: jobs.workers: set twice (first at line 2); keep one");
  CHECK(file_error("[jobs]\n[log]\n[jobs]\n") ==
        p + ":3: section [jobs] appears twice (first at line 1); merge the two");
  CHECK(file_error("workers = 2\n") ==
        p + ":1: workers: set before any [section] header; move it under its section");
  CHECK(file_error("[jobs]\nworkers 2\n") ==
        p + ":2: expected 'key = value', '[section]' or a '#' comment, got 'workers 2'");
  CHECK(file_error("[jobs\n").find(":1: malformed section header '[jobs'") != std::string::npos);
  CHECK(file_error("[jobs]\n= 2\n").find(":2: a line starts with '='") != std::string::npos);
  // A mistyped line in a section holding a secret is not echoed.
  const std::string secret = file_error("[engines.qc_cloud]\ntoken abcdef\n");
  CHECK(secret.find("abcdef") == std::string::npos);
  CHECK(LoadError(dir.Path("missing.conf")).find("missing.conf': no such file") !=
        std::string::npos);
  CHECK(LoadError(dir.path()).find("not a regular file") != std::string::npos);
}

TEST_CASE("environment errors name the variable") {
  CHECK(LoadError("", {{"BTR__JOBS__WORKERS", "many"}}) ==
        "environment BTR__JOBS__WORKERS: jobs.workers: expected an integer in [0, 256], got "
        "'many'");
  CHECK(LoadError("", {{"BTR__JOBS__WORKRS", "2"}}) ==
        "environment BTR__JOBS__WORKRS: no configuration key 'jobs.workrs'; did you mean "
        "BTR__JOBS__WORKERS?");
  CHECK(LoadError("", {{"BTR__ENGINES__QC_CLOUD_TOKEN", "x"}})
            .find("did you mean BTR__ENGINES__QC_CLOUD__TOKEN?") != std::string::npos);
  CHECK(LoadError("", {{"BTR__NOTHING", "x"}}).rfind("environment BTR__NOTHING: ", 0) == 0);
  CHECK(LoadError("", {{"BTR__JOBS__WORKERS", "2"}, {"btr__jobs__workers", "3"}}) ==
        "environment btr__jobs__workers: jobs.workers: also set by BTR__JOBS__WORKERS; unset one "
        "of them");
}

TEST_CASE("rules across keys name both keys and where each came from") {
  testing::TempDir dir;
  const std::string p = dir.Write("x.conf", "[limits]\npage_size_default = 2000\n");
  CHECK(LoadError(p) == p + ":2: limits.page_size_default: larger than limits.page_size_max = "
                            "1000 (default); lower one or raise the other");
  CHECK(LoadError("", {{"BTR__HEALTH__MAX_EJECTION_S", "10"}})
            .rfind("environment BTR__HEALTH__MAX_EJECTION_S: health.max_ejection_s: smaller than "
                   "health.base_ejection_s = 30 (default)",
                   0) == 0);
  CHECK(LoadError("", {{"BTR__HEALTH__TIMEOUT_S", "11"}}).find("probes would overlap") !=
        std::string::npos);
  CHECK(LoadError("", {{"BTR__SERVER__WS_LISTEN", "127.0.0.1:8080"}})
            .find("server.ws_listen: same address as server.listen") != std::string::npos);
  CHECK(LoadError("", {{"BTR__SERVER__QC_LISTEN", "127.0.0.1:8080"}})
            .find("server.qc_listen: same address as server.listen") != std::string::npos);
  CHECK(LoadError("", {{"BTR__ENGINES__NATIVE__ENABLED", "false"}})
            .find("every engine is disabled") != std::string::npos);
  CHECK(LoadError("", {{"BTR__ENGINES__DEFAULT", "qc_cloud"}}) ==
        "environment BTR__ENGINES__DEFAULT: engines.default: names 'qc_cloud', which is "
        "disabled; set engines.qc_cloud.enabled = true or choose one of: auto, native");
  CHECK(LoadError("", {{"BTR__ENGINES__FALLBACK", "native, lean_local"}})
            .find("lists 'lean_local', which is disabled") != std::string::npos);
  CHECK(LoadError("", {{"BTR__ENGINES__QC_CLOUD__USER_ID", "12a"}})
            .find("engines.qc_cloud.user_id: expected the digits") != std::string::npos);
  CHECK(LoadError("", {{"BTR__ENGINES__QC_CLOUD__ENABLED", "true"}})
            .find("needs engines.qc_cloud.user_id") != std::string::npos);
  CHECK(LoadError("", {{"BTR__ENGINES__QC_CLOUD__ENABLED", "true"},
                       {"BTR__ENGINES__QC_CLOUD__USER_ID", "123"}})
            .find("needs an API token") != std::string::npos);
  // Two engines enabled, auto as default, a fallback chain: fine.
  CHECK(LoadConfig("", {{"BTR__ENGINES__BACKTESTINGPY__ENABLED", "on"},
                        {"BTR__ENGINES__DEFAULT", "auto"},
                        {"BTR__ENGINES__FALLBACK", "backtestingpy,native"}})
            .ok());
}

TEST_CASE("the token can come from token_file, never together with token") {
  testing::TempDir dir;
  const std::string token_path = dir.Write("token", "tok-from-file\n");
  Env env = {{"BTR__ENGINES__QC_CLOUD__ENABLED", "true"},
             {"BTR__ENGINES__QC_CLOUD__USER_ID", "123"},
             {"BTR__ENGINES__QC_CLOUD__TOKEN_FILE", token_path}};
  const Config c = MustLoad("", env);
  CHECK(c.GetString("engines.qc_cloud.token") == "tok-from-file");
  CHECK(c.Origin("engines.qc_cloud.token") == "file " + token_path);

  env["BTR__ENGINES__QC_CLOUD__TOKEN"] = "tok-from-env";
  const std::string both = LoadError("", env);
  CHECK(both.find("engines.qc_cloud.token is set too (environment "
                  "BTR__ENGINES__QC_CLOUD__TOKEN); set only one of them") != std::string::npos);
  CHECK(both.find("tok-from-env") == std::string::npos);

  env.erase("BTR__ENGINES__QC_CLOUD__TOKEN");
  env["BTR__ENGINES__QC_CLOUD__TOKEN_FILE"] = dir.Path("absent");
  CHECK(LoadError("", env).find("engines.qc_cloud.token_file: cannot read '") != std::string::npos);
  env["BTR__ENGINES__QC_CLOUD__TOKEN_FILE"] = dir.Write("empty", " \n");
  CHECK(LoadError("", env).find("is empty") != std::string::npos);
}

TEST_CASE("Dump redacts secrets, names origins and loads back to the same values") {
  testing::TempDir dir;
  const Config c = MustLoad("", {{"BTR__ENGINES__QC_CLOUD__ENABLED", "true"},
                                 {"BTR__ENGINES__QC_CLOUD__USER_ID", "42"},
                                 {"BTR__ENGINES__QC_CLOUD__TOKEN", "hunter2-token"},
                                 {"BTR__JOBS__WORKERS", "7"}});
  const std::string redacted = c.Dump(true);
  CHECK(redacted.find("hunter2-token") == std::string::npos);
  CHECK(redacted.find("\n[engines.qc_cloud]\n") != std::string::npos);
  CHECK(redacted.find("token = <redacted>\n") != std::string::npos);
  CHECK(redacted.find("# from environment BTR__JOBS__WORKERS\nworkers = 7\n") != std::string::npos);
  CHECK(redacted.find("max_body_bytes = 64 MiB\n") != std::string::npos);
  CHECK(redacted.find("token_file = \n") != std::string::npos);

  const std::string shown = c.Dump(false);
  CHECK(shown.find("token = hunter2-token\n") != std::string::npos);
  const Config back = MustLoad(dir.Write("dump.conf", shown));
  for (const ConfigKeySpec& spec : ConfigSchema()) {
    INFO(spec.name);
    CHECK(back.ValueText(spec.name) == c.ValueText(spec.name));
  }
  // An empty secret prints as empty, so "not set" stays visible.
  CHECK(MustLoad("").Dump(true).find("\ntoken = \n") != std::string::npos);
}

TEST_CASE("value parsing edge cases") {
  const ConfigKeySpec* hp = FindConfigKey("server.listen");
  REQUIRE(hp != nullptr);
  Result<ConfigValue> v6 = ParseConfigValue(*hp, "[::1]:8080");
  REQUIRE(v6.ok());
  CHECK(std::get<HostPort>(v6->value) == HostPort{"::1", 8080});
  CHECK(v6->text == "[::1]:8080");
  CHECK_FALSE(ParseConfigValue(*hp, "[zz]:80").ok());
  CHECK_FALSE(ParseConfigValue(*hp, "a b:80").ok());
  CHECK(FindConfigKey("engines.nope.enabled") == nullptr);
  CHECK(FormatBytes(1000) == "1000");
  CHECK(FormatBytes(3 * 1024) == "3 KiB");
  CHECK(FormatDouble(0.1) == "0.1");
  const ConfigKeySpec* token = FindConfigKey("engines.qc_cloud.token");
  REQUIRE(token != nullptr);
  CHECK(token->secret);
  CHECK(ProcessEnvironment().count("PATH") == 1);
}

}  // namespace
}  // namespace btr

namespace btr {
namespace {

TEST_CASE("the distributed mode's keys are checked together") {
  auto error = [](std::map<std::string, std::string> env) {
    Result<Config> c = LoadConfig("", env);
    return c.ok() ? std::string() : c.status().message();
  };
  CHECK(error({{"BTR__STORE__KIND", "postgres"}}).find("store.url: store.kind = postgres needs a "
                                                        "URL postgresql://") != std::string::npos);
  CHECK(error({{"BTR__STORE__KIND", "postgres"}, {"BTR__STORE__URL", "mysql://x"}}) != "");
  CHECK(error({{"BTR__STORE__KIND", "postgres"},
               {"BTR__STORE__URL", "postgresql://u:pw@h:5432/db"}})
            .empty());
  CHECK(error({{"BTR__STORE__KIND", "oracle"}}).find("store.kind") != std::string::npos);
  CHECK(error({{"BTR__QUEUE__KIND", "redis"}, {"BTR__QUEUE__URL", "http://r"}})
            .find("queue.url: queue.kind = redis needs a URL") != std::string::npos);
  CHECK(error({{"BTR__QUEUE__KIND", "redis"}, {"BTR__JOBS__WORKERS", "0"}}).empty());
  CHECK(error({{"BTR__QUEUE__KIND", "redis"}, {"BTR__QUEUE__CLAIM_IDLE_S", "10"},
               {"BTR__JOBS__LEASE_S", "30"}})
            .find("queue.claim_idle_s: shorter than jobs.lease_s = 30") != std::string::npos);
  // The URLs hold passwords: never printed.
  Result<Config> c = LoadConfig("", {{"BTR__STORE__URL", "postgresql://u:hunter2@h/db"},
                                     {"BTR__QUEUE__URL", "redis://:hunter3@h:6379/0"}});
  REQUIRE(c.ok());
  CHECK(c->Dump(true).find("hunter") == std::string::npos);
}

}  // namespace
}  // namespace btr
