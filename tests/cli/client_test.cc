// The client commands (upload, datasets, submit, status, watch, result, list, cancel) run as a
// user would, against a real `btrouter serve` child process on loopback; plus the pieces they are
// built from (positional flags, the metrics table from JSON, URL encoding).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/flags.h"
#include "cli/report.h"
#include "engines/metrics/metrics_json.h"
#include "tests/cli/run_binary.h"
#include "tests/router/integration/http_client.h"
#include "tests/router/integration/serve_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using btr::UrlEncode;
using cli::Flags;
using cli::FormatMetricsJsonTable;
using cli::FormatMetricsTable;
using nlohmann::json;
using testing::Near;
using testing::Outcome;
using testing::Run;
using testing::ServeProcess;
using testing::SharedData;
using testing::TempDir;

// The environment of every client run: the caller's BTR_URL and BTR_API_KEY removed.
const std::vector<std::string> kCleanEnv = {"-u", "BTR_URL", "-u", "BTR_API_KEY"};

// A loopback port nothing listens on: bound to an ephemeral port, then closed.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The metrics rows of a table output: from the "  Start" line to the end.
std::string MetricsRows(const std::string& out) {
  const size_t at = out.find("\n  Start ");
  return at == std::string::npos ? "" : out.substr(at + 1);
}

json ReferenceStats() {
  std::ifstream in(std::string(BTR_SOURCE_DIR) +
                   "/tests/parity/reference/goog_sma_cross_comm/stats.json");
  return json::parse(in);
}

// Runs the binary with --url/--key of `server` appended.
class Client {
 public:
  Client(const ServeProcess& server, const TempDir& tmp)
      : tmp_(tmp), url_(server.Url()), key_(server.admin_key()) {}
  Outcome operator()(std::vector<std::string> args) const {
    args.insert(args.end(), {"--url", url_, "--key", key_});
    return Run(args, tmp_, kCleanEnv);
  }
  const std::string& url() const { return url_; }
  const std::string& key() const { return key_; }

 private:
  const TempDir& tmp_;
  std::string url_, key_;
};

