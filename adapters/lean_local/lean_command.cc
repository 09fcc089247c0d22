#include "adapters/lean_local/lean_command.h"

#include <array>

namespace btr::lean_local {
namespace {

constexpr std::array<std::string_view, 5> kPlaceholders = {"config", "project_dir", "data_dir",
                                                           "results_dir", "container"};

Status Bad(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("engines.lean_local.command: " + why + " in '" +
                                 std::string(text) +
                                 "' (placeholders: {config}, {project_dir}, "
                                 "{data_dir}, {results_dir}, {container})");
}

// Checks the placeholders of one word.
Status CheckWord(std::string_view text, std::string_view word) {
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] == '}') return Bad(text, "'}' without '{'");
    if (word[i] != '{') continue;
    const size_t close = word.find('}', i);
    if (close == std::string_view::npos) return Bad(text, "'{' without '}'");
    const std::string_view name = word.substr(i + 1, close - i - 1);
    bool known = false;
    for (std::string_view p : kPlaceholders) known = known || p == name;
    if (!known) return Bad(text, "unknown placeholder {" + std::string(name) + "}");
    i = close;
  }
  return Status::Ok();
}

std::string_view ValueOf(const CommandValues& values, std::string_view name) {
  if (name == "config") return values.config;
  if (name == "project_dir") return values.project_dir;
  if (name == "data_dir") return values.data_dir;
  if (name == "results_dir") return values.results_dir;
  return values.container;
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "<placeholder>:<target>[:options]" at `pos` of `word` → target.
std::optional<std::string> VolumeTarget(std::string_view word, size_t pos, std::string_view token) {
  if (word.compare(pos, token.size(), token) != 0) return std::nullopt;
  size_t start = pos + token.size();
  if (start >= word.size() || word[start] != ':') return std::nullopt;
  ++start;
  const size_t end = word.find(':', start);
  std::string target(word.substr(start, end == std::string_view::npos ? end : end - start));
  if (target.empty()) return std::nullopt;
  return target;
}

// The value of `key=` in a comma-separated --mount spec.
std::optional<std::string_view> MountField(std::string_view spec,
                                           std::initializer_list<std::string_view> keys) {
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = spec.find(',', start);
    const std::string_view field =
        spec.substr(start, comma == std::string_view::npos ? comma : comma - start);
    const size_t eq = field.find('=');
    if (eq != std::string_view::npos) {
      for (std::string_view key : keys) {
        if (field.substr(0, eq) == key) return field.substr(eq + 1);
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

}  // namespace

Result<LeanCommand> LeanCommand::Parse(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    if (end > i) words.emplace_back(text.substr(i, end - i));
    i = end;
  }
  if (words.empty()) return Bad(text, "empty command");
  for (const std::string& word : words) BTR_RETURN_IF_ERROR(CheckWord(text, word));
  if (words.front().find('{') != std::string::npos) {
    return Bad(text, "the program (first word) cannot be a placeholder");
  }
  return LeanCommand(std::move(words));
}

std::vector<std::string> LeanCommand::Expand(const CommandValues& values) const {
  std::vector<std::string> argv;
  argv.reserve(words_.size());
  for (const std::string& word : words_) {
    std::string out;
    for (size_t i = 0; i < word.size(); ++i) {
      if (word[i] != '{') {
        out += word[i];
        continue;
      }
      const size_t close = word.find('}', i);  // Parse() checked it exists
      out += ValueOf(values, std::string_view(word).substr(i + 1, close - i - 1));
      i = close;
    }
    argv.push_back(std::move(out));
  }
  return argv;
}

bool LeanCommand::is_docker() const { return BaseName(words_.front()) == "docker"; }

bool LeanCommand::is_docker_run() const {
  return is_docker() && words_.size() > 1 && words_[1] == "run";
}

bool LeanCommand::names_container() const {
  for (size_t i = 1; i < words_.size(); ++i) {
    if (words_[i] == "--name={container}") return true;
    if (words_[i] == "--name" && i + 1 < words_.size() && words_[i + 1] == "{container}") {
      return true;
    }
  }
  return false;
}

std::optional<std::string> LeanCommand::MountTarget(std::string_view placeholder) const {
  const std::string token = "{" + std::string(placeholder) + "}";
  for (const std::string& word : words_) {
    // -v {x}:/path, --volume {x}:/path, --volume={x}:/path, -v={x}:/path
    if (auto target = VolumeTarget(word, 0, token)) return target;
    const size_t eq = word.find('=');
    if (eq != std::string::npos && word.rfind("-", 0) == 0) {
      if (auto target = VolumeTarget(word, eq + 1, token)) return target;
    }
    // --mount type=bind,source={x},target=/path
    const std::string_view spec(word);
    std::optional<std::string_view> source = MountField(spec, {"source", "src"});
    if (source && *source == token) {
      std::optional<std::string_view> target = MountField(spec, {"target", "destination", "dst"});
      if (target && !target->empty()) return std::string(*target);
    }
  }
  return std::nullopt;
}

}  // namespace btr::lean_local
