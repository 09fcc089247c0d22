// LeanCommand: the launch command template of a local LEAN run (engines.lean_local.command,
// docs/engines/lean_local.md). The template is split on spaces into words FIRST and the
// placeholders are replaced inside each word AFTERWARDS, so a path holding spaces stays one
// argument; no shell ever sees the command.
//
// Placeholders: {config} (the config.json btrouter writes), {project_dir} (main.py),
// {data_dir} (LEAN-format data), {results_dir} (where LEAN writes <algorithm-id>.json),
// {container} (a container name, "btr-lean-<run id>", for `docker run --name {container}`).
// Any other {name}, a '{' without '}' or a lone '}' is an error.
//
// Immutable after Parse(); thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr::lean_local {

// The schema's default (services/config/schema.cc): the quantconnect/lean image run as lean-cli
// runs it, with the project at /LeanCLI, data at /Lean/Data, results at /Results.
inline constexpr std::string_view kDefaultCommand =
    "docker run --rm -v {project_dir}:/LeanCLI -v {data_dir}:/Lean/Data"
    " -v {results_dir}:/Results -v {config}:/Lean/Launcher/bin/Debug/config.json:ro"
    " quantconnect/lean:latest";

// The values the placeholders expand to (host paths, except `container`).
struct CommandValues {
  std::string config;
  std::string project_dir;
  std::string data_dir;
  std::string results_dir;
  std::string container;
};

class LeanCommand {
 public:
  // InvalidArgument naming engines.lean_local.command for an empty template, a placeholder in
  // the program word, or a bad placeholder.
  static Result<LeanCommand> Parse(std::string_view text);

  // The argument vector: the template's words with the placeholders replaced.
  std::vector<std::string> Expand(const CommandValues& values) const;

  // The program word (never holds a placeholder), e.g. "docker" or "/usr/bin/python3".
  const std::string& program() const { return words_.front(); }

  // True for `docker run …` (the program's file name is "docker" and the next word is "run").
  bool is_docker_run() const;
  // True when the program's file name is "docker".
  bool is_docker() const;
  // True when the template names the container: "--name {container}" or "--name={container}".
  bool names_container() const;

  // The path a bind mount gives the folder of `placeholder` ("project_dir", "data_dir",
  // "results_dir", "config") inside a container: "-v {data_dir}:/Lean/Data" or
  // "--volume={data_dir}:/Lean/Data:rw" give "/Lean/Data"; "--mount
  // type=bind,source={data_dir},target=/Lean/Data" too. nullopt when the template does not
  // mount it (LEAN then sees the host path).
  std::optional<std::string> MountTarget(std::string_view placeholder) const;

 private:
  explicit LeanCommand(std::vector<std::string> words) : words_(std::move(words)) {}

  std::vector<std::string> words_;
};

}  // namespace btr::lean_local
