#include "adapters/lean_local/lean_workspace.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>

#include "adapters/lean/lean_project.h"

namespace btr::lean_local {
namespace fs = std::filesystem;
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    std::seed_seq seed{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seed);
  }());
  return rng;
}

std::string UtcStamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &tm);
  return text;
}

Status WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::Internal("lean_local: cannot write " + path);
  return Status::Ok();
}

// Copies `from` to `to` (a copy, not a link: the run's data folder is mounted read-write into
// LEAN's container, and nothing it does may reach the configured folder).
Status CopyInto(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (ec) return Status::Internal("lean_local: cannot create " + to.parent_path().string());
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    return Status::Internal("lean_local: cannot copy " + from.string() + " to " + to.string() +
                            ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

CommandValues LeanWorkspace::command_values() const {
  CommandValues values;
  values.config = config_path;
  values.project_dir = project_dir;
  values.data_dir = data_dir;
  values.results_dir = results_dir;
  values.container = container_name();
  return values;
}

std::string NewAlgorithmId() {
  std::uniform_int_distribution<int> digit(0, 9);
  std::string id = "1";
  for (int i = 0; i < 9; ++i) id += static_cast<char>('0' + digit(Rng()));
  return id;
}

Result<LeanWorkspace> CreateWorkspace(const std::string& work_dir) {
  if (work_dir.empty()) {
    return Status::Unavailable("engines.lean_local.work_dir: no folder configured");
  }
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  if (ec) {
    return Status::Unavailable("engines.lean_local.work_dir: cannot create " + work_dir + ": " +
                               ec.message());
  }
  const fs::path base = fs::absolute(work_dir, ec);
  for (int attempt = 0; attempt < 16; ++attempt) {
    LeanWorkspace ws;
    ws.algorithm_id = NewAlgorithmId();
    ws.run_id = UtcStamp() + "-" + ws.algorithm_id;
    const fs::path root = base / ws.run_id;
    if (!fs::create_directory(root, ec)) {
      if (ec) {
        return Status::Unavailable("engines.lean_local.work_dir: cannot create " + root.string() +
                                   ": " + ec.message());
      }
      continue;  // taken: draw another id
    }
    ws.root = root.string();
    ws.project_dir = (root / "project").string();
    ws.data_dir = (root / "data").string();
    ws.results_dir = (root / "results").string();
    ws.config_path = (root / "config.json").string();
    for (const std::string& dir : {ws.project_dir, ws.data_dir, ws.results_dir}) {
      if (!fs::create_directory(dir, ec) || ec) {
        RemoveWorkspace(ws);
        return Status::Unavailable("engines.lean_local.work_dir: cannot create " + dir);
      }
    }
    return ws;
  }
  return Status::Unavailable("engines.lean_local.work_dir: no free run folder in " + work_dir);
}

LeanView ViewFor(const LeanWorkspace& workspace, const LeanCommand& command) {
  LeanView view;
  const std::optional<std::string> project = command.MountTarget("project_dir");
  const std::string project_seen = project ? *project : workspace.project_dir;
  view.algorithm_location =
      project_seen + (project_seen.empty() || project_seen.back() != '/' ? "/" : "") + "main.py";
  view.data_folder = command.MountTarget("data_dir").value_or(workspace.data_dir);
  view.results_folder = command.MountTarget("results_dir").value_or(workspace.results_dir);
  return view;
}

nlohmann::json LeanConfig(const std::string& algorithm_id, const LeanView& view,
                          const std::map<std::string, std::string>& parameters) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [key, value] : parameters) params[key] = value;
  std::string storage = view.results_folder;
  if (storage.empty() || storage.back() != '/') storage += '/';
  storage += "storage";
  // Class names as LEAN's Launcher/config.json and lean-cli's generated configs name them.
  return nlohmann::json{
      {"environment", "backtesting"},
      {"algorithm-type-name", "main"},
      {"algorithm-language", "Python"},
      {"algorithm-location", view.algorithm_location},
      {"algorithm-id", algorithm_id},
      {"backtest-name", "btrouter"},
      {"data-folder", view.data_folder},
      {"results-destination-folder", view.results_folder},
      {"object-store-root", storage},
      {"close-automatically", true},
      {"debugging", false},
      {"debugging-method", "LocalCmdline"},
      {"composer-dll-directory", "."},
      {"show-missing-data-logs", true},
      {"job-user-id", "0"},
      {"project-id", "0"},
      {"api-access-token", ""},
      {"job-organization-id", ""},
      {"parameters", params},
      {"log-handler", "QuantConnect.Logging.CompositeLogHandler"},
      {"messaging-handler", "QuantConnect.Messaging.Messaging"},
      {"job-queue-handler", "QuantConnect.Queues.JobQueue"},
      {"api-handler", "QuantConnect.Api.Api"},
      {"map-file-provider", "QuantConnect.Data.Auxiliary.LocalDiskMapFileProvider"},
      {"factor-file-provider", "QuantConnect.Data.Auxiliary.LocalDiskFactorFileProvider"},
      {"data-provider", "QuantConnect.Lean.Engine.DataFeeds.DefaultDataProvider"},
      {"object-store", "QuantConnect.Lean.Engine.Storage.LocalObjectStore"},
      {"environments",
       {{"backtesting",
         {{"live-mode", false},
          {"setup-handler", "QuantConnect.Lean.Engine.Setup.BacktestingSetupHandler"},
          {"result-handler", "QuantConnect.Lean.Engine.Results.BacktestingResultHandler"},
          {"data-feed-handler", "QuantConnect.Lean.Engine.DataFeeds.FileSystemDataFeed"},
          {"real-time-handler", "QuantConnect.Lean.Engine.RealTime.BacktestingRealTimeHandler"},
          {"history-provider",
           {"QuantConnect.Lean.Engine.HistoricalData.SubscriptionDataReaderHistoryProvider"}},
          {"transaction-handler",
           "QuantConnect.Lean.Engine.TransactionHandlers.BacktestingTransactionHandler"}}}}},
  };
}

