#include "cli/compare_request.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "cli/client_util.h"
#include "engines/catalogue/catalogue.h"
#include "engines/catalogue/params.h"
#include "engines/spec_json.h"

namespace btr::cli {
namespace {

using nlohmann::json;

// Stands in for the dataset, uploaded only once everything else is known to be right.
constexpr const char* kDatasetStandIn = "ds_checked_before_upload";

// Spec fields a variant may set besides the window's (IsTextField); any other key is a
// strategy parameter.
const std::set<std::string>& SpecFields() {
  static const std::set<std::string> fields = {
      "cash",           "commission",       "commission_fixed", "spread",         "margin",
      "trade_on_close", "exclusive_orders", "hedging",          "finalize_trades"};
  return fields;
}

// Spec fields whose values are text (times), not numbers or booleans.
bool IsTextField(const std::string& key) { return key == "start" || key == "end"; }

// "native:trade_on_close=true,fast=5" -> {"engine": "native", "overrides": {...}}.
Result<json> Variant(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("--variant: expected ENGINE:key=value[,key=value], got '" +
                                   text + "'");
  }
  json overrides = json::object();
  std::stringstream rest(text.substr(colon + 1));
  std::string item;
  while (std::getline(rest, item, ',')) {
    std::string_view name, value;
    BTR_RETURN_IF_ERROR(SplitAssignment(item, &name, &value).WithPrefix("--variant"));
    std::string key(name);
    for (char& c : key) c = c == '-' ? '_' : c;
    Result<json> typed = IsTextField(key) ? Result<json>(json(std::string(value)))
                                          : TypedValue("--variant " + key, value);
    if (!typed.ok()) return typed.status();
    if (SpecFields().count(key) != 0 || IsTextField(key)) {
      overrides[key] = *typed;
    } else {
      overrides["strategy"]["params"][key] = *typed;
    }
  }
  return json{{"engine", text.substr(0, colon)}, {"overrides", overrides}};
}

std::string EngineOf(const json& entry) {
  return entry.is_string() ? entry.get<std::string>() : entry.value("engine", "");
}

// The spec of one run: the base with the entry's overrides (strategy params merge).
json RunSpec(const json& base, const json& entry) {
  json spec = base;
  spec["engine"] = EngineOf(entry);
  spec["dataset"] = kDatasetStandIn;
  if (!entry.is_object()) return spec;
  const json overrides = entry.value("overrides", json::object());
  for (const auto& [key, value] : overrides.items()) {
    if (key != "strategy") {
      spec[key] = value;
      continue;
    }
    const json params = value.value("params", json::object());
    for (const auto& [name, v] : params.items()) spec["strategy"]["params"][name] = v;
  }
  return spec;
}

// A variant entry as it was typed: "native:trade_on_close=true,fast=5".
std::string VariantText(const json& entry) {
  std::string out;
  auto add = [&out](const std::string& key, const json& value) {
    out += (out.empty() ? "" : ",") + key + "=" +
           (value.is_string() ? value.get<std::string>() : value.dump());
  };
  const json overrides = entry.value("overrides", json::object());
  for (const auto& [key, value] : overrides.items()) {
    if (key != "strategy") {
      add(key, value);
      continue;
    }
    const json params = value.value("params", json::object());
    for (const auto& [name, v] : params.items()) add(name, v);
  }
  return EngineOf(entry) + ":" + out;
}

// The spec's fields, then its strategy against the catalogue.
Status CheckSpec(const json& spec) {
  Result<BacktestSpec> parsed = SpecFromJson(spec);
  if (!parsed.ok()) return parsed.status();
  return ResolveStrategy(parsed->strategy).status();
}

// The engine list of GET /v1/engines, by name.
std::vector<json> EngineList(const json& reply) {
  const json& items = reply.is_object() ? reply.value("items", json::array()) : reply;
  std::vector<json> out;
  if (items.is_array()) out.assign(items.begin(), items.end());
  return out;
}

std::string Text(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Why `engine` (a GET /v1/engines entry) cannot run `strategy`; empty when it can.
std::string WhyNot(const json& engine, const std::string& strategy) {
  const std::string name = Text(engine, "name");
  if (Text(engine, "state") == "disabled") {
    std::string why = Text(engine, "reason");  // says how to enable it, when it can be
    if (why.empty()) why = Text(engine, "hint");
    return name + " is disabled" + (why.empty() ? "" : " (" + why + ")");
  }
  const json caps = engine.value("capabilities", json::object());
  if (caps.contains("strategies") && caps["strategies"].is_array()) {
    const json& list = caps["strategies"];
    if (std::find(list.begin(), list.end(), json(strategy)) == list.end()) {
      return name + " does not run strategy '" + strategy + "'";
    }
  }
  return "";
}

}  // namespace

Result<json> ComparisonBodyFromFlags(const Flags& f) {
  if (!f.Has("engines"))
    return Status::InvalidArgument("--engines: required, e.g. native,backtestingpy");
  if (!f.Has("strategy"))
    return Status::InvalidArgument("--strategy: required (see `btrouter strategies`)");
  json engines = json::array();
  std::stringstream list(f.Get("engines"));
  std::string name;
  while (std::getline(list, name, ',')) {
    if (!name.empty()) engines.push_back(name);
  }
  for (const std::string& v : f.GetAll("variant")) {
    Result<json> variant = Variant(v);
    if (!variant.ok()) return variant.status();
    engines.push_back(*variant);
  }
  Result<json> body = SpecBodyFromFlags(f, kDatasetStandIn);
  if (!body.ok()) return body.status();
  body->erase("dataset");
  (*body)["engines"] = engines;
  return body;
}

Status CheckComparisonRuns(const json& body) {
  const json& entries = body.at("engines");
  if (entries.size() < 2) {
    return Status::InvalidArgument(
        "--engines: a comparison needs at least two runs: two engines (native,backtestingpy), "
        "or an engine and a --variant");
  }
  json base = body;
  base.erase("engines");
  // The flags' own errors first, named as flags; then each variant's.
  BTR_RETURN_IF_ERROR(AsFlagError(CheckSpec(RunSpec(base, entries[0]))));
  for (const json& entry : entries) {
    if (!entry.is_object()) continue;
    Status s = CheckSpec(RunSpec(base, entry));
    if (!s.ok())
      return Status::InvalidArgument("--variant " + VariantText(entry) + ": " + s.message());
  }
  return Status::Ok();
}

Status CheckComparisonEngines(const json& body, const json& engines,
                              std::vector<std::string>* notes) {
  const std::vector<json> listed = EngineList(engines);
  const std::string strategy = body.at("strategy").value("name", "");
  std::vector<std::string> problems, seen;
  bool absent = false;
  for (const json& entry : body.at("engines")) {
    const std::string name = EngineOf(entry);
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    auto it = std::find_if(listed.begin(), listed.end(),
                           [&](const json& e) { return Text(e, "name") == name; });
    if (it == listed.end()) {
      problems.push_back(name + " is unknown or not enabled on this server");
      absent = true;
    } else if (std::string why = WhyNot(*it, strategy); !why.empty()) {
      problems.push_back(why);
    } else if (const std::string state = Text(*it, "state");
               notes != nullptr && (state == "ejected" || state == "draining")) {
      const std::string reason = Text(*it, "reason");
      notes->push_back(name + " is " + state + (reason.empty() ? "" : " (" + reason + ")") +
                       "; its run may fail");
    }
  }
  if (problems.empty()) return Status::Ok();
  std::string message = "--engines: ";
  for (size_t k = 0; k < problems.size(); ++k) message += (k == 0 ? "" : "; ") + problems[k];
  if (absent) {
    std::string usable;
    for (const json& e : listed) {
      if (Text(e, "state") != "disabled") usable += (usable.empty() ? "" : ", ") + Text(e, "name");
    }
    message += " (engines it runs: " + (usable.empty() ? std::string("none") : usable) + ")";
  }
  return Status::InvalidArgument(message);
}

}  // namespace btr::cli
