// `btrouter compare` run as a user would, against a real `btrouter serve` whose backtestingpy
// engine is the Backtesting.py fake and whose lean_local command is the LEAN fake: the command
// of the issue (native, backtestingpy and lean_local on GOOG, --data uploading the file), its
// live per-engine progress lines, the files it writes, and its exit codes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/adapters/lean_local/lean_local_test_util.h"
#include "tests/cli/run_binary.h"
#include "tests/fakes/service_process.h"
#include "tests/router/integration/serve_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::Outcome;
using testing::Run;
using testing::ServeProcess;
using testing::ServiceProcess;
using testing::TempDir;

const std::vector<std::string> kCleanEnv = {"-u", "BTR_URL", "-u", "BTR_API_KEY"};

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("btrouter compare runs native, backtestingpy and lean_local and writes the report",
          "[cli][compare]") {
  TempDir tmp, data_dir;
  ServiceProcess fake(testing::BacktestingPyFakeArgv());
  const testing::ScopedEnv env(
      {{"BTR__ENGINES__BACKTESTINGPY__ENABLED", "true"},
       {"BTR__ENGINES__BACKTESTINGPY__URL", fake.Url()},
       {"BTR__ENGINES__LEAN_LOCAL__ENABLED", "true"},
       {"BTR__ENGINES__LEAN_LOCAL__COMMAND", testing::Python() + " -B " + BTR_SOURCE_DIR +
                                                 "/tests/fakes/fake_lean.py --btrouter " +
                                                 BTR_BINARY + " --config {config}"},
       {"BTR__ENGINES__LEAN_LOCAL__LEAN_DATA_DIR", testing::lean_local::MakeLeanDataDir(tmp)},
       {"BTR__SERVER__WS_LISTEN", ""}});
  ServeProcess server(data_dir.path(), tmp.Path("serve.log"));
  REQUIRE(!server.admin_key().empty());
  auto compare = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "compare");
    args.insert(args.end(), {"--url", server.Url(), "--key", server.admin_key()});
    return Run(args, tmp, kCleanEnv);
  };

  const Outcome out =
      compare({"--engines", "native,backtestingpy,lean_local", "--strategy", "sma_cross", "--data",
               testing::SharedData("GOOG.csv"), "--html", tmp.Path("report.html"), "--json",
               tmp.Path("report.json"), "--csv", tmp.Path("report.csv")});
  INFO(out.out << "\n---\n"
               << out.err << "\n---\n"
               << testing::ReadFile(tmp.Path("serve.log")).substr(0, 4000));
  REQUIRE(out.exit_code == 0);
  // stdout: the id, the summary, the explanations.
  CHECK(out.out.rfind("cmp_", 0) == 0);
  CHECK(Has(out.out, "succeeded, baseline native"));
  CHECK(Has(out.out, "[backtestingpy vs native] backtestingpy vs native agree"));
  CHECK(Has(out.out, "[lean_local vs native]"));
  // stderr: the upload, a progress line per engine as it ends, the files.
  CHECK(Has(out.err, "uploaded "));
  for (const std::string engine : {"native", "backtestingpy", "lean_local"}) {
    CHECK(Has(out.err, engine + ": succeeded (bt_"));
  }
  CHECK(Has(out.err, "wrote " + tmp.Path("report.html")));
  // The files: the JSON report, the CSV tables, the page with its inlined report.
  const json report = json::parse(testing::ReadFile(tmp.Path("report.json")));
  CHECK(report["runs"].size() == 3);
  for (const json& run : report["runs"]) CHECK(run["status"] == "succeeded");
  CHECK(report["pairs"].size() == 2);
  const std::string metrics_csv = testing::ReadFile(tmp.Path("report.csv"));
  CHECK(metrics_csv.rfind("key,run,engine,canonical", 0) == 0);
  CHECK(std::count(metrics_csv.begin(), metrics_csv.end(), '\n') ==
        static_cast<long>(1 + 3 * report["metrics"].size()));
  const std::string trades_csv = testing::ReadFile(tmp.Path("report-trades.csv"));
  CHECK(trades_csv.rfind("a,b,match,side", 0) == 0);
  const std::string html = testing::ReadFile(tmp.Path("report.html"));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(Has(html, "<script type=\"application/json\" id=\"report-data\">"));
  CHECK(Has(html, report["id"].get<std::string>()));

  // A variant: the same engine with another setting, named after it.
  const Outcome variant = compare({"--engines", "native", "--variant", "native:trade_on_close=true",
                                   "--variant", "native:fast=5", "--strategy", "sma_cross",
                                   "--data", testing::SharedData("GOOG.csv")});
  INFO(variant.err);
  CHECK(variant.exit_code == 0);
  CHECK(Has(variant.out, "[native[trade_on_close=true] vs native] fill timing:"));
  // The summary in people's units, as `btrouter backtest` shows them.
  CHECK(Has(variant.out, "Max drawdown"));
  CHECK(std::regex_search(variant.out, std::regex("max_drawdown [0-9.]+ % → [0-9.]+ %")));
  CHECK(std::regex_search(variant.out,
                          std::regex("max_drawdown_duration_s [0-9,]+ days → [0-9,]+ days")));
  CHECK(!Has(variant.out, "e+0"));  // no raw seconds or fractions in exponent form
  CHECK(Has(variant.out, "runs with strategy.params.fast = 5 (native: unset)"));

  // Refused requests exit 2 naming the field; a comparison with one success exits 1.
  const Outcome unknown = compare({"--engines", "native,nosuch", "--strategy", "sma_cross",
                                   "--data", testing::SharedData("GOOG.csv")});
  CHECK(unknown.exit_code == 2);
  CHECK(Has(unknown.err, "--engines: nosuch is unknown or not enabled on this server"));
  CHECK(!Has(unknown.err, "uploaded"));
  CHECK(compare({"--strategy", "sma_cross", "--data", "ds_x"}).exit_code == 2);
  fake.Stop();
  const Outcome half = compare({"--engines", "native,backtestingpy", "--strategy", "sma_cross",
                                "--data", testing::SharedData("GOOG.csv")});
  INFO(half.err);
  CHECK(half.exit_code == 1);
  CHECK(Has(half.err, "backtestingpy: failed: unavailable"));
  CHECK(Has(half.out, ": failed, baseline native"));
}

