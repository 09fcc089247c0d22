#include "cli/flags.h"

#include <charconv>
#include <cmath>

namespace btr::cli {

void Flags::AddValue(std::string name, std::string value_name, std::string help,
                     std::string default_value) {
  specs_.push_back({std::move(name), std::move(value_name), std::move(help),
                    std::move(default_value), true, false});
}

void Flags::AddRepeated(std::string name, std::string value_name, std::string help) {
  specs_.push_back({std::move(name), std::move(value_name), std::move(help), "", true, true});
}

void Flags::AddSwitch(std::string name, std::string help) {
  specs_.push_back({std::move(name), "", std::move(help), "", false, false});
}

void Flags::AddPositional(std::string value_name, std::string help) {
  positional_specs_.push_back({"", std::move(value_name), std::move(help), "", true, false});
}

const Flags::Spec* Flags::Find(std::string_view name) const {
  for (const Spec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status Flags::Parse(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" && Find("help") != nullptr) arg = "--help";
    if (arg.substr(0, 2) != "--") {
      if (positionals_.size() < positional_specs_.size()) {
        positionals_.emplace_back(arg);
        continue;
      }
      return Status::InvalidArgument("unexpected argument '" + std::string(arg) +
                                     "' (flags start with --; see --help)");
    }
    arg.remove_prefix(2);
    std::string_view name = arg, value;
    bool inline_value = false;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    const Spec* spec = Find(name);
    if (spec == nullptr) {
      return Status::InvalidArgument("unknown flag --" + std::string(name) + " (see --help)");
    }
    if (!spec->takes_value) {
      if (inline_value) {
        return Status::InvalidArgument("--" + spec->name + " is a switch and takes no value");
      }
      values_[spec->name].push_back("true");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        return Status::InvalidArgument("--" + spec->name + ": missing value (expected " +
                                       spec->value_name + ")");
      }
      value = argv[++i];
    }
    auto& slot = values_[spec->name];
    if (!spec->repeated && !slot.empty()) {
      return Status::InvalidArgument("--" + spec->name + " given more than once");
    }
    slot.emplace_back(value);
  }
  return Status::Ok();
}

bool Flags::Has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::string Flags::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  const Spec* spec = Find(name);
  return spec != nullptr ? spec->default_value : "";
}

std::vector<std::string> Flags::GetAll(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

Status Flags::GetDouble(std::string_view name, double* out) const {
  const std::string text = Get(name);
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(*out)) {
    return Status::InvalidArgument("--" + std::string(name) + ": expected a number, got '" + text +
                                   "'");
  }
  return Status::Ok();
}

Status Flags::GetSize(std::string_view name, size_t* out) const {
  const std::string text = Get(name);
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("--" + std::string(name) +
                                   ": expected a whole number >= 0, got '" + text + "'");
  }
  return Status::Ok();
}

Status AsFlagError(const Status& s) {
  if (s.ok()) return s;
  const std::string& message = s.message();
  const size_t colon = message.find(':');
  if (colon == std::string::npos) return s;
  const std::string field = message.substr(0, colon);
  std::string flag;
  if (field == "strategy.name") {
    flag = "strategy";
  } else if (field.rfind("strategy.params", 0) == 0) {
    flag = "param" + (field.size() > 16 ? " " + field.substr(16) : "");
  } else if (field.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos) {
    flag = field;
    for (char& c : flag) c = c == '_' ? '-' : c;
  } else {
    return s;
  }
  return Status(s.code(), "--" + flag + message.substr(colon));
}

std::string Flags::Usage() const {
  std::string out;
  for (const Spec& s : positional_specs_) {
    std::string left = "  " + s.value_name;
    if (left.size() < 28) left.resize(28, ' ');
    out += left + " " + s.help + "\n";
  }
  for (const Spec& s : specs_) {
    std::string left = "  --" + s.name + (s.takes_value ? " " + s.value_name : "");
    if (left.size() < 28) left.resize(28, ' ');
    out += left + " " + s.help;
    if (!s.default_value.empty()) out += " (default " + s.default_value + ")";
    if (s.repeated) out += " (repeatable)";
    out += "\n";
  }
  return out;
}

}  // namespace btr::cli
