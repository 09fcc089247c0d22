// People's text of the CLI's values (cli/report.h).
#include "cli/report.h"

#include <catch2/catch.hpp>

namespace btr::cli {
namespace {

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
