// Opens a local HTML file in headless Chromium (Debian's `chromium`, installed by scripts/setup)
// and returns the DOM after the page's scripts ran (`--dump-dom`), for tests that check what a
// browser really builds from a page. Test-only.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "tests/test_util.h"

namespace btr::testing {

// The browser binary, or "" when none is installed.
inline std::string ChromiumBinary() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                           "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// The serialized DOM of `html_file` once loaded, or nullopt with `*why` set when the browser is
// missing or cannot start here (the caller skips with that message).
inline std::optional<std::string> DumpDom(const std::string& html_file, const TempDir& tmp,
                                          std::string* why) {
  const std::string browser = ChromiumBinary();
  if (browser.empty()) {
    *why = "no chromium binary (run scripts/setup, which installs Debian's chromium)";
    return std::nullopt;
  }
  // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
  const std::string out = tmp.Path("dom.html"), err = tmp.Path("chromium.log");
  const std::string cmd = "timeout 120 '" + browser +
                          "' --headless --no-sandbox --disable-gpu --no-first-run "
                          "--disable-extensions --user-data-dir='" +
                          tmp.Path("profile") + "' --virtual-time-budget=5000 --dump-dom 'file://" +
                          html_file + "' >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  std::string dom = ReadFile(out);
  if (status != 0 || dom.find("<html") == std::string::npos) {
    *why = "chromium could not start or render (exit status " + std::to_string(status) +
           "): " + ReadFile(err).substr(0, 400);
    return std::nullopt;
  }
  return dom;
}

}  // namespace btr::testing
