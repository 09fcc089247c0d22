// Helpers of the lean_local engine tests: GOOG daily bars, the fake LEAN launcher
// (tests/fakes/fake_lean.py) as a command template, a LEAN data folder with stand-in databases,
// engine options on a temporary folder.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "adapters/lean_local/lean_local_engine.h"
#include "engines/data/csv_loader.h"
#include "tests/test_util.h"

namespace btr::testing::lean_local {

namespace fs = std::filesystem;

inline BarSeries Goog() {
  Result<BarSeries> bars = LoadCsvFile(SharedData("GOOG.csv"));
  REQUIRE(bars.ok());
  return std::move(bars).value();
}

// The fake launcher as a command template, with extra words (e.g. " --fault hang").
inline std::string FakeCommand(const std::string& extra = "") {
  return Python() + " -B " + BTR_SOURCE_DIR + "/tests/fakes/fake_lean.py --btrouter " + BTR_BINARY +
         " --config {config}" + extra;
}

// A LEAN data folder with stand-ins for the databases LEAN needs (the fake only checks them).
inline std::string MakeLeanDataDir(const TempDir& tmp) {
  const fs::path root = tmp.Path("lean-data");
  fs::create_directories(root / "market-hours");
  fs::create_directories(root / "symbol-properties");
  std::ofstream(root / "market-hours/market-hours-database.json") << "{}\n";
  std::ofstream(root / "symbol-properties/symbol-properties-database.csv") << "market,symbol\n";
  return root.string();
}

inline LeanLocalOptions Options(const TempDir& tmp, const std::string& command) {
  LeanLocalOptions options;
  options.command = command;
  options.work_dir = tmp.Path("work");
  options.run_timeout = std::chrono::seconds(60);
  options.kill_grace = std::chrono::milliseconds(1000);
  options.lean_data_dir = MakeLeanDataDir(tmp);
  options.algorithm_source = true;  // off by default; the algorithm tests run source
  return options;
}

inline std::unique_ptr<LeanLocalEngine> Make(const LeanLocalOptions& options) {
  Result<std::unique_ptr<LeanLocalEngine>> engine = LeanLocalEngine::Create(options);
  REQUIRE(engine.ok());
  return std::move(engine).value();
}

// Entries left in the work folder (run folders not cleaned up).
inline size_t LeftOver(const LeanLocalOptions& options) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(options.work_dir, ec); !ec && it != fs::end(it); ++it) ++n;
  return n;
}

}  // namespace btr::testing::lean_local
