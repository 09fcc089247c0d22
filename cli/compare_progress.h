// Live progress of a comparison's runs on stderr, one line per engine (`btrouter compare`).
// On a terminal the lines are redrawn in place ("native  running  [######......]  45%");
// otherwise (a pipe, a log file, the tests) a line is printed each time a run's status changes
// ("native: running", then "native: succeeded"), so logs stay readable. Not thread-safe: one
// owner calls Show() as new views arrive.
#pragma once

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace btr::cli {

class RunProgressLines {
 public:
  RunProgressLines(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

  // `runs`: the "runs" array of GET /v1/comparisons/{id}.
  void Show(const nlohmann::json& runs);

  // One run's line, its label padded to `label_width`.
  static std::string Line(const nlohmann::json& run, size_t label_width);

 private:
  std::FILE* const out_;
  const bool terminal_;
  size_t drawn_ = 0;                          // lines drawn last time (terminal)
  std::map<std::string, std::string> shown_;  // label -> last status printed (not terminal)
};

}  // namespace btr::cli
