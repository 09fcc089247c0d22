// The checks `btrouter compare` makes before it uploads anything (cli/compare_request.h).
#include "cli/compare_request.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/client_util.h"

namespace btr::cli {
namespace {

using nlohmann::json;

Result<json> BodyOf(std::vector<std::string> args) {
  args.insert(args.begin(), "compare");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  Flags f;
  f.AddValue("engines", "E1,E2", "");
  f.AddRepeated("variant", "V", "");
  f.AddValue("strategy", "NAME", "");
  f.AddRepeated("param", "k=v", "");
  DeclareSettingFlags(f);
  REQUIRE(f.Parse(static_cast<int>(argv.size()), argv.data(), 1).ok());
  return ComparisonBodyFromFlags(f);
}

// The message of checking the runs of `args`; empty when they pass.
std::string RunsError(std::vector<std::string> args) {
  Result<json> body = BodyOf(std::move(args));
  if (!body.ok()) return body.status().message();
  return CheckComparisonRuns(*body).message();
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("compare: the runs are checked as the server checks them, named by flag") {
  CHECK(RunsError({"--engines", "native,backtestingpy", "--strategy", "sma_cross"}).empty());
  CHECK(RunsError({"--engines", "native", "--variant", "native:trade_on_close=true", "--strategy",
                   "sma_cross", "--param", "fast=5"})
            .empty());
  CHECK(Has(RunsError({"--engines", "native", "--strategy", "sma_cross"}), "at least two runs"));
  CHECK(Has(RunsError({"--engines", "native,backtestingpy", "--strategy", "nope"}),
            "--strategy: unknown strategy 'nope'"));
  CHECK(Has(RunsError({"--engines", "native,backtestingpy", "--strategy", "sma_cross", "--param",
                       "fast=0"}),
            "--param: parameter 'fast'"));
  CHECK(Has(RunsError({"--engines", "native,backtestingpy", "--strategy", "sma_cross", "--param",
                       "speed=3"}),
            "unknown parameter 'speed'"));
  // A variant's parameters: the cross-parameter rule with the base's.
  const std::string variant =
      RunsError({"--engines", "native", "--variant", "native:fast=50", "--strategy", "sma_cross"});
  CHECK(Has(variant, "--variant native:fast=50: "));
  CHECK(Has(variant, "below 'slow'"));
  CHECK(Has(RunsError({"--engines", "native", "--variant", "native", "--strategy", "sma_cross"}),
            "--variant: expected ENGINE:key=value"));
}

json Sma(std::vector<std::string> engines) {
  json list = json::array();
  for (const std::string& e : engines) list.push_back(e);
  return {{"strategy", {{"name", "sma_cross"}, {"params", json::object()}}}, {"engines", list}};
}

json Engine(const std::string& name, const std::string& state) {
  return {{"name", name},
          {"state", state},
          {"capabilities", {{"strategies", {"sma_cross", "rsi_reversion"}}}}};
}

std::string EnginesError(const json& body, const json& engines,
                         std::vector<std::string>* notes = nullptr) {
  return CheckComparisonEngines(body, engines, notes).message();
}

TEST_CASE("compare: engines the server does not run are named with the reason, on one line") {
  const json only_native = json::array({Engine("native", "healthy")});
  CHECK(EnginesError(Sma({"native", "native"}), only_native).empty());
  // Today's servers leave engines they have not enabled out of the list.
  const std::string absent =
      EnginesError(Sma({"native", "backtestingpy", "lean_local"}), only_native);
  CHECK(absent.rfind("--engines: ", 0) == 0);
  CHECK(Has(absent, "backtestingpy is unknown or not enabled on this server"));
  CHECK(Has(absent, "lean_local is unknown or not enabled on this server"));
  CHECK(Has(absent, "(engines it runs: native)"));
  CHECK(!Has(absent, "\n"));
  // Servers that list them as disabled, with how to enable them; or disabled by an admin.
  json listed = only_native;
  listed.push_back({{"name", "backtestingpy"},
                    {"state", "disabled"},
                    {"hint", "set engines.backtestingpy.enabled = true"}});
  json admin_disabled = Engine("qc_cloud", "disabled");
  admin_disabled["reason"] = "disabled by an admin";
  listed.push_back(admin_disabled);
  const std::string disabled = EnginesError(Sma({"native", "backtestingpy", "qc_cloud"}), listed);
  CHECK(Has(disabled, "backtestingpy is disabled (set engines.backtestingpy.enabled = true)"));
  CHECK(Has(disabled, "qc_cloud is disabled (disabled by an admin)"));
  CHECK(!Has(disabled, "engines it runs"));
  // The same reply wrapped in {"items": [...]}.
  CHECK(Has(EnginesError(Sma({"native", "backtestingpy"}), {{"items", listed}}),
            "backtestingpy is disabled"));
  // An engine that does not run the strategy.
  json narrow = Engine("lean_local", "healthy");
  narrow["capabilities"]["strategies"] = {"rsi_reversion"};
  CHECK(Has(EnginesError(Sma({"native", "lean_local"}),
                         json::array({Engine("native", "healthy"), narrow})),
            "lean_local does not run strategy 'sma_cross'"));
  // Ejected or draining: submitted, with a note.
  std::vector<std::string> notes;
  json ejected = Engine("backtestingpy", "ejected");
  ejected["reason"] = "3 failed probes";
  CHECK(EnginesError(Sma({"native", "backtestingpy"}),
                     json::array({Engine("native", "healthy"), ejected}), &notes)
            .empty());
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] == "backtestingpy is ejected (3 failed probes); its run may fail");
}

TEST_CASE("compare: --start and --end go into the base spec, normalized; variants may move them") {
  Result<json> body =
      BodyOf({"--engines", "native", "--variant", "native:start=2009-01-01T09:30:00Z", "--strategy",
              "sma_cross", "--start", "20080102", "--end", "2010-06-30"});
  REQUIRE(body.ok());
  CHECK((*body)["start"] == "2008-01-02");
  CHECK((*body)["end"] == "2010-06-30");
  CHECK((*body)["engines"][1]["overrides"]["start"] == "2009-01-01T09:30:00Z");
  CHECK(CheckComparisonRuns(*body).ok());
  // Absent flags send nothing: the server's spec then has no window.
  body = BodyOf({"--engines", "native,backtestingpy", "--strategy", "sma_cross"});
  REQUIRE(body.ok());
  CHECK_FALSE(body->contains("start"));
  CHECK_FALSE(body->contains("end"));
  // Errors name the flag, or the variant.
  CHECK(Has(RunsError({"--engines", "native,backtestingpy", "--strategy", "sma_cross", "--start",
                       "2008-02-30"}),
            "--start: expected an ISO-8601 date"));
  CHECK(Has(RunsError({"--engines", "native,backtestingpy", "--strategy", "sma_cross", "--start",
                       "2009-01-01", "--end", "2008-01-01"}),
            "--start: 2009-01-01 is after end 2008-01-01"));
  CHECK(Has(RunsError({"--engines", "native", "--variant", "native:end=later", "--strategy",
                       "sma_cross"}),
            "--variant native:end=later: end: expected an ISO-8601 date"));
}

}  // namespace
}  // namespace btr::cli
