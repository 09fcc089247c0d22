// LeanLogFollower over the real logs of the buy-and-hold fixture and synthetic lines.
#include "adapters/lean/lean_log.h"

#include <catch2/catch.hpp>

#include "tests/adapters/lean/lean_test_util.h"

namespace btr::lean {
namespace {

using testing::LeanLines;

TimeNs At(int y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0) {
  return DaysFromCivil(y, mo, d) * kNsPerDay + h * kNsPerHour + mi * kNsPerMinute +
         s * kNsPerSecond;
}

// The fraction of January 2023 (as LEAN states the range: 00:00 Jan 1 to 23:59:59 Jan 31).
double JanuaryFraction(TimeNs t) {
  return static_cast<double>(t - At(2023, 1, 1)) /
         static_cast<double>(At(2023, 1, 31, 23, 59, 59) - At(2023, 1, 1));
}

TEST_CASE("LeanLogFollower reads the engine log.txt of a real run", "[lean]") {
  LeanLogFollower log;
  CHECK_FALSE(log.progress());
  const std::vector<std::string> lines = LeanLines("buy-and-hold-spy/log.txt");
  size_t fed = 0;
  for (; fed < lines.size(); ++fed) {
    if (lines[fed].find("Algorithm Id:(") != std::string::npos) break;
    log.Feed(lines[fed]);
  }
  REQUIRE(fed < lines.size());
  // Before the summary: the range is known (from "Dates:"), the algorithm time is not (log.txt
  // is stamped with the host's UTC clock, not the algorithm's).
  CHECK_FALSE(log.summary());
  CHECK_FALSE(log.progress());
  CHECK(log.engine_version() == "2.5.0.0");
  // The btrouter algorithm's progress line, as LEAN would print it in log.txt.
  log.Feed("2025-11-05T01:59:44.3232879Z TRACE:: Log: BTR_PROGRESS 2023-01-16T12:00:00");
  REQUIRE(log.progress());
  CHECK(*log.progress() == Approx(JanuaryFraction(At(2023, 1, 16, 12))));

  for (; fed < lines.size(); ++fed) log.Feed(lines[fed]);
  REQUIRE(log.summary());
  CHECK(log.summary()->algorithm_id == "1654346112");
  CHECK(log.summary()->seconds == 1.41);
  CHECK(log.summary()->data_points == 15601);
  CHECK(log.progress() == 1.0);
  CHECK(log.errors().empty());

  const std::map<std::string, std::string>& stats = log.statistics();
  CHECK(stats.size() == 28);  // 27 statistics + OrderListHash
  CHECK(stats.at("Total Orders") == "1");
  CHECK(stats.at("Net Profit") == "4.272%");
  CHECK(stats.at("Sharpe Ratio") == "2.948");
  CHECK(stats.at("End Equity") == "104272.20");
  CHECK(stats.at("Total Fees") == "$1.30");
  CHECK(stats.at("Drawdown") == "3.100%");
  CHECK(stats.at("Drawdown Recovery") == "6");
  CHECK(stats.at("Lowest Capacity Asset") == "SPY R735QTJ8XC9X");
  CHECK(stats.at("Estimated Strategy Capacity") == "$74000000.00");
  CHECK(stats.at("OrderListHash") == "7580f4182acdcb218698ff776fd973c4");
  // The same numbers as the result JSON's "statistics".
  const nlohmann::json result = testing::LeanJson("buy-and-hold-spy/1654346112.json");
  for (const auto& [key, value] : result.at("statistics").items()) {
    INFO(key);
    CHECK(stats.at(key) == value.get<std::string>());
  }
}

TEST_CASE("LeanLogFollower reads the algorithm log <id>-log.txt", "[lean]") {
  LeanLogFollower log;
  log.set_range(At(2023, 1, 1), At(2023, 2, 1));
  const std::vector<std::string> lines = LeanLines("buy-and-hold-spy/1654346112-log.txt");
  REQUIRE(lines.size() == 5);
  log.Feed(lines[0]);  // "2023-01-01 00:00:00 Launching analysis for 1654346112 with LEAN …"
  CHECK(log.progress() == 0.0);
  CHECK(log.engine_version() == "2.5.0.0");
  log.Feed(lines[3]);  // "2023-01-03 09:31:00 Purchased Stock"
  CHECK(log.algorithm_time() == At(2023, 1, 3, 9, 31));
  CHECK(*log.progress() == Approx((2 * 86400.0 + 9.5 * 3600 + 60) / (31 * 86400.0)));
  log.Feed(lines[4]);  // the summary, at 2023-01-31 16:00:00
  CHECK(log.algorithm_time() == At(2023, 1, 31, 16));
  REQUIRE(log.summary());
  CHECK(log.summary()->algorithm_id == "1654346112");
  CHECK(log.progress() == 1.0);
}

TEST_CASE("LeanLogFollower follows BTR_PROGRESS on stdout and caps progress below 1", "[lean]") {
  LeanLogFollower log;
  log.Feed("20251105 01:59:44.323 TRACE:: Log: BTR_PROGRESS 2004-11-17T00:00:00");
  CHECK_FALSE(log.progress());  // no range yet
  log.set_range(At(2004, 8, 19), At(2013, 3, 1));
  CHECK(*log.progress() == Approx(static_cast<double>(At(2004, 11, 17) - At(2004, 8, 19)) /
                                  static_cast<double>(At(2013, 3, 1) - At(2004, 8, 19))));
  // Older times (a late line) never move progress back.
  log.Feed("20251105 01:59:44.324 TRACE:: Log: BTR_PROGRESS 2004-09-01T00:00:00");
  CHECK(log.algorithm_time() == At(2004, 11, 17));
  log.Feed("20251105 01:59:45.000 TRACE:: Log: BTR_PROGRESS 2013-03-01T16:00:00");
  CHECK(log.progress() == 0.999);
  log.Feed("20251105 01:59:45.000 TRACE:: Log: BTR_PROGRESS garbage");
  CHECK(log.algorithm_time() == At(2013, 3, 1, 16));
  // A stated range replaces the one given, and set_range() no longer changes it.
  log.Feed(
      "20251105 01:59:43.898 TRACE:: AlgorithmManager.Run(): Begin DataStream - Start: "
      "1/1/2023 12:00:00 AM Stop: 1/31/2023 11:59:59 PM Time: 1/1/2023 12:00:00 AM Warmup: False");
  log.Feed("20251105 01:59:44.323 TRACE:: Log: BTR_PROGRESS 2023-01-16T12:00:00");
  log.set_range(At(2000, 1, 1), At(2030, 1, 1));
  CHECK(*log.progress() == Approx(JanuaryFraction(At(2023, 1, 16, 12))));
  LeanLogFollower fresh;
  fresh.Feed(
      "2025-11-05T01:59:43.8986253Z TRACE:: AlgorithmManager.Run(): Begin DataStream - Start: "
      "1/1/2023 12:00:00 AM Stop: 1/31/2023 11:59:59 PM Time: 1/1/2023 12:00:00 AM Warmup: False");
  fresh.Feed("2023-01-16 12:00:00 BTR_PROGRESS 2023-01-16T12:00:00");
  CHECK(*fresh.progress() == Approx(JanuaryFraction(At(2023, 1, 16, 12))));
}

TEST_CASE("LeanLogFollower keeps the first ERROR lines with their continuations", "[lean]") {
  LeanLogFollower log;
  log.Feed("20240101 12:00:00.000 TRACE:: BaseSetupHandler.SetupCurrencyConversions():");
  log.Feed("Account Type: Margin");  // a TRACE continuation: not an error
  log.Feed("20240101 12:00:01.000 ERROR:: Runtime Error: name 'x' is not defined");
  log.Feed("  at on_data");
  log.Feed("    x += 1");
  log.Feed("   in main.py: line 42");
  log.Feed("20240101 12:00:01.001 TRACE:: Engine.Run(): Exiting Algorithm Manager");
  log.Feed("an unrelated line");
  log.Feed("2024-01-01T12:00:02.0000000Z ERROR:: Engine.Run(): RuntimeError: boom\r");
  const std::vector<std::string> expected = {"Runtime Error: name 'x' is not defined",
                                             "  at on_data", "    x += 1", "   in main.py: line 42",
                                             "Engine.Run(): RuntimeError: boom"};
  CHECK(log.errors() == expected);
  for (int i = 0; i < 40; ++i) log.Feed("20240101 12:00:03.000 ERROR:: again");
  CHECK(log.errors().size() == 20);
  CHECK_FALSE(log.summary());
}

TEST_CASE("LeanLogFollower reads a summary with larger numbers and odd keys", "[lean]") {
  LeanLogFollower log;
  log.Feed(
      "20251105 01:59:45.304 TRACE:: Debug: Algorithm Id:(main) completed in 123.45 seconds at "
      "2k data points per second. Processing total of 1,234,567 data points.");
  REQUIRE(log.summary());
  CHECK(log.summary()->algorithm_id == "main");
  CHECK(log.summary()->seconds == 123.45);
  CHECK(log.summary()->data_points == 1234567);
  log.Feed("STATISTICS:: Some New Statistic 1.5");
  log.Feed("STATISTICS:: Total Orders 3");
  CHECK(log.statistics().at("Some New Statistic") == "1.5");
  CHECK(log.statistics().at("Total Orders") == "3");
  log.Feed("Dates: Start: 13/01/2023 End: 01/31/2023");  // a bad date: ignored
  CHECK(log.progress() == 1.0);
}

}  // namespace
}  // namespace btr::lean
