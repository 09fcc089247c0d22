// People's text of the CLI's measurements (cli/report.h).
#include "cli/report.h"

#include <catch2/catch.hpp>
#include <cmath>

namespace btr::cli {
namespace {

TEST_CASE("wall times are shown in µs, ms, s or minutes, never as 0.0 ms") {
  CHECK(FormatElapsed(41e-6) == "41 µs");
  CHECK(FormatElapsed(0) == "0 µs");
  CHECK(FormatElapsed(2e-7) == "< 1 µs");
  CHECK(FormatElapsed(0.0009996) == "1.00 ms");  // not "1000 µs"
  CHECK(FormatElapsed(0.00152) == "1.52 ms");
  CHECK(FormatElapsed(0.0123) == "12.3 ms");
  CHECK(FormatElapsed(0.153) == "153 ms");
  CHECK(FormatElapsed(0.9996) == "1.00 s");
  CHECK(FormatElapsed(1.52) == "1.52 s");
  CHECK(FormatElapsed(12.34) == "12.3 s");
  CHECK(FormatElapsed(125) == "2 min 05 s");
  CHECK(FormatElapsed(3725) == "1 h 02 min");
  CHECK(FormatElapsed(-1) == "n/a");
  CHECK(FormatElapsed(std::nan("")) == "n/a");
}

TEST_CASE("parameter values read as typed on the command line") {
  const ParamSpec fast{"fast", ParamType::kInt, 10, 1, 100000, ""};
  const ParamSpec k{"k", ParamType::kFloat, 2, 0.01, 100, ""};
  const ParamSpec flag{"long_only", ParamType::kBool, 0, 0, 1, ""};
  CHECK(ParamText(fast, 100000) == "100000");  // not 1e+05
  CHECK(ParamText(k, 0.01) == "0.01");
  CHECK(ParamText(k, 2) == "2");
  CHECK(ParamText(flag, 1) == "true");
  CHECK(ParamText(flag, 0) == "false");
}

}  // namespace
}  // namespace btr::cli
