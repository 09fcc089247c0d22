#include "cli/compare_progress.h"

#include <algorithm>
#include <cmath>

#include "cli/client_util.h"

namespace btr::cli {
namespace {

using nlohmann::json;

std::string Text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string ErrorText(const json& run) {
  std::string text = ErrorSummary(run);
  if (text.size() > 160) text = text.substr(0, 157) + "...";
  return text;
}

}  // namespace

std::string RunProgressLines::Line(const json& run, size_t label_width) {
  std::string label = Text(run, "label");
  label.resize(std::max(label.size(), label_width), ' ');
  const std::string status = Text(run, "status");
  std::string line = label + "  " + status;
  line.resize(label.size() + 2 + 10, ' ');
  if (status == "running" || status == "queued") {
    const double fraction = std::clamp(
        run.value("progress", json(0.0)).is_number() ? run["progress"].get<double>() : 0.0, 0.0,
        1.0);
    constexpr int kWidth = 20;
    std::string bar(kWidth, '.');
    for (int k = 0; k < static_cast<int>(fraction * kWidth); ++k) bar[static_cast<size_t>(k)] = '#';
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(std::floor(fraction * 100)));
    line += "[" + bar + "] " + pct;
    const std::string phase = Text(run, "phase");
    if (!phase.empty() && phase != status) line += "  " + phase;
  } else if (status == "failed" || status == "cancelled") {
    line += ErrorText(run);
  } else {
    line += Text(run, "backtest_id");
  }
  return line;
}

void RunProgressLines::Show(const json& runs) {
  if (!runs.is_array()) return;
  size_t width = 0;
  for (const json& run : runs) width = std::max(width, Text(run, "label").size());
  if (terminal_) {
    if (drawn_ > 0) std::fprintf(out_, "\033[%zuA", drawn_);  // back to the first line
    for (const json& run : runs) std::fprintf(out_, "\r\033[2K%s\n", Line(run, width).c_str());
    drawn_ = runs.size();
    std::fflush(out_);
    return;
  }
  for (const json& run : runs) {
    const std::string label = Text(run, "label");
    const std::string status = Text(run, "status");
    if (shown_[label] == status) continue;
    shown_[label] = status;
    std::string line = label + ": " + status;
    if (status == "succeeded") line += " (" + Text(run, "backtest_id") + ")";
    if (status == "failed" || status == "cancelled") line += ": " + ErrorText(run);
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

}  // namespace btr::cli
