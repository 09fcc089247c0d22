#include "adapters/qc_cloud/qc_wire.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "adapters/lean/lean_project.h"
#include "adapters/lean/lean_result.h"
#include "engines/core/time.h"

namespace btr::qc {
namespace {

using nlohmann::json;

void AppendNumber(std::string& out, double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, ec == std::errc() ? end : buf);
}

std::string StringMember(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

// "Running: 42%" -> 0.42; -1 when the status carries no percentage.
double StatusPercent(const std::string& status) {
  const size_t percent = status.find('%');
  if (percent == std::string::npos) return -1;
  size_t begin = percent;
  while (begin > 0 && (std::isdigit(static_cast<unsigned char>(status[begin - 1])) != 0 ||
                       status[begin - 1] == '.')) {
    --begin;
  }
  if (begin == percent) return -1;
  return std::strtod(status.substr(begin, percent - begin).c_str(), nullptr) / 100.0;
}

bool BoolMember(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string DataModuleSource(const BarSeries& bars) {
  std::string out =
      "# btrouter bars for this backtest (generated; do not edit).\n"
      "# One line per bar: start as New York wall-clock time, open, high, low, close, volume.\n"
      "CSV = \"\"\"time,open,high,low,close,volume\n";
  out.reserve(out.size() + bars.size() * 64 + 8);
  for (size_t i = 0; i < bars.size(); ++i) {
    out += FormatCsvTime(bars.time[i]);
    for (double value : {bars.open[i], bars.high[i], bars.low[i], bars.close[i]}) {
      out += ',';
      AppendNumber(out, value);
    }
    out += ',';
    AppendNumber(out, bars.has_volume ? bars.volume[i] : 0.0);
    out += '\n';
  }
  out += "\"\"\"\n";
  return out;
}

Result<std::map<std::string, std::string>> CloudParameters(const BacktestSpec& spec,
                                                           const BarSeries& bars) {
  Result<std::map<std::string, std::string>> parameters = lean::AlgorithmParameters(spec, bars);
  if (!parameters.ok()) return parameters.status();
  (*parameters)[std::string(kDataModuleParameter)] = std::string(kDataModule);
  return parameters;
}

BacktestState ReadBacktestState(const json& backtest) {
  BacktestState state;
  state.status = StringMember(backtest, "status");
  auto progress = backtest.find("progress");
  if (progress != backtest.end() && progress->is_number()) {
    state.progress = progress->get<double>();
  } else if (const double percent = StatusPercent(state.status); percent >= 0) {
    state.progress = percent;
  }
  state.progress = std::clamp(state.progress, 0.0, 1.0);
  auto performance = backtest.find("totalPerformance");
  state.has_total_performance = performance != backtest.end() && performance->is_object();

  const std::string error = StringMember(backtest, "error");
  const std::string stacktrace = StringMember(backtest, "stacktrace");
  const bool init_error = BoolMember(backtest, "hasInitializeError");
  static constexpr std::string_view kFailedStatuses[] = {
      "Runtime Error", "RuntimeError", "DeployError", "Invalid",
      "Stopped",       "Liquidated",   "Deleted"};
  const bool failed_status =
      std::any_of(std::begin(kFailedStatuses), std::end(kFailedStatuses),
                  [&](std::string_view s) { return StartsWith(state.status, s); });
  if (!FirstLine(error).empty() || !FirstLine(stacktrace).empty() || init_error || failed_status) {
    state.phase = BacktestPhase::kFailed;
    state.error = FirstLine(error);
    if (state.error.empty()) state.error = FirstLine(stacktrace);
    if (state.error.empty()) {
      state.error = init_error ? "the algorithm failed to initialize" : "status " + state.status;
    }
    return state;
  }
  auto statistics = backtest.find("statistics");
  const bool complete = BoolMember(backtest, "completed") &&
                        backtest.contains("runtimeStatistics") && statistics != backtest.end() &&
                        statistics->is_object();
  if (complete) {
    state.phase = BacktestPhase::kCompleted;
    state.progress = 1;
  } else {
    state.progress = std::min(state.progress, 0.999);
  }
  return state;
}

json AssembleResult(const json& backtest, const json& equity_chart,
                    const std::vector<json>& orders) {
  json result = json::object();
  for (const char* key : {"statistics", "runtimeStatistics", "totalPerformance"}) {
    auto it = backtest.find(key);
    result[key] = it != backtest.end() ? *it : json::object();
  }
  result["charts"] = json::object();
  result["charts"][std::string(kEquityChart)] = equity_chart;
  json by_id = json::object();
  for (size_t i = 0; i < orders.size(); ++i) {
    const json& order = orders[i];
    std::string id = std::to_string(i + 1);
    if (order.is_object() && order.contains("id")) {
      const json& value = order["id"];
      if (value.is_number_integer()) id = std::to_string(value.get<int64_t>());
      if (value.is_string()) id = value.get<std::string>();
    }
    by_id[id] = order;
  }
  result["orders"] = std::move(by_id);
  return result;
}

Result<EngineRun> ReadCloudRun(const QcReplyReader& reader, const json& backtest,
                               const json& equity_chart, const std::vector<json>& orders,
                               const BarSeries& bars) {
  Result<EngineRun> run =
      lean::ParseLeanResult(AssembleResult(backtest, equity_chart, orders), bars);
  if (!run.ok()) return Status(run.status().code(), reader.Redact(run.status().message()));
  return run;
}

std::string FirstLine(std::string_view text) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())) != 0) {
      line.remove_prefix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())) != 0) {
      line.remove_suffix(1);
    }
    if (!line.empty()) return std::string(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return "";
}

}  // namespace btr::qc
