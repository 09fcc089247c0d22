#include "cli/progress.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace btr::cli {
namespace {

constexpr char kClearLine[] = "\r\033[K";

// The descriptor whose line the enabled bar has drawn on (-1: none), and the signal
// dispositions its constructor replaced. Read by the signal handler, hence lock-free.
std::atomic<int> g_drawn_fd{-1};
std::atomic<int> g_null_fd{-1};  // /dev/null, opened before any handler can run
struct sigaction g_previous_int, g_previous_term;

// Clears the drawn line, puts the previous disposition back and delivers the signal again
// (blocked until this handler returns). The drawing thread may be writing at the same time:
// the drawn descriptor is first pointed at /dev/null (its later writes vanish), then the line is
// cleared through a copy of it, so nothing drawn outlives the clear. Only async-signal-safe calls.
void ClearLineAndResignal(int signal_number) {
  const int fd = g_drawn_fd.exchange(-1);
  const int null_fd = g_null_fd.load();
  if (fd >= 0) {
    const int terminal = ::dup(fd);
    if (null_fd >= 0) ::dup2(null_fd, fd);
    const ssize_t ignored =
        ::write(terminal >= 0 ? terminal : fd, kClearLine, sizeof kClearLine - 1);
    (void)ignored;
  }
  sigaction(signal_number, signal_number == SIGINT ? &g_previous_int : &g_previous_term, nullptr);
  raise(signal_number);
}

}  // namespace

ProgressBar::ProgressBar() : ProgressBar(std::chrono::seconds(1)) {}

ProgressBar::ProgressBar(std::chrono::milliseconds show_after)
    : ProgressBar(stderr, isatty(STDERR_FILENO) == 1, show_after) {}

ProgressBar::ProgressBar(std::FILE* out, bool enabled, std::chrono::milliseconds show_after)
    : out_(out),
      enabled_(enabled),
      show_after_(show_after),
      start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  if (g_null_fd.load() < 0) g_null_fd.store(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  struct sigaction clear = {};
  clear.sa_handler = ClearLineAndResignal;
  sigemptyset(&clear.sa_mask);
  sigaction(SIGINT, &clear, &g_previous_int);
  sigaction(SIGTERM, &clear, &g_previous_term);
  thread_ = std::thread([this] { Loop(); });
}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Finish() {
  if (!enabled_ || !thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (drawn_.load()) {
    std::fputs(kClearLine, out_);
    std::fflush(out_);
  }
  g_drawn_fd.store(-1);
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
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
    std::fprintf(out_, "%s%s", kClearLine, line.c_str());
    std::fflush(out_);
    drawn_.store(true);
    g_drawn_fd.store(fileno(out_));
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; });
  }
}

}  // namespace btr::cli
