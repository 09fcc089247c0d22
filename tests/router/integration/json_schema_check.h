// A checker for the JSON Schema subset the OpenAPI document uses, to hold the server's real
// answers against the document (test-only).
//
// Understood: $ref (to "#/..." in the document), type (one or a list), enum, const,
// properties, required, additionalProperties (false or a schema), items, anyOf, oneOf, allOf,
// minimum, maximum, exclusiveMinimum, exclusiveMaximum, minItems, maxItems, maxLength, pattern,
// format "date-time" and "date", and the annotations description, default and format. Any other
// keyword is reported as an error, so the document cannot use what this checker would silently
// skip.
//
// Strict mode: an object schema with `properties` and no `additionalProperties` refuses members
// it does not list — every field the server sends must be documented.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace btr::testing {

class JsonSchemaCheck {
 public:
  // `document` must outlive the checker.
  JsonSchemaCheck(const nlohmann::json& document, bool strict)
      : document_(document), strict_(strict) {}

  // The violations of `schema` by `value`, each "path: what"; empty when it conforms.
  std::vector<std::string> Check(const nlohmann::json& value, const nlohmann::json& schema) const {
    std::vector<std::string> errors;
    CheckAt(value, schema, "$", &errors);
    return errors;
  }

  // The node a "#/a/b" reference names (null when it names nothing).
  nlohmann::json Resolve(const std::string& ref) const {
    if (ref.rfind("#/", 0) != 0) return nullptr;
    const nlohmann::json::json_pointer pointer(ref.substr(1));
    return document_.contains(pointer) ? document_.at(pointer) : nlohmann::json(nullptr);
  }

 private:
  using json = nlohmann::json;