const std::vector<LeanDatabaseFile>& LeanDatabaseFiles() {
  static const std::vector<LeanDatabaseFile> files = {
      {"market-hours/market-hours-database.json", true},
      {"symbol-properties/symbol-properties-database.csv", true},
      // The risk-free rate of LEAN's Sharpe ratio; LEAN logs an error and uses 0 without it.
      {"alternative/interest-rate/usa/interest-rate.csv", false},
  };
  return files;
}

Status CheckLeanDataDir(const std::string& lean_data_dir) {
  for (const LeanDatabaseFile& file : LeanDatabaseFiles()) {
    if (!file.required) continue;
    const fs::path path = fs::path(lean_data_dir) / file.path;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      return Status::Unavailable("engines.lean_local.lean_data_dir: " + path.string() +
                                 " is missing (point it at a LEAN data folder, e.g. the one "
                                 "`lean init` creates)");
    }
  }
  return Status::Ok();
}

Status PopulateWorkspace(const LeanWorkspace& workspace, const LeanView& view,
                         const std::map<std::string, std::string>& files,
                         const BarSeries& bars,
                         const std::map<std::string, std::string>& parameters,
                         const std::string& lean_data_dir) {
  for (const auto& [name, content] : files) {
    const fs::path path = fs::path(workspace.project_dir) / name;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Status::Internal(path.parent_path().string() + ": " + ec.message());
    BTR_RETURN_IF_ERROR(WriteFile(path.string(), content));
  }
  nlohmann::json project_params = nlohmann::json::object();
  for (const auto& [key, value] : parameters) project_params[key] = value;
  const nlohmann::json project = {{"algorithm-language", "Python"}, {"parameters", project_params}};
  BTR_RETURN_IF_ERROR(WriteFile(workspace.project_dir + "/config.json", project.dump(2) + "\n"));
  const auto ticker = parameters.find("ticker");
  BTR_RETURN_IF_ERROR(lean::WriteLeanData(
      bars, workspace.data_dir, ticker == parameters.end() ? lean::kTicker : ticker->second));
  if (!lean_data_dir.empty()) {
    BTR_RETURN_IF_ERROR(CheckLeanDataDir(lean_data_dir));
    for (const LeanDatabaseFile& file : LeanDatabaseFiles()) {
      const fs::path from = fs::path(lean_data_dir) / file.path;
      std::error_code ec;
      if (!file.required && !fs::is_regular_file(from, ec)) continue;
      BTR_RETURN_IF_ERROR(CopyInto(from, fs::path(workspace.data_dir) / file.path));
    }
  }
  const nlohmann::json config = LeanConfig(workspace.algorithm_id, view, parameters);
  return WriteFile(workspace.config_path, config.dump(4) + "\n");
}

void RemoveWorkspace(const LeanWorkspace& workspace) {
  if (workspace.root.empty()) return;
  std::error_code ec;
  fs::remove_all(workspace.root, ec);
}

}  // namespace btr::lean_local
