#include "engines/spec_algorithm.h"

#include <cctype>
#include <string>
#include <string_view>

#include "engines/core/utf8.h"

namespace btr {
namespace {

using nlohmann::json;

Status Bad(const std::string& field, const std::string& why) {
  return Status::InvalidArgument(field + ": " + why);
}

std::string Shown(std::string_view text) { return Utf8Excerpt(text, 60); }

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// A relative path of [A-Za-z0-9_.-] parts, none of them "", "." or "..".
bool SafeFileName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  size_t part_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      const std::string_view part = name.substr(part_start, i - part_start);
      if (part.empty() || part == "." || part == "..") return false;
      part_start = i + 1;
    } else if (!NameChar(name[i])) {
      return false;
    }
  }
  return true;
}

Result<std::string> ReadLanguage(const json& j) {
  if (!j.contains("language")) {
    return Bad("algorithm.language", "required: \"python\" (or \"csharp\")");
  }
  const json& v = j["language"];
  std::string text = v.is_string() ? v.get<std::string>() : "";
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text == "python" || text == "py") return std::string("python");
  if (text == "csharp" || text == "c#" || text == "cs") return std::string("csharp");
  return Bad("algorithm.language",
             "expected \"python\" or \"csharp\", got " +
                 Shown(v.dump(-1, ' ', false, json::error_handler_t::replace)));
}

Status ReadFiles(const json& j, const std::string& language,
                 std::map<std::string, std::string>* out) {
  if (!j.contains("files") || !j["files"].is_object() || j["files"].empty()) {
    return Bad("algorithm.files",
               "required: an object of file name -> source text, e.g. {\"main.py\": \"...\"}");
  }
  const json& files = j["files"];
  if (files.size() > kMaxAlgorithmFiles) {
    return Bad("algorithm.files", "at most " + std::to_string(kMaxAlgorithmFiles) + " files, got " +
                                      std::to_string(files.size()));
  }
  size_t total = 0;
  bool has_entry = false;
  for (const auto& [name, content] : files.items()) {
    const std::string field = "algorithm.files." + Shown(name);
    if (!SafeFileName(name)) {
      return Bad(field,
                 "a file name must be a relative path of letters, digits, '_', '.' and "
                 "'-' parts (no '..', no leading '/'), at most 200 bytes");
    }
    if (name == "config.json") {
      return Bad(field,
                 "reserved: the project's LEAN configuration (give its parameters in "
                 "algorithm.parameters)");
    }
    if (!content.is_string()) return Bad(field, "expected the file's text as a string");
    const std::string& text = content.get_ref<const std::string&>();
    if (text.size() > kMaxAlgorithmFileBytes) {
      return Bad(field,
                 "a file may hold at most 256 KiB, got " + std::to_string(text.size()) + " bytes");
    }
    total += text.size();
    if (language == "python" && name == "main.py") has_entry = true;
    if (language == "csharp" && name.size() > 3 && name.ends_with(".cs")) has_entry = true;
    (*out)[name] = text;
  }
  for (const auto& [name, content] : *out) {  // a file cannot also be a folder
    for (const auto& [other, other_content] : *out) {
      if (other.size() > name.size() && other.compare(0, name.size(), name) == 0 &&
          other[name.size()] == '/') {
        return Bad("algorithm.files." + Shown(other),
                   "'" + Shown(name) + "' is a file, so it cannot also be a folder");
      }
    }
  }
  if (total > kMaxAlgorithmBytes) {
    return Bad("algorithm.files",
               "at most 1 MiB of source in all, got " + std::to_string(total) + " bytes");
  }
  if (!has_entry) {
    return Bad("algorithm.files", language == "python"
                                      ? "a Python algorithm needs a \"main.py\""
                                      : "a C# algorithm needs at least one \".cs\" file");
  }
  return Status::Ok();
}

Status ReadParameters(const json& j, std::map<std::string, std::string>* out) {
  if (!j.contains("parameters") || j["parameters"].is_null()) return Status::Ok();
  const json& params = j["parameters"];
  if (!params.is_object()) {
    return Bad("algorithm.parameters", "expected an object of name -> value");
  }
  if (params.size() > kMaxAlgorithmParameters) {
    return Bad("algorithm.parameters", "at most " + std::to_string(kMaxAlgorithmParameters) +
                                           " parameters, got " + std::to_string(params.size()));
  }
  for (const auto& [name, value] : params.items()) {
    const std::string field = "algorithm.parameters." + Shown(name);
    if (name.empty() || name.size() > 100) return Bad(field, "a name of 1 to 100 bytes");
    if (value.is_string()) {
      (*out)[name] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      (*out)[name] = value.dump();
    } else {
      return Bad(field, "expected a string, number or boolean");
    }
    if ((*out)[name].size() > 10000) return Bad(field, "at most 10,000 bytes");
  }
  return Status::Ok();
}

}  // namespace

Status ReadAlgorithm(const json& j, AlgorithmCode* out) {
  if (!j.is_object()) {
    return Bad("algorithm",
               "expected an object {\"language\": \"python\", \"files\": {\"main.py\": \"...\"}, "
               "\"parameters\": {...}}");
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "language" && key != "files" && key != "parameters") {
      return Bad("algorithm." + Shown(key), "unknown field (expected language, files, parameters)");
    }
  }
  AlgorithmCode algorithm;
  Result<std::string> language = ReadLanguage(j);
  if (!language.ok()) return language.status();
  algorithm.language = *language;
  BTR_RETURN_IF_ERROR(ReadFiles(j, algorithm.language, &algorithm.files));
  BTR_RETURN_IF_ERROR(ReadParameters(j, &algorithm.parameters));
  *out = std::move(algorithm);
  return Status::Ok();
}

json AlgorithmToJson(const AlgorithmCode& algorithm) {
  return {{"language", algorithm.language},
          {"files", algorithm.files},
          {"parameters", algorithm.parameters}};
}

Status CheckAlgorithmSettings(const BacktestSpec& spec) {
  if (spec.algorithm.empty()) return Status::Ok();
  const std::string why =
      ": an algorithm sets its own fees, fills and margin in its code (e.g. SetFeeModel); "
      "leave this setting at its default for algorithm runs";
  auto refuse = [&](const char* field) { return Status::InvalidArgument(field + why); };
  if (spec.commission != 0) return refuse("commission");
  if (spec.commission_fixed != 0) return refuse("commission_fixed");
  if (spec.spread != 0) return refuse("spread");
  if (spec.margin != 1) return refuse("margin");
  if (spec.trade_on_close) return refuse("trade_on_close");
  if (spec.exclusive_orders) return refuse("exclusive_orders");
  if (spec.hedging) return refuse("hedging");
  if (spec.finalize_trades) return refuse("finalize_trades");
  if (!spec.sweep.empty()) {
    return Status::InvalidArgument(
        "sweep: parameter sweeps run catalogue strategies; an algorithm's own source runs as "
        "single backtests");
  }
  return Status::Ok();
}

}  // namespace btr
