#include "services/comparisons/comparison_request.h"

#include <map>
#include <set>

#include "engines/spec_json.h"

namespace btr {
namespace {

using nlohmann::json;

// "trade_on_close=true,strategy.fast=5" from the overrides, for a default label.
std::string OverrideText(const json& overrides) {
  std::string out;
  auto add = [&out](const std::string& key, const json& value) {
    out += (out.empty() ? "" : ",") + key + "=" +
           (value.is_string() ? value.get<std::string>() : value.dump());
  };
  for (const auto& [key, value] : overrides.items()) {
    if (key == "strategy" && value.is_object()) {
      if (value.contains("name")) add("strategy", value["name"]);
      if (value.contains("params") && value["params"].is_object()) {
        for (const auto& [p, v] : value["params"].items()) add(p, v);
      }
      continue;
    }
    if (key == "algorithm" && value.is_object()) {  // its parameters, not its source text
      add("algorithm", value.value("language", json("source")));
      if (value.contains("parameters") && value["parameters"].is_object()) {
        for (const auto& [p, v] : value["parameters"].items()) add(p, v);
      }
      continue;
    }
    add(key, value);
  }
  return out;
}

// The base body with `overrides` applied.
Result<json> Apply(const json& base, const json& overrides, const std::string& field) {
  json out = base;
  for (const auto& [key, value] : overrides.items()) {
    if (key == "engine" || key == "fallback" || key == "engines") {
      return Status::InvalidArgument(field + "." + key +
                                     ": cannot be overridden (each entry names its engine, and "
                                     "a comparison never falls back)");
    }
    if (key != "strategy" || !value.is_object()) {
      out[key] = value;
      continue;
    }
    json strategy = out.contains("strategy") ? out["strategy"] : json::object();
    if (strategy.is_string()) strategy = {{"name", strategy}};
    if (!strategy.is_object()) return Status::InvalidArgument("strategy: expected an object");
    for (const auto& [member, v] : value.items()) {
      if (member == "params" && v.is_object() && strategy.contains("params") &&
          strategy["params"].is_object()) {
        for (const auto& [p, pv] : v.items()) strategy["params"][p] = pv;
      } else {
        strategy[member] = v;
      }
    }
    out["strategy"] = strategy;
  }
  return out;
}

// The request field a message starts with ("cash" of "cash: expected ..."), as the API reads
// it; empty when the message names none.
std::string LeadingField(const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == std::string::npos || colon == 0 || message.find(' ') < colon) return "";
  return message.substr(0, colon);
}

}  // namespace

Status AttributeToEntry(const Status& status, size_t index, const json& overrides) {
  const std::string entry = "engines[" + std::to_string(index) + "]";
  const std::string field = LeadingField(status.message());
  const std::string top = field.substr(0, field.find_first_of(".["));
  if (!top.empty() && overrides.is_object() && overrides.contains(top)) {
    return Status(status.code(), entry + ".overrides." + status.message());
  }
  return status.WithPrefix(entry);
}

Result<std::vector<PlannedRun>> ParseComparisonRequest(const json& body,
                                                       const EngineRegistry& engines,
                                                       size_t max_runs) {
  if (!body.is_object()) return Status::InvalidArgument("body: expected a JSON object");
  if (body.contains("engine")) {
    return Status::InvalidArgument(
        "engine: a comparison names its engines in \"engines\": [\"native\", ...]");
  }
  if (body.contains("fallback")) {
    return Status::InvalidArgument(
        "fallback: a comparison never falls back: each run uses the engine it names");
  }
  if (body.contains("sweep")) {
    return Status::InvalidArgument("sweep: parameter sweeps go to POST /v1/optimizations");
  }
  if (!body.contains("engines")) {
    return Status::InvalidArgument(
        "engines: required, e.g. [\"native\", \"backtestingpy\"] or "
        "[{\"engine\": \"native\", \"overrides\": {\"trade_on_close\": true}}, ...]");
  }
  const json& list = body["engines"];
  if (!list.is_array() || list.size() < 2 || list.size() > max_runs) {
    return Status::InvalidArgument("engines: expected an array of 2 to " +
                                   std::to_string(max_runs) + " entries, got " + list.dump());
  }
  json base = body;
  base.erase("engines");
  // The base spec alone must parse: its errors name the base's fields.
  {
    json probe = base;
    probe["engine"] = "native";
    Result<BacktestSpec> spec = SpecFromJson(probe);
    if (!spec.ok()) return spec.status();
  }
  std::vector<PlannedRun> runs;
  std::map<std::string, size_t> label_count;
  std::set<std::string> given_labels;
  for (size_t k = 0; k < list.size(); ++k) {
    const std::string field = "engines[" + std::to_string(k) + "]";
    const json& entry = list[k];
    PlannedRun run;
    std::string label;
    if (entry.is_string()) {
      run.engine = entry.get<std::string>();
    } else if (entry.is_object()) {
      for (const auto& [key, value] : entry.items()) {
        if (key != "engine" && key != "overrides" && key != "label") {
          return Status::InvalidArgument(field + "." + key +
                                         ": unknown field (expected engine, overrides, label)");
        }
      }
      if (!entry.contains("engine") || !entry["engine"].is_string()) {
        return Status::InvalidArgument(field + ".engine: required, an engine name");
      }
      run.engine = entry["engine"].get<std::string>();
      if (entry.contains("overrides")) {
        if (!entry["overrides"].is_object()) {
          return Status::InvalidArgument(field + ".overrides: expected an object of spec fields");
        }
        run.overrides = entry["overrides"];
        if (run.overrides.contains("sweep")) {
          return Status::InvalidArgument(field +
                                         ".overrides.sweep: not an override; sweeps go "
                                         "to POST /v1/optimizations");
        }
      }
      if (entry.contains("label")) {
        const json& l = entry["label"];
        if (!l.is_string() || l.get<std::string>().empty() || l.get<std::string>().size() > 100) {
          return Status::InvalidArgument(field +
                                         ".label: expected a string of 1 to 100 characters");
        }
        label = l.get<std::string>();
        if (!given_labels.insert(label).second) {
          return Status::InvalidArgument(field + ".label: '" + label + "' is used twice");
        }
      }
    } else {
      return Status::InvalidArgument(field +
                                     ": expected an engine name or {\"engine\", \"overrides\"}");
    }
    if (run.engine == "auto") {
      return Status::InvalidArgument(field + ": a comparison names real engines, not auto");
    }
    if (engines.Find(run.engine) == nullptr) return engines.UnknownEngine(field, run.engine, false);
    Result<json> merged = Apply(base, run.overrides, field + ".overrides");
    if (!merged.ok()) return merged.status();
    (*merged)["engine"] = run.engine;
    (*merged)["fallback"] = json::array({run.engine});
    Result<BacktestSpec> spec = SpecFromJson(*merged);
    if (!spec.ok()) return AttributeToEntry(spec.status(), k, run.overrides);
    run.spec = std::move(spec).value();
    if (label.empty()) {
      label = run.engine;
      if (!run.overrides.empty()) label += "[" + OverrideText(run.overrides) + "]";
    }
    run.label = label;
    runs.push_back(std::move(run));
  }
  // Repeated default labels: "native", "native#2", ...
  for (PlannedRun& run : runs) {
    const size_t n = ++label_count[run.label];
    if (n > 1) run.label += "#" + std::to_string(n);
  }
  return runs;
}

}  // namespace btr
