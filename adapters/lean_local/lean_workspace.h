// LeanWorkspace: the folder of one local LEAN run, <work_dir>/<run id>/
// (docs/engines/lean_local.md):
//
//   project/main.py       the catalogue algorithm (lean::AlgorithmSource()), or the files of an
//                         algorithm's own source (BacktestSpec::algorithm)
//   project/config.json   {"algorithm-language", "parameters"}: what lean-cli reads from a project
//   data/                 the bars in LEAN's format (lean::WriteLeanData) plus LEAN's market-hours
//                         and symbol-properties databases copied from a LEAN data folder
//   results/              results-destination-folder: LEAN writes <algorithm-id>.json here
//   config.json           the LEAN launcher configuration (LeanConfig below)
//
// Paths inside config.json are the paths LEAN sees: a folder the command template bind-mounts
// ("-v {data_dir}:/Lean/Data") is given by its container path, any other by its host path.
//
// Thread-safe (no shared state; the algorithm id comes from a per-thread random generator).
// File errors are Status values naming the path.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "adapters/lean_local/lean_command.h"
#include "engines/core/status.h"
#include "engines/data/bars.h"

namespace btr::lean_local {

struct LeanWorkspace {
  std::string run_id;        // "<yyyyMMdd-HHmmss>-<algorithm id>", the folder's name
  std::string algorithm_id;  // "1" + 9 digits, as lean-cli makes them
  std::string root, project_dir, data_dir, results_dir, config_path;  // host paths

  std::string result_path() const { return results_dir + "/" + algorithm_id + ".json"; }
  // The container name for {container}: "btr-lean-<run id>".
  std::string container_name() const { return "btr-lean-" + run_id; }
  CommandValues command_values() const;
};

// How LEAN sees the workspace under a command template (container paths for mounted folders).
struct LeanView {
  std::string algorithm_location;  // …/main.py
  std::string data_folder;
  std::string results_folder;
};

// A random algorithm id: "1" followed by 9 digits.
std::string NewAlgorithmId();

// Creates a fresh <work_dir>/<run id>/ with its three sub-folders (work_dir is created when
// missing). Unavailable naming engines.lean_local.work_dir when it cannot be created.
Result<LeanWorkspace> CreateWorkspace(const std::string& work_dir);

LeanView ViewFor(const LeanWorkspace& workspace, const LeanCommand& command);

// The launcher configuration: algorithm-type-name "main", algorithm-language "Python",
// algorithm-location, data-folder, results-destination-folder, object-store-root, parameters,
// algorithm-id, close-automatically, environment "backtesting", the handler keys of LEAN's
// Launcher/config.json, and its environments.backtesting block (a mounted config replaces the
// image's own file, so it must carry them). No credentials: job-user-id "0", api-access-token "".
nlohmann::json LeanConfig(const std::string& algorithm_id, const LeanView& view,
                          const std::map<std::string, std::string>& parameters);

// The LEAN databases a run needs besides the bars, relative to a LEAN data folder; `required`
// ones must exist in engines.lean_local.lean_data_dir when that is set.
struct LeanDatabaseFile {
  const char* path;
  bool required;
};
const std::vector<LeanDatabaseFile>& LeanDatabaseFiles();

// Checks that `lean_data_dir` holds every required database file. Unavailable naming
// engines.lean_local.lean_data_dir and the missing file.
Status CheckLeanDataDir(const std::string& lean_data_dir);

// Writes the project's `files` (lean::ProjectFiles; names are relative paths already checked by
// ReadAlgorithm, sub-folders are created), the project config, the data as the ticker
// parameters["ticker"] names (kTicker without one; plus copies of the databases in
// `lean_data_dir` when it is not empty) and config.json.
Status PopulateWorkspace(const LeanWorkspace& workspace, const LeanView& view,
                         const std::map<std::string, std::string>& files,
                         const BarSeries& bars,
                         const std::map<std::string, std::string>& parameters,
                         const std::string& lean_data_dir);

// Removes the run folder, best effort (files a container wrote as another user may stay).
void RemoveWorkspace(const LeanWorkspace& workspace);

}  // namespace btr::lean_local