// A new user's first try on a default server (only native enabled): refused before the upload,
// on one line naming each engine and how to enable it; nothing is left on the server.
TEST_CASE("btrouter compare checks the engines and flags before it uploads", "[cli][compare]") {
  TempDir tmp, data_dir;
  const testing::ScopedEnv env(
      std::vector<std::pair<std::string, std::string>>{{"BTR__SERVER__WS_LISTEN", ""}});
  ServeProcess server(data_dir.path(), tmp.Path("serve.log"));
  REQUIRE(!server.admin_key().empty());
  auto client = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--url", server.Url(), "--key", server.admin_key()});
    return Run(args, tmp, kCleanEnv);
  };
  const std::string goog = testing::SharedData("GOOG.csv");
  auto no_datasets = [&] {
    const Outcome list = client({"datasets", "--format", "json"});
    REQUIRE(list.exit_code == 0);
    return json::parse(list.out)["items"].empty();
  };

  const Outcome first = client({"compare", "--engines", "native,backtestingpy,lean_local",
                                "--strategy", "sma_cross", "--data", goog});
  CHECK(first.exit_code == 2);
  CHECK(first.out.empty());
  CHECK(std::count(first.err.begin(), first.err.end(), '\n') == 1);
  // Listed as disabled, with how to enable them.
  CHECK(Has(first.err, "btrouter compare: --engines: backtestingpy is disabled ("));
  CHECK(Has(first.err, "BTR__ENGINES__BACKTESTINGPY__ENABLED=true"));
  CHECK(Has(first.err, "; lean_local is disabled ("));
  CHECK(no_datasets());

  // Disabled by an admin: named as such.
  REQUIRE(client({"engines", "disable", "native"}).exit_code == 0);
  const Outcome disabled =
      client({"compare", "--engines", "native", "--variant", "native:trade_on_close=true",
              "--strategy", "sma_cross", "--data", goog});
  CHECK(disabled.exit_code == 2);
  CHECK(Has(disabled.err, "--engines: native is disabled"));
  REQUIRE(client({"engines", "enable", "native"}).exit_code == 0);

  // Bad flags and settings, before the server is asked anything.
  const std::vector<std::vector<std::string>> bad = {
      {"--engines", "native", "--strategy", "sma_cross"},
      {"--engines", "native,native", "--strategy", "sma_crosss"},
      {"--engines", "native,native", "--strategy", "sma_cross", "--param", "fast=0"},
      {"--engines", "native", "--variant", "native:fast=30", "--strategy", "sma_cross"},
      {"--engines", "native,native", "--strategy", "sma_cross", "--cash", "lots"},
      {"--engines", "native,native", "--strategy", "sma_cross", "--html",
       tmp.Path("missing/report.html")},
  };
  for (std::vector<std::string> args : bad) {
    args.insert(args.begin(), "compare");
    args.insert(args.end(), {"--data", goog});
    const Outcome o = client(args);
    INFO(o.err);
    CHECK(o.exit_code == 2);
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
  CHECK(no_datasets());
}

}  // namespace
}  // namespace btr
