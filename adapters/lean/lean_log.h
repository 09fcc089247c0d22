// LeanLogFollower: reads LEAN's log lines as they arrive (stdout of a local run, or log.txt)
// and keeps what the adapters need: the requested date range ("Dates: Start: MM/DD/YYYY End:
// MM/DD/YYYY Cash: …" or "Begin DataStream - Start: … Stop: …"), the latest algorithm time
// (the btrouter algorithm template logs "BTR_PROGRESS <ISO time>" through self.log, which LEAN
// prints as "… TRACE:: Log: BTR_PROGRESS 2004-11-17T00:00:00"; lines of <id>-log.txt start with
// the algorithm time "yyyy-MM-dd HH:mm:ss"), the final summary ("Algorithm Id:(X) completed in
// 1.41 seconds at 11k data points per second. Processing total of 15,601 data points."), the
// "STATISTICS:: <key> <value>" block, and the first ERROR lines.
//
// Lines may carry the stdout prefix "yyyyMMdd HH:mm:ss.fff LEVEL:: " or the log.txt prefix
// "<ISO UTC>Z LEVEL:: ". Not thread-safe: feed it from one thread.
//
// Details: a range stated in the log replaces one given with set_range() (whichever comes
// first); the "Dates:" end date counts to 23:59:59. The STATISTICS block is printed without a
// line prefix and its values may hold blanks ("Lowest Capacity Asset SPY R735QTJ8XC9X"), so keys
// are matched against LEAN's statistic names. Error lines are kept up to 20 lines. The engine
// version comes from "LEAN ALGORITHMIC TRADING ENGINE v2.5.0.0" (or "with LEAN Engine v…").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/time.h"

namespace btr::lean {

struct LeanSummary {
  std::string algorithm_id;
  double seconds = 0;
  double data_points = 0;
};

class LeanLogFollower {
 public:
  // The range to measure progress against when the log does not state it (New York time).
  void set_range(TimeNs start, TimeNs end);

  void Feed(std::string_view line);

  // Fraction in [0, 1) of the range covered by the latest algorithm time; nullopt when unknown.
  // 1 only once the summary line has been read.
  std::optional<double> progress() const;
  const std::optional<LeanSummary>& summary() const { return summary_; }
  const std::map<std::string, std::string>& statistics() const { return statistics_; }
  // The first few ERROR lines (and their continuation lines), prefix removed.
  const std::vector<std::string>& errors() const { return errors_; }
  // "2.5.0.0", or empty until the engine's banner has been read.
  const std::string& engine_version() const { return engine_version_; }
  // The latest algorithm time read (New York), if any.
  const std::optional<TimeNs>& algorithm_time() const { return algorithm_time_; }

 private:
  std::optional<TimeNs> start_, end_, algorithm_time_;
  bool range_from_log_ = false;
  std::string engine_version_;
  std::optional<LeanSummary> summary_;
  std::map<std::string, std::string> statistics_;
  std::vector<std::string> errors_;
  bool in_error_ = false;
};

}  // namespace btr::lean
