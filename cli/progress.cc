#include "cli/progress.h"

#include <unistd.h>

namespace btr::cli {

ProgressBar::ProgressBar() : ProgressBar(std::chrono::seconds(1)) {}

ProgressBar::ProgressBar(std::chrono::milliseconds show_after)
    : ProgressBar(stderr, isatty(STDERR_FILENO) == 1, show_after) {}

ProgressBar::ProgressBar(std::FILE* out, bool enabled, std::chrono::milliseconds show_after)
    : out_(out),
      enabled_(enabled),
      show_after_(show_after),
      start_(std::chrono::steady_clock::now()) {
  if (enabled_) thread_ = std::thread([this] { Loop(); });
}

ProgressBar::~ProgressBar() {
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (drawn_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
  }
}

void ProgressBar::SetPhase(std::string phase) {
  std::lock_guard<std::mutex> lock(mu_);
  phase_ = std::move(phase);
  fraction_.store(-1);
}

void ProgressBar::Update(double fraction) { fraction_.store(fraction); }

std::string ProgressBar::Render(const std::string& phase, double fraction, double elapsed_s) {
  char buf[160];
  if (fraction < 0) {
    std::snprintf(buf, sizeof buf, "%s %.1f s", phase.c_str(), elapsed_s);
    return buf;
  }
  constexpr int kWidth = 30;
  const int filled = fraction >= 1 ? kWidth : static_cast<int>(fraction * kWidth);
  std::string bar(kWidth, '.');
  for (int k = 0; k < filled; ++k) bar[static_cast<size_t>(k)] = '#';
  std::snprintf(buf, sizeof buf, "%s [%s] %3d%%", phase.c_str(), bar.c_str(),
                static_cast<int>(fraction * 100));
  return buf;
}

void ProgressBar::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  if (cv_.wait_until(lock, start_ + show_after_, [this] { return stop_; })) return;
  while (!stop_) {
    if (phase_.empty()) {
      cv_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stop_; });
      continue;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const std::string line = Render(phase_, fraction_.load(), elapsed);
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    std::fflush(out_);
    drawn_ = true;
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; });
  }
}

}  // namespace btr::cli
