// `btrouter monte-carlo` run as a user would, against a real `btrouter serve` child process: the
// table agrees with the API's report (--json), flags reach the request, errors name the flag.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engines/metrics/metric_format.h"
#include "tests/cli/run_binary.h"
#include "tests/router/integration/serve_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::Outcome;
using testing::Run;
using testing::ServeProcess;
using testing::TempDir;

const std::vector<std::string> kCleanEnv = {"-u", "BTR_URL", "-u", "BTR_API_KEY"};

TEST_CASE("monte-carlo prints a finished backtest's robustness table and JSON", "[cli][client]") {
  TempDir tmp, data_dir;
  ServeProcess server(data_dir.path(), tmp.Path("serve.log"));
  REQUIRE(!server.admin_key().empty());
  const auto client = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--url", server.Url(), "--key", server.admin_key()});
    return Run(args, tmp, kCleanEnv);
  };
  const Outcome up = client({"upload", "--name", "goog", testing::SharedData("GOOG.csv")});
  REQUIRE(up.exit_code == 0);
  const std::string dataset = up.out.substr(0, up.out.find('\n'));
  const Outcome sub = client({"submit", "--dataset", dataset, "--strategy", "sma_cross", "--param",
                              "fast=10", "--param", "slow=20", "--commission", "0.002", "--wait"});
  INFO(sub.err);
  REQUIRE(sub.exit_code == 0);
  const std::string id = sub.out.substr(0, sub.out.find('\n'));

  // --json: the API's report, with the flags sent as its request.
  const Outcome as_json = client({"monte-carlo", id, "--method", "bootstrap", "--simulations",
                                  "300", "--seed", "11", "--ruin-pct", "0.25", "--json"});
  INFO(as_json.err);
  REQUIRE(as_json.exit_code == 0);
  const json report = json::parse(as_json.out);
  CHECK(report["method"] == "bootstrap");
  CHECK(report["simulations"] == 300);
  CHECK(report["seed"] == 11);
  CHECK(report["ruin_pct"] == 0.25);

  // The table: the same numbers, in the units of the metrics tables.
  const Outcome table = client({"monte-carlo", id, "--method", "bootstrap", "--simulations", "300",
                                "--seed", "11", "--ruin-pct", "0.25"});
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  const std::string& out = table.out;
  CHECK(out.rfind(id + ": bootstrap of " + report["steps"].dump() +
                      " closed trades, 300 simulations, seed 11\n",
                  0) == 0);
  const json& final_equity = report["metrics"]["final_equity"];
  const std::string final_row_start = "  Final equity";
  const size_t row = out.find(final_row_start);
  REQUIRE(row != std::string::npos);
  const std::string final_row = out.substr(row, out.find('\n', row) - row);
  for (const char* key : {"original", "p5", "p50", "p95"}) {
    CHECK(final_row.find(FormatMoney(final_equity[key].get<double>())) != std::string::npos);
  }
  CHECK(final_row.find(FormatGrouped(final_equity["original_rank"].get<double>(), 1) + " %") !=
        std::string::npos);
  const size_t drawdown = out.find("  Max drawdown");
  REQUIRE(drawdown != std::string::npos);
  CHECK(out.find(FormatPercent(report["metrics"]["max_drawdown"]["p95"].get<double>()), drawdown) !=
        std::string::npos);
  CHECK(out.find("Sharpe (per trade)") != std::string::npos);
  CHECK(out.find("P(ruin)           " + FormatPercent(report["ruin"]["probability"])) !=
        std::string::npos);
  CHECK(out.find("paths touched " + FormatMoney(report["ruin"]["threshold_equity"])) !=
        std::string::npos);
  CHECK(out.find("P(final < start)  " +
                 FormatPercent(report["final_below_start"]["probability"])) != std::string::npos);
  CHECK(out.find("serial dependence") != std::string::npos);  // the method's note

  // Defaults: permute, whose note says the final equity cannot move.
  const Outcome permuted = client({"monte-carlo", id});
  REQUIRE(permuted.exit_code == 0);
  CHECK(permuted.out.find(": permute of ") != std::string::npos);
  CHECK(permuted.out.find("leaves the final equity unchanged") != std::string::npos);
  const Outcome days = client({"monte-carlo", id, "--method", "block_bootstrap", "--block-scheme",
                               "circular", "--block-length", "5", "--simulations", "100"});
  REQUIRE(days.exit_code == 0);
  CHECK(days.out.find(" daily returns, 100 simulations") != std::string::npos);
  CHECK(days.out.find("circular blocks of 5 days") != std::string::npos);
  CHECK(days.out.find("Sharpe (annualized)") != std::string::npos);

  // Refusals: exit 2 and one line naming the flag (checked by the server, reworded here).
  const Outcome bad_method = client({"monte-carlo", id, "--method", "shuffle"});
  CHECK(bad_method.exit_code == 2);
  CHECK(bad_method.err.rfind("btrouter monte-carlo: --method: expected permute, bootstrap or "
                             "block_bootstrap",
                             0) == 0);
  const Outcome bad_ruin = client({"monte-carlo", id, "--ruin-pct", "50"});
  CHECK(bad_ruin.exit_code == 2);
  CHECK(bad_ruin.err.rfind("btrouter monte-carlo: --ruin-pct: expected a fraction in (0, 1]", 0) ==
        0);
  const Outcome not_number = client({"monte-carlo", id, "--simulations", "many"});
  CHECK(not_number.exit_code == 2);
  CHECK(not_number.err.find("--simulations") != std::string::npos);
  const Outcome missing = client({"monte-carlo", "bt_nope"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("HTTP 404") != std::string::npos);
  const Outcome no_id = client({"monte-carlo"});
  CHECK(no_id.exit_code == 2);
  CHECK(no_id.err == "btrouter monte-carlo: ID: required (a backtest id)\n");
}

}  // namespace
}  // namespace btr
