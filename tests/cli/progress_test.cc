#include "cli/progress.h"

#include <catch2/catch.hpp>

namespace btr::cli {
namespace {

TEST_CASE("progress lines show a bar for known fractions and elapsed time otherwise") {
  CHECK(ProgressBar::Render("backtest sma_cross", 0.5, 2) ==
        "backtest sma_cross [###############...............]  50%");
  CHECK(ProgressBar::Render("x", 1.0, 2) == "x [##############################] 100%");
  CHECK(ProgressBar::Render("loading GOOG.csv", -1, 3.25) == "loading GOOG.csv 3.2 s");
}

TEST_CASE("a disabled bar writes nothing; an enabled one draws and clears its line") {
  std::FILE* quiet = std::tmpfile();
  {
    ProgressBar bar(quiet, false, std::chrono::milliseconds(0));
    bar.Update(0.5);
  }
  CHECK(std::ftell(quiet) == 0);
  std::fclose(quiet);

  std::FILE* out = std::tmpfile();
  {
    ProgressBar bar(out, true, std::chrono::milliseconds(0));
    bar.SetPhase("phase");
    bar.Update(0.25);
    // Wait (bounded) until the drawing thread has written something.
    for (int k = 0; k < 200 && std::ftell(out) == 0; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::rewind(out);
  char buf[512] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, out);
  std::fclose(out);
  const std::string text(buf, n);
  CHECK(text.find("phase [#######") != std::string::npos);
  CHECK(text.substr(text.size() - 4) == "\r\033[K");
}

}  // namespace
}  // namespace btr::cli
