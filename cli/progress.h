// A progress line on stderr for long CLI commands. Silent when stderr is not a terminal, before
// the first phase is set and for the first `show_after` (one second by default; zero draws at
// once); then a background thread redraws "\r<phase> [#####.....]  45%" (or "<phase> 3.2 s"
// while the fraction is unknown) ten times a second until Finish() or destruction, which stop
// drawing and clear the line, so what the command prints next starts on a clean line.
// While an enabled bar exists, SIGINT and SIGTERM clear its line before the process ends as
// the signal's default action would (at most one enabled bar at a time).
// SetPhase and Update may be called from any thread; Finish from the owner.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace btr::cli {

class ProgressBar {
 public:
  // Draws on stderr when it is a terminal: after one second, or after `show_after`.
  ProgressBar();
  explicit ProgressBar(std::chrono::milliseconds show_after);
  // Draws on `out` when `enabled`.
  ProgressBar(std::FILE* out, bool enabled, std::chrono::milliseconds show_after);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // A new phase; its fraction starts unknown.
  void SetPhase(std::string phase);
  // The fraction done of the current phase, in [0, 1].
  void Update(double fraction);
  // Stops drawing and clears the line if one was drawn. Idempotent; the destructor calls it.
  void Finish();

  // The line for a phase, a fraction (< 0: unknown) and the seconds elapsed.
  static std::string Render(const std::string& phase, double fraction, double elapsed_s);

 private:
  void Loop();

  std::FILE* const out_;
  const bool enabled_;
  const std::chrono::milliseconds show_after_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<double> fraction_{-1};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string phase_;  // guarded by mu_
  bool stop_ = false;  // guarded by mu_
  std::atomic<bool> drawn_{false};
  std::thread thread_;
};

}  // namespace btr::cli
