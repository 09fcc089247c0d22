// A progress bar on stderr for long CLI runs: silent for the first second and whenever stderr is
// not a terminal, then "\r<label> [#####.....]  45%" redrawn at most ten times a second.
// Single-threaded: call Update() from the thread that runs the work.
#pragma once

#include <chrono>
#include <string>

namespace btr::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();  // clears the line if anything was drawn

  void Update(double fraction);

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace btr::cli