TEST_CASE("client commands drive a real server from upload to result", "[cli][client]") {
  TempDir tmp, data_dir;
  ServeProcess server(data_dir.path(), tmp.Path("serve.log"));
  REQUIRE(!server.admin_key().empty());
  const Client client(server, tmp);
  const std::string goog = SharedData("GOOG.csv");

  // upload: the id alone on a line; --format json: the dataset document.
  const Outcome up = client({"upload", "--name", "goog", goog});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  const std::string dataset = FirstLine(up.out);
  CHECK(dataset.rfind("ds_", 0) == 0);
  CHECK(up.out == dataset + "\n");
  const Outcome up_json = client({"upload", goog, "--format", "json"});
  REQUIRE(up_json.exit_code == 0);
  const json uploaded = json::parse(up_json.out);
  CHECK(uploaded["name"] == "GOOG");  // the file's stem when --name is not given
  CHECK(uploaded["bars"] == 2148);
  CHECK(uploaded["sha256"] == "60e961a567490b157f71888df9e6afb36190a34a40a6286aa38988e2343f1b1a");
  const Outcome datasets = client({"datasets"});
  CHECK(datasets.exit_code == 0);
  CHECK(datasets.out.find(dataset) != std::string::npos);
  // The same file under the same name again: the dataset already there, said on stderr.
  const Outcome reupload = client({"upload", "--name", "goog", goog});
  CHECK(reupload.exit_code == 0);
  CHECK(reupload.out == dataset + "\n");
  CHECK(reupload.err.find("uploaded as 'goog' before") != std::string::npos);

  // submit --wait: the id on the first line, then the same metrics table as `btrouter backtest`.
  const Outcome sub = client({"submit", "--dataset", dataset, "--strategy", "sma_cross", "--param",
                              "fast=10", "--param", "slow=20", "--commission", "0.002", "--wait"});
  INFO(sub.err);
  REQUIRE(sub.exit_code == 0);
  const std::string id = FirstLine(sub.out);
  CHECK(id.rfind("bt_", 0) == 0);
  CHECK(sub.out.find("sma_cross(fast=10, slow=20) on native") != std::string::npos);
  CHECK(sub.out.find("94 trades: 93 closed, 1 open at the end") != std::string::npos);
  const Outcome local = Run({"backtest", "--data", goog, "--strategy", "sma_cross", "--commission",
                             "0.002", "--no-cache"},
                            tmp);
  REQUIRE(local.exit_code == 0);
  CHECK(!MetricsRows(local.out).empty());
  CHECK(MetricsRows(sub.out) == MetricsRows(local.out));

  // status: a table, or the API document.
  const Outcome status = client({"status", id});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("status                    succeeded") != std::string::npos);
  // For people: the settings in their units, times to the second, how long it took.
  CHECK(status.out.find("  settings                  cash 10,000.00, commission 0.20 %\n") !=
        std::string::npos);
  CHECK(status.out.find("  finished (UTC)            20") != std::string::npos);
  CHECK(status.out.find(" (took ") != std::string::npos);
  CHECK(status.out.find("_at ") == std::string::npos);
  const Outcome status_json = client({"status", id, "--format", "json"});
  REQUIRE(status_json.exit_code == 0);
  const json job = json::parse(status_json.out);
  CHECK(job["id"] == id);
  CHECK(job["status"] == "succeeded");
  CHECK(job["spec"]["strategy"]["params"]["fast"] == 10);
  CHECK(job["spec"]["commission"] == 0.002);

  // result --format json: the API document verbatim, with backtesting.py's numbers.
  const Outcome result = client({"result", id, "--format", "json"});
  REQUIRE(result.exit_code == 0);
  const testing::HttpResponse api =
      testing::Request("GET", server.Url("/v1/backtests/" + id + "/result"), "",
                       {"Authorization: Bearer " + client.key()});
  CHECK(result.out == api.body + "\n");
  const json doc = json::parse(result.out);
  const json stats = ReferenceStats();
  CHECK(Near(doc["metrics"]["total_return"].get<double>(), stats["Return [%]"].get<double>() / 100,
             1e-9));
  CHECK(doc["trades"].size() == 93);
  const Outcome result_table = client({"result", id});
  CHECK(result_table.exit_code == 0);
  CHECK(result_table.out.find("93 closed, 1 open") != std::string::npos);
  CHECK(result_table.out.find("ran in ") != std::string::npos);
  CHECK(result_table.out.find("ran in 0.0 ms") == std::string::npos);
  CHECK(MetricsRows(result_table.out) == MetricsRows(local.out));

  // logs: btrouter's steps, one line each; --follow of a finished job ends at once; json.
  const Outcome logs = client({"logs", id});
  REQUIRE(logs.exit_code == 0);
  CHECK(Lines(logs.out) == 3);
  CHECK(logs.out.find(" info  btrouter: submitted: engine native, strategy sma_cross") !=
        std::string::npos);
  CHECK(logs.out.find(" info  btrouter: started on native (attempt 1)\n") != std::string::npos);
  const size_t took = logs.out.find(" info  btrouter: succeeded on native in ");
  REQUIRE(took != std::string::npos);
  const size_t took_at = took + std::string(" info  btrouter: succeeded on native in ").size();
  const std::string took_text = logs.out.substr(took_at, logs.out.find('\n', took_at) - took_at);
  INFO(took_text);  // a unit that fits the time, not "0.00 s"
  CHECK(
      std::regex_match(took_text, std::regex("[1-9][0-9]{0,2} µs|[1-9][0-9.]* ms|[1-9][0-9.]* s")));
  const Outcome follow = client({"logs", id, "--follow"});
  CHECK(follow.exit_code == 0);
  CHECK(follow.out == logs.out);
  const Outcome logs_json = client({"logs", id, "--format", "json"});
  REQUIRE(logs_json.exit_code == 0);
  CHECK(json::parse(FirstLine(logs_json.out))["source"] == "btrouter");
  CHECK(client({"logs", "bt_0000000000000000dead"}).exit_code != 0);

  // watch of a finished job: the final status line at once, exit 0.
  const Outcome watch = client({"watch", id});
  CHECK(watch.exit_code == 0);
  CHECK(watch.out == id + " succeeded\n");

  // cancel of a finished job: refused with a message, and the job (with its result) stays.
  const Outcome cancel = client({"cancel", id});
  CHECK(cancel.exit_code == 2);
  CHECK(cancel.err.find(id + " already succeeded; there is nothing to cancel") !=
        std::string::npos);
  CHECK(cancel.out.empty());
  CHECK(client({"status", id}).exit_code == 0);

  // Idempotency-Key: the same key and body give the same job.
  const std::vector<std::string> keyed = {
      "submit", "--dataset", dataset, "--strategy", "rsi_reversion", "--idempotency-key", "k-1"};
  const Outcome first = client(keyed);
  const Outcome again = client(keyed);
  REQUIRE(first.exit_code == 0);
  CHECK(again.out == first.out);
  CHECK(again.err.find("earlier job") != std::string::npos);
  const std::string second_id = FirstLine(first.out);
  CHECK(client({"watch", second_id}).exit_code == 0);

  // list: both jobs; pages of one; --all follows next_cursor.
  const Outcome list = client({"list"});
  CHECK(list.exit_code == 0);
  CHECK(list.out.find(id) != std::string::npos);
  CHECK(list.out.find(second_id) != std::string::npos);
  CHECK(Lines(list.out) == 3);  // header + 2 jobs
  const Outcome page = client({"list", "--limit", "1", "--format", "json"});
  REQUIRE(page.exit_code == 0);
  const json one = json::parse(page.out);
  CHECK(one["items"].size() == 1);
  CHECK(one["next_cursor"].is_string());
  const Outcome all = client({"list", "--limit", "1", "--all", "--format", "json"});
  REQUIRE(all.exit_code == 0);
  const json both = json::parse(all.out);
  CHECK(both["items"].size() == 2);
  CHECK(both["next_cursor"].is_null());
  const Outcome filtered = client({"list", "--status", "failed"});
  CHECK(Lines(filtered.out) == 1);  // the header only

  // A job that fails (its dataset file vanished before the first run): exit 1 with the error.
  const std::string doomed = FirstLine(client({"upload", "--name", "doomed", goog}).out);
  REQUIRE(std::filesystem::remove(data_dir.Path("datasets/" + doomed + ".csv")));
  const Outcome failed =
      client({"submit", "--dataset", doomed, "--strategy", "sma_cross", "--wait"});
  CHECK(failed.exit_code == 1);
  const std::string failed_id = FirstLine(failed.out);
  CHECK(failed.err.find(failed_id + " failed: ") != std::string::npos);
  const Outcome watch_failed = client({"watch", failed_id});
  CHECK(watch_failed.exit_code == 1);
  CHECK(watch_failed.out.rfind(failed_id + " failed: ", 0) == 0);
  // datasets delete: gone from the list; a second delete is refused (not found).
  const Outcome deleted = client({"datasets", "delete", doomed});
  INFO(deleted.err);
  CHECK(deleted.exit_code == 0);
  CHECK(deleted.out == doomed + " deleted\n");
  CHECK(client({"datasets"}).out.find(doomed) == std::string::npos);
  const Outcome twice = client({"datasets", "delete", doomed});
  CHECK(twice.exit_code == 2);
  CHECK(twice.err.find("not found") != std::string::npos);
  CHECK(client({"datasets", "remove", doomed}).exit_code == 2);

  // Server-side refusals: the problem's detail on one stderr line, exit 2.
  const Outcome unknown = client({"status", "bt_0000000000000000dead"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("not found") != std::string::npos);
  CHECK(unknown.err.find("(HTTP 404)") != std::string::npos);
  CHECK(Lines(unknown.err) == 1);
  const Outcome bad_param =
      client({"submit", "--dataset", dataset, "--strategy", "sma_cross", "--param", "speed=3"});
  CHECK(bad_param.exit_code == 2);
  CHECK(bad_param.err.rfind("btrouter submit: strategy.params", 0) == 0);
  CHECK(bad_param.err.find("'speed'") != std::string::npos);
  CHECK(bad_param.out.empty());
  const Outcome no_result = client({"result", failed_id});
  CHECK(no_result.exit_code == 2);
  CHECK(no_result.err.find("(HTTP 409)") != std::string::npos);
  const Outcome wrong_key =
      Run({"list", "--url", server.Url(), "--key", "btr_wrong"}, tmp, kCleanEnv);
  CHECK(wrong_key.exit_code == 2);
  CHECK(wrong_key.err.find("(HTTP 401)") != std::string::npos);

  // BTR_URL and BTR_API_KEY stand in for the flags; flags win over them.
  const Outcome from_env = Run({"status", id, "--format", "json"}, tmp,
                               {"BTR_URL=" + server.Url(), "BTR_API_KEY=" + server.admin_key()});
  CHECK(from_env.exit_code == 0);
  const std::string closed = "http://127.0.0.1:" + std::to_string(ClosedPort());
  const Outcome flags_win = Run({"status", id, "--url", server.Url(), "--key", server.admin_key()},
                                tmp, {"BTR_URL=" + closed, "BTR_API_KEY=btr_wrong"});
  CHECK(flags_win.exit_code == 0);
}