  static bool HasType(const json& v, const std::string& type) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "boolean") return v.is_boolean();
    if (type == "null") return v.is_null();
    if (type == "number") return v.is_number();
    if (type == "integer") {
      return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                       std::trunc(v.get<double>()) == v.get<double>());
    }
    return false;
  }

  static bool IsDateTime(const std::string& s) {
    static const std::regex kDateTime(
        R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
    return std::regex_match(s, kDateTime);
  }

  void CheckAt(const json& v, const json& schema, const std::string& path,
               std::vector<std::string>* errors) const {
    auto fail = [&](const std::string& what) { errors->push_back(path + ": " + what); };
    if (!schema.is_object()) return fail("schema is not an object: " + schema.dump());
    static const std::set<std::string> kKnown = {"$ref",
                                                 "type",
                                                 "enum",
                                                 "const",
                                                 "properties",
                                                 "required",
                                                 "items",
                                                 "anyOf",
                                                 "oneOf",
                                                 "allOf",
                                                 "minimum",
                                                 "maximum",
                                                 "exclusiveMinimum",
                                                 "exclusiveMaximum",
                                                 "minItems",
                                                 "maxItems",
                                                 "maxLength",
                                                 "pattern",
                                                 "format",
                                                 "description",
                                                 "default",
                                                 "additionalProperties"};
    for (const auto& [keyword, unused] : schema.items()) {
      if (kKnown.count(keyword) == 0) fail("schema keyword '" + keyword + "' is not understood");
    }
    if (schema.contains("$ref")) {
      const json target = Resolve(schema["$ref"].get<std::string>());
      if (target.is_null()) return fail("unresolved $ref " + schema["$ref"].dump());
      CheckAt(v, target, path, errors);
    }
    if (schema.contains("type")) {
      const json types = schema["type"].is_array() ? schema["type"] : json::array({schema["type"]});
      bool any = false;
      for (const json& t : types) any = any || HasType(v, t.get<std::string>());
      if (!any) return fail("expected type " + schema["type"].dump() + ", got " + v.dump());
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const json& e : schema["enum"]) found = found || e == v;
      if (!found) fail(v.dump() + " is not one of " + schema["enum"].dump());
    }
    if (schema.contains("const") && schema["const"] != v)
      fail("expected " + schema["const"].dump());
    CheckCombinations(v, schema, path, errors);
    if (v.is_number()) CheckRange(v.get<double>(), schema, fail);
    if (v.is_string()) CheckString(v.get<std::string>(), schema, fail);
    if (v.is_array()) CheckArray(v, schema, path, errors);
    if (v.is_object()) CheckObject(v, schema, path, errors);
  }

  void CheckCombinations(const json& v, const json& schema, const std::string& path,
                         std::vector<std::string>* errors) const {
    for (const char* keyword : {"anyOf", "oneOf"}) {
      if (!schema.contains(keyword)) continue;
      size_t matches = 0;
      std::vector<std::string> first;
      for (const json& branch : schema[keyword]) {
        std::vector<std::string> branch_errors;
        CheckAt(v, branch, path, &branch_errors);
        if (branch_errors.empty()) ++matches;
        if (first.empty()) first = branch_errors;
      }
      const bool ok = std::string(keyword) == "anyOf" ? matches >= 1 : matches == 1;
      if (!ok) {
        errors->push_back(path + ": matches " + std::to_string(matches) + " branches of " +
                          keyword + " (first branch: " + (first.empty() ? "ok" : first[0]) + ")");
      }
    }
    if (schema.contains("allOf")) {
      for (const json& branch : schema["allOf"]) CheckAt(v, branch, path, errors);
    }
  }

  template <typename Fail>
  static void CheckRange(double x, const json& schema, const Fail& fail) {
    if (schema.contains("minimum") && x < schema["minimum"].get<double>()) fail("below minimum");
    if (schema.contains("maximum") && x > schema["maximum"].get<double>()) fail("above maximum");
    if (schema.contains("exclusiveMinimum") && x <= schema["exclusiveMinimum"].get<double>()) {
      fail("not above exclusiveMinimum");
    }
    if (schema.contains("exclusiveMaximum") && x >= schema["exclusiveMaximum"].get<double>()) {
      fail("not below exclusiveMaximum");
    }
  }

  template <typename Fail>
  static void CheckString(const std::string& s, const json& schema, const Fail& fail) {
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<size_t>()) {
      fail("longer than maxLength");
    }
    if (schema.contains("pattern") &&
        !std::regex_search(s, std::regex(schema["pattern"].get<std::string>()))) {
      fail("'" + s + "' does not match " + schema["pattern"].dump());
    }
    if (schema.value("format", "") == "date" &&
        !std::regex_match(s, std::regex(R"(\d{4}-\d{2}-\d{2})"))) {
      fail("'" + s + "' is not an RFC 3339 full-date");
    }
    if (schema.value("format", "") == "date-time" && !IsDateTime(s)) {
      fail("'" + s + "' is not an RFC 3339 date-time");
    }
  }

  void CheckArray(const json& v, const json& schema, const std::string& path,
                  std::vector<std::string>* errors) const {
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>()) {
      errors->push_back(path + ": fewer than minItems");
    }
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>()) {
      errors->push_back(path + ": more than maxItems");
    }
    if (!schema.contains("items")) return;
    for (size_t k = 0; k < v.size(); ++k) {
      CheckAt(v[k], schema["items"], path + "[" + std::to_string(k) + "]", errors);
    }
  }

  void CheckObject(const json& v, const json& schema, const std::string& path,
                   std::vector<std::string>* errors) const {
    for (const json& name : schema.value("required", json::array())) {
      if (!v.contains(name.get<std::string>())) {
        errors->push_back(path + ": missing required member " + name.dump());
      }
    }
    const json properties = schema.value("properties", json::object());
    const bool closed_by_strictness =
        strict_ && schema.contains("properties") && !schema.contains("additionalProperties");
    for (const auto& [name, member] : v.items()) {
      const std::string at = path + "." + name;
      if (properties.contains(name)) {
        CheckAt(member, properties[name], at, errors);
      } else if (schema.contains("additionalProperties")) {
        const json& extra = schema["additionalProperties"];
        if (extra == false) {
          errors->push_back(at + ": not allowed (additionalProperties: false)");
        } else if (extra.is_object()) {
          CheckAt(member, extra, at, errors);
        }
      } else if (closed_by_strictness) {
        errors->push_back(at + ": not documented in the schema");
      }
    }
  }

  const nlohmann::json& document_;
  const bool strict_;
};

}  // namespace btr::testing
