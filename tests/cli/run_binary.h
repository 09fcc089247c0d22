// Runs the btrouter binary as a user would, for the CLI tests: a shell command with stdout and
// stderr captured in files of a temp folder and stdin from /dev/null. Test-only.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace btr::testing {

struct Outcome {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out, err;
};

// `s` in single quotes for /bin/sh.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// BTR_BINARY with `args`; `tmp` holds the captured output. `env` are arguments of env(1) put
// before the binary: "NAME=value" sets a variable, {"-u", "NAME"} removes one.
inline Outcome Run(const std::vector<std::string>& args, const TempDir& tmp,
                   const std::vector<std::string>& env = {}) {
  std::string cmd;
  if (!env.empty()) {
    cmd = "env";
    for (const std::string& e : env) cmd += " " + Quote(e);
    cmd += " ";
  }
  cmd += Quote(BTR_BINARY);
  for (const std::string& a : args) cmd += " " + Quote(a);
  cmd += " >" + Quote(tmp.Path("stdout")) + " 2>" + Quote(tmp.Path("stderr")) + " </dev/null";
  const int status = std::system(cmd.c_str());
  Outcome o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = ReadFile(tmp.Path("stdout"));
  o.err = ReadFile(tmp.Path("stderr"));
  return o;
}

}  // namespace btr::testing