TEST_CASE("client commands name the missing key and an unreachable server", "[cli][client]") {
  TempDir tmp;
  const Outcome no_key = Run({"status", "bt_1"}, tmp, kCleanEnv);
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.err.find("--key") != std::string::npos);
  CHECK(no_key.err.find("BTR_API_KEY") != std::string::npos);
  CHECK(Lines(no_key.err) == 1);

  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort());
  const std::vector<std::string> commands = {"list", "status", "watch", "result", "cancel", "logs"};
  for (const std::string& command : commands) {
    std::vector<std::string> args = {command, "--url", url, "--key", "btr_x"};
    if (command != "list") args.push_back("bt_1");
    const Outcome o = Run(args, tmp, kCleanEnv);
    INFO(command << ": " << o.err);
    CHECK(o.exit_code == 1);
    CHECK(o.err.rfind("btrouter " + command + ": cannot reach btrouter at " + url + " (", 0) == 0);
    CHECK(o.err.find("is `btrouter serve` running?") != std::string::npos);
    CHECK(Lines(o.err) == 1);
  }
  const Outcome submit = Run({"submit", "--dataset", "ds_1", "--strategy", "sma_cross", "--url",
                              url, "--key", "btr_x", "--param", "fast=abc"},
                             tmp, kCleanEnv);
  CHECK(submit.exit_code == 2);  // checked before any request
  CHECK(submit.err.find("--param fast") != std::string::npos);
  const Outcome no_id = Run({"status", "--key", "btr_x"}, tmp, kCleanEnv);
  CHECK(no_id.exit_code == 2);
  CHECK(no_id.err.find("ID: required") != std::string::npos);
  const Outcome extra = Run({"status", "bt_1", "bt_2", "--key", "btr_x"}, tmp, kCleanEnv);
  CHECK(extra.exit_code == 2);
  CHECK(extra.err.find("unexpected argument 'bt_2'") != std::string::npos);
}

