// `btrouter optimize`: the sweep from the command line, against `btrouter backtest`.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/run_binary.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::Outcome;
using testing::Run;
using testing::TempDir;

std::string Goog() { return testing::SharedDir() + "/data/GOOG.csv"; }

TEST_CASE("optimize: the best trial is what backtest prints for its parameters") {
  TempDir tmp;
  const Outcome sweep = Run({"optimize", "--data", Goog(), "--no-cache", "--strategy", "ema_cross",
                             "--param", "fast=4:16:4", "--param", "slow=20,30,45",
                             "--constraint", "slow >= 2 * fast", "--objective", "total_return",
                             "--commission", "0.001", "--format", "json"},
                            tmp);
  INFO(sweep.err);
  REQUIRE(sweep.exit_code == 0);
  const json report = json::parse(sweep.out);
  // fast in {4, 8, 12, 16} x slow in {20, 30, 45}; slow >= 2 fast drops (12, 20), (16, 20), (16, 30).
  CHECK(report["counts"]["grid_points"] == 12);
  CHECK(report["counts"]["excluded"] == 3);
  CHECK(report["counts"]["trials"] == 9);
  const json& best = report["best"];
  const std::string fast = std::to_string(best["params"]["fast"].get<int>());
  const std::string slow = std::to_string(best["params"]["slow"].get<int>());
  const Outcome single = Run({"backtest", "--data", Goog(), "--no-cache", "--strategy", "ema_cross",
                              "--param", "fast=" + fast, "--param", "slow=" + slow,
                              "--commission", "0.001", "--format", "json"},
                             tmp);
  REQUIRE(single.exit_code == 0);
  const json metrics = json::parse(single.out)["metrics"];
  for (const auto& [name, value] : best["metrics"].items()) {
    INFO(name);
    CHECK(metrics[name] == value);
  }
  // The best has the highest total return of every trial.
  for (const json& row : report["trials"]["rows"]) {
    CHECK(row.back().get<double>() <= best["objective"].get<double>());
  }
  CHECK(report["analysis"]["pbo"].contains("pbo"));
  CHECK(report["analysis"]["deflated_sharpe"].contains("dsr"));
}

TEST_CASE("optimize: csv lists every trial, the table the analysis") {
  TempDir tmp;
  const std::vector<std::string> base = {"optimize", "--data", Goog(), "--no-cache", "--strategy",
                                         "sma_cross", "--param", "fast=5,10", "--param",
                                         "slow=20:40:10"};
  std::vector<std::string> csv_args = base;
  csv_args.insert(csv_args.end(), {"--format", "csv"});
  const Outcome csv = Run(csv_args, tmp);
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out.rfind("fast,slow,duration_s,", 0) == 0);
  CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 1 + 6);
  const Outcome table = Run(base, tmp);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("6 trials of 6 grid points") &&
                            Catch::Contains("deflated Sharpe ratio") &&
                            Catch::Contains("probability of backtest overfitting") &&
                            Catch::Contains("surface:"));
}

TEST_CASE("optimize: --walk-forward adds the folds and the stitched out-of-sample figures") {
  TempDir tmp;
  const std::vector<std::string> base = {"optimize", "--data", Goog(), "--no-cache", "--strategy",
                                         "sma_cross", "--param", "fast=5,10,20", "--param",
                                         "slow=30:90:30", "--walk-forward", "4", "--anchored"};
  const Outcome table = Run(base, tmp);
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("walk-forward: 4 folds, anchored") &&
                            Catch::Contains("out of sample (stitched)"));
  std::vector<std::string> json_args = base;
  json_args.insert(json_args.end(), {"--format", "json"});
  const Outcome out = Run(json_args, tmp);
  REQUIRE(out.exit_code == 0);
  const json wf = json::parse(out.out)["walk_forward"];
  REQUIRE(wf["windows"].size() == 4);
  for (const json& fold : wf["windows"]) {
    CHECK(fold["train"]["start"] == wf["windows"][0]["train"]["start"]);  // anchored
  }
  CHECK(wf["anchored"] == true);
}

TEST_CASE("optimize: bad flags are refused with the flag named") {
  TempDir tmp;
  auto refused = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"optimize", "--data", Goog(), "--no-cache", "--strategy",
                                     "sma_cross"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Outcome o = Run(args, tmp);
    CHECK(o.exit_code == 2);
    return o.err;
  };
  CHECK_THAT(refused({}), Catch::Contains("--param"));
  CHECK_THAT(refused({"--param", "fats=1:5"}), Catch::Contains("--param fats"));
  CHECK_THAT(refused({"--param", "fast=5:1"}), Catch::Contains("max must be >= min"));
  CHECK_THAT(refused({"--param", "fast=1:5", "--objective", "sharp"}),
             Catch::Contains("--objective") && Catch::Contains("sharpe_ratio"));
  CHECK_THAT(refused({"--param", "fast=1:5", "--constraint", "fast <"}),
             Catch::Contains("constraint"));
  CHECK_THAT(refused({"--param", "fast=1:5", "--method", "random"}), Catch::Contains("--max-tries"));
  CHECK_THAT(refused({"--param", "fast=1:5", "--start", "2030-01-01"}), Catch::Contains("--start"));
  CHECK_THAT(refused({"--param", "fast=1:5", "--walk-forward", "4", "--test-fraction", "1"}),
             Catch::Contains("--test-fraction"));
  CHECK_THAT(refused({"--param", "fast=1:5", "--walk-forward", "500"}),
             Catch::Contains("--walk-forward"));
  CHECK_THAT(refused({"--param", "fast=30:40", "--param", "slow=10:20"}),
             Catch::Contains("no grid point"));
}

}  // namespace
}  // namespace btr
