#include "cli/job_text.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "cli/report.h"
#include "engines/core/time.h"
#include "engines/metrics/metric_format.h"

namespace btr::cli {
namespace {

using nlohmann::json;

std::string Text(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Number(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number() ? it->get<double>() : 0.0;
}

// An array's length, or a whole number.
size_t Count(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return 0;
  if (it->is_array()) return it->size();
  return it->is_number_unsigned() ? it->get<size_t>() : 0;
}

}  // namespace

std::string StrategyText(const json& job) {
  if (!job.contains("spec") || !job["spec"].is_object()) return "-";
  if (job["spec"].contains("algorithm") && job["spec"]["algorithm"].is_object()) {
    return "own " + Text(job["spec"]["algorithm"], "language") + " code";
  }
  const json strategy = job["spec"].value("strategy", json::object());
  const json params = strategy.value("params", json::object());
  std::string out = Text(strategy, "name");
  if (!params.is_object() || params.empty()) return out;  // the strategy's defaults
  bool first = true;
  for (const auto& [name, value] : params.items()) {
    out += (first ? "(" : ", ") + name + "=";
    out += value.is_number() ? ExactNumber(value.get<double>()) : value.dump();
    first = false;
  }
  return out + ")";
}

std::string SettingsText(const json& spec) {
  std::string out;
  auto add = [&out](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
  auto number = [&spec](const char* key) {
    auto it = spec.find(key);
    return it != spec.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  if (spec.contains("start") || spec.contains("end")) {
    add("window " + spec.value("start", std::string("the first bar")) + " to " +
        spec.value("end", std::string("the last bar")));
  }
  if (spec.contains("cash")) add("cash " + FormatGrouped(number("cash"), 2));
  if (number("commission") != 0)
    add("commission " + FormatMetricValue(MetricUnit::kFraction, number("commission")));
  if (number("commission_fixed") != 0) {
    add("commission " + FormatGrouped(number("commission_fixed"), 2) + " per order");
  }
  if (number("spread") != 0)
    add("spread " + FormatMetricValue(MetricUnit::kFraction, number("spread")));
  if (spec.contains("margin") && number("margin") != 1) {
    add("margin " + ExactNumber(number("margin")));
  }
  for (const char* flag : {"trade_on_close", "exclusive_orders", "hedging", "finalize_trades"}) {
    if (spec.value(flag, json(false)) != true) continue;
    std::string words = flag;
    std::replace(words.begin(), words.end(), '_', ' ');
    add(words);
  }
  return out;
}

std::string TookText(const json& job) {
  const std::optional<TimeNs> started = ParseIsoTime(Text(job, "started_at"));
  const std::optional<TimeNs> finished = ParseIsoTime(Text(job, "finished_at"));
  if (!started || !finished || *finished < *started) return "";
  return " (took " + FormatElapsed(static_cast<double>(*finished - *started) / 1e9) + ")";
}

Result<std::string> ResultTable(const json& job, const json& result) {
  if (!result.contains("metrics") || !result["metrics"].is_object()) {
    return Status::Internal("unexpected result document: no metrics object");
  }
  const size_t closed = Count(result, "trades");
  const size_t open = Count(result, "open_trades");
  const json dataset = result.value("dataset", json::object());
  char line[512];
  std::string out;
  std::snprintf(line, sizeof line, "backtest %s: %s on %s\n", Text(job, "id").c_str(),
                StrategyText(job).c_str(), Text(result, "engine").c_str());
  out += line;
  std::snprintf(line, sizeof line, "  dataset %s: %s bars, sha256 %.16s...\n",
                Text(dataset, "id").c_str(), FormatGrouped(Number(dataset, "bars"), 0).c_str(),
                Text(dataset, "sha256").c_str());
  out += line;
  std::snprintf(line, sizeof line, "  %zu trades: %zu closed, %zu open at the end; ran in %s\n\n",
                closed + open, closed, open, FormatElapsed(Number(result, "run_seconds")).c_str());
  out += line;
  return out + FormatMetricsJsonTable(result["metrics"]);
}

}  // namespace btr::cli