TEST_CASE("flags take declared positional arguments between flags") {
  Flags f;
  f.AddPositional("FILE", "input");
  f.AddValue("name", "NAME", "name");
  std::vector<std::string> args = {"upload", "--name", "x", "data.csv"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  REQUIRE(f.Parse(static_cast<int>(argv.size()), argv.data(), 1).ok());
  CHECK(f.positionals() == std::vector<std::string>{"data.csv"});
  CHECK(f.Get("name") == "x");
  Flags none;
  none.AddValue("name", "NAME", "name");
  CHECK(none.Parse(static_cast<int>(argv.size()), argv.data(), 1).code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("the metrics table from JSON matches the table from the struct") {
  Metrics m;
  m.start = 1'000'000'000'000'000'000;
  m.end = 1'100'000'000'000'000'000;
  m.duration_s = 86400 * 3.5;
  m.total_return = 0.125;
  m.equity_final = 11250;
  m.sharpe_ratio = std::nan("");
  m.profit_factor = HUGE_VAL;
  m.num_trades = 7;
  const std::string expected = FormatMetricsTable(m);
  CHECK(FormatMetricsJsonTable(MetricsToJson(m)) == expected);
  CHECK(expected.find("  Sharpe ratio              —\n") != std::string::npos);
  CHECK(expected.find("  Profit factor             —\n") != std::string::npos);  // as null
  CHECK(expected.find("  Duration                  3 days 12 h\n") != std::string::npos);
  json extra = MetricsToJson(m);
  extra["engine_specific"] = 2.5;
  extra["an_engines_own_long_name_s"] = 90;
  CHECK(FormatMetricsJsonTable(extra) == expected +
                                             "  An engines own long name  1 min 30 s\n"
                                             "  Engine specific           2.5\n");
}

TEST_CASE("URL components are percent-encoded") {
  CHECK(UrlEncode("bt_1-a.b~") == "bt_1-a.b~");
  CHECK(UrlEncode("a/b c?&=") == "a%2Fb%20c%3F%26%3D");
}

}  // namespace
}  // namespace btr
