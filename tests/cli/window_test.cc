// `btrouter backtest --start/--end` and the window flags of the client commands.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/cli/run_binary.h"
#include "tests/router/integration/serve_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::Outcome;
using testing::Run;
using testing::TempDir;

std::string Goog() { return testing::SharedDir() + "/data/GOOG.csv"; }

// GOOG.csv with only the rows dated in [from, to] (ISO dates compare as text); `rows` their count.
std::string CutGoog(const std::string& from, const std::string& to, size_t* rows) {
  std::istringstream in(testing::ReadFile(Goog()));
  std::string line, out;
  std::getline(in, line);
  out = line + "\n";
  *rows = 0;
  while (std::getline(in, line)) {
    const std::string date = line.substr(0, 10);
    if (date < from || date > to) continue;
    out += line + "\n";
    ++*rows;
  }
  return out;
}

TEST_CASE("backtest --start/--end runs on the window: the run on a file of those bars") {
  TempDir tmp;
  size_t rows = 0;
  const std::string cut = CutGoog("2006-03-01", "2011-06-30", &rows);
  std::ofstream(tmp.Path("cut.csv")) << cut;
  const Outcome windowed =
      Run({"backtest", "--data", Goog(), "--strategy", "macd_cross", "--commission", "0.001",
           "--start", "2006-03-01", "--end", "2011-06-30", "--format", "json", "--no-cache"},
          tmp);
  INFO(windowed.err);
  REQUIRE(windowed.exit_code == 0);
  const nlohmann::json w = nlohmann::json::parse(windowed.out);
  const Outcome whole = Run({"backtest", "--data", tmp.Path("cut.csv"), "--strategy", "macd_cross",
                             "--commission", "0.001", "--format", "json", "--no-cache"},
                            tmp);
  REQUIRE(whole.exit_code == 0);
  const nlohmann::json c = nlohmann::json::parse(whole.out);
  CHECK(w["run"]["bars"] == rows);
  CHECK(w["run"]["dataset_bars"] == 2148);
  CHECK(w["run"]["start"] == "2006-03-01");
  CHECK(w["run"]["end"] == "2011-06-30");
  CHECK(c["run"]["start"].is_null());
  CHECK(w["metrics"] == c["metrics"]);
  CHECK(w["trades"] == c["trades"]);
  CHECK(w["open_trades"] == c["open_trades"]);

  const Outcome table = Run({"backtest", "--data", Goog(), "--strategy", "sma_cross", "--start",
                             "2008-01-01", "--end", "2009-12-31", "--no-cache"},
                            tmp);
  REQUIRE(table.exit_code == 0);
  size_t in_2008_2009 = 0;
  CutGoog("2008-01-01", "2009-12-31", &in_2008_2009);
  REQUIRE(in_2008_2009 < 1000);  // printed without a thousands separator
  CHECK(table.out.find("window 2008-01-01 to 2009-12-31: " + std::to_string(in_2008_2009) +
                       " bars") != std::string::npos);
}

TEST_CASE("window flags: errors name the flag and exit 2; help lists them") {
  TempDir tmp;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--start", "2008-02-30"}, "--start: expected an ISO-8601 date"},
      {{"--end", "tomorrow"}, "--end: expected an ISO-8601 date"},
      {{"--start", "2009-01-01", "--end", "2008-01-01"},
       "--start: 2009-01-01 is after end 2008-01-01"},
      {{"--start", "2020-01-01"},
       "--start: the window from 2020-01-01 to the last bar holds 0 bars"},
      {{"--start", "2008-01-02", "--end", "2008-01-02"},
       "the dataset's bars run from 2004-08-19T00:00:00Z to 2013-03-01T00:00:00Z"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"backtest",   "--data",    Goog(),
                                     "--strategy", "sma_cross", "--no-cache"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const Outcome o = Run(args, tmp);
    INFO(o.err);
    CHECK(o.exit_code == 2);
    CHECK(o.err.find(c.message) != std::string::npos);
    CHECK(o.out.empty());
  }
  // The client commands check the flags before they connect (no server runs here).
  const Outcome submit = Run({"submit", "--dataset", "ds_x", "--strategy", "sma_cross", "--start",
                              "soon", "--url", "http://127.0.0.1:9", "--key", "btr_x"},
                             tmp);
  CHECK(submit.exit_code == 2);
  CHECK(submit.err.find("--start: expected an ISO-8601 date") != std::string::npos);
  for (const char* command : {"backtest", "submit", "compare"}) {
    const Outcome help = Run({command, "--help"}, tmp);
    INFO(command);
    CHECK(help.out.find("--start TIME") != std::string::npos);
    CHECK(help.out.find("--end TIME") != std::string::npos);
  }
}

TEST_CASE("upload a LEAN zip and submit on a window through a running server", "[cli][window]") {
  TempDir tmp, data_dir;
  testing::ServeProcess server(data_dir.path(), tmp.Path("serve.log"));
  const std::vector<std::string> env = {"-u", "BTR_URL", "-u", "BTR_API_KEY"};
  auto client = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--url", server.Url(), "--key", server.admin_key()});
    return Run(args, tmp, env);
  };
  const Outcome uploaded =
      client({"upload", testing::SharedDir() + "/data/lean/equity/usa/daily/spy.zip"});
  INFO(uploaded.err);
  REQUIRE(uploaded.exit_code == 0);
  const std::string dataset = uploaded.out.substr(0, uploaded.out.find('\n'));
  const Outcome submitted = client({"submit", "--dataset", dataset, "--strategy", "sma_cross",
                                    "--start", "2019-01-01", "--end", "2019-12-31", "--wait"});
  INFO(submitted.err);
  REQUIRE(submitted.exit_code == 0);
  const std::string id = submitted.out.substr(0, submitted.out.find('\n'));
  const Outcome result = client({"result", id, "--format", "json"});
  REQUIRE(result.exit_code == 0);
  const nlohmann::json doc = nlohmann::json::parse(result.out);
  CHECK(doc["metrics"]["start"].get<std::string>().rfind("2019-01-0", 0) == 0);
  CHECK(doc["metrics"]["end"].get<std::string>().rfind("2019-12-3", 0) == 0);
  const Outcome status = client({"status", id, "--format", "json"});
  REQUIRE(status.exit_code == 0);
  CHECK(nlohmann::json::parse(status.out)["spec"]["start"] == "2019-01-01");
  const Outcome table = client({"status", id});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("window 2019-01-01 to 2019-12-31, cash") != std::string::npos);
}

}  // namespace
}  // namespace btr
