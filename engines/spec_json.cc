#include "engines/spec_json.h"

#include <cmath>
#include <set>

#include "engines/core/utf8.h"
#include "engines/data/sha256.h"
#include "engines/spec_algorithm.h"
#include "engines/spec_bounds.h"
#include "engines/spec_window.h"

namespace btr {
namespace {

using nlohmann::json;

// Text for a message, cut to 80 bytes of whole characters: a body may be megabytes long.
std::string Cut(const std::string& text) { return Utf8Excerpt(text, 80); }

Status Expect(const json& j, const std::string& field, bool ok, const char* what) {
  if (ok) return Status::Ok();
  return Status::InvalidArgument(field + ": expected " + what + ", got " +
                                 Cut(j.dump(-1, ' ', false, json::error_handler_t::replace)));
}

// A numeric setting, within its bounds (spec_bounds.h).
Status ReadSetting(const json& body, const char* field, double* out) {
  if (!body.contains(field)) return Status::Ok();
  const json& v = body[field];
  BTR_RETURN_IF_ERROR(
      Expect(v, field, v.is_number() && std::isfinite(v.get<double>()), "a number"));
  BTR_RETURN_IF_ERROR(CheckSetting(field, v.get<double>()));
  *out = v.get<double>();
  return Status::Ok();
}

Status ReadBool(const json& body, const char* field, bool* out) {
  if (!body.contains(field)) return Status::Ok();
  BTR_RETURN_IF_ERROR(Expect(body[field], field, body[field].is_boolean(), "true or false"));
  *out = body[field].get<bool>();
  return Status::Ok();
}

Status ReadName(const json& v, const std::string& field, std::string* out) {
  BTR_RETURN_IF_ERROR(
      Expect(v, field, v.is_string() && !v.get<std::string>().empty(), "a non-empty string"));
  *out = v.get<std::string>();
  return Status::Ok();
}

// A bound of the window ("start", "end"): absent, null or "" leave it unset; else normalized.
Status ReadWindowBound(const json& body, const char* field, std::string* out) {
  if (!body.contains(field) || body[field].is_null()) return Status::Ok();
  const json& v = body[field];
  BTR_RETURN_IF_ERROR(Expect(v, field, v.is_string(),
                             "an ISO-8601 date or date-time string such as \"2015-01-01\""));
  Result<std::string> normalized = NormalizeWindowBound(field, v.get<std::string>());
  if (!normalized.ok()) return normalized.status();
  *out = std::move(normalized).value();
  return Status::Ok();
}

Status ReadStrategy(const json& body, StrategyRef* out) {
  if (!body.contains("strategy")) {
    return Status::InvalidArgument("strategy: required, e.g. {\"name\": \"sma_cross\"}");
  }
  const json& s = body["strategy"];
  if (s.is_string()) return ReadName(s, "strategy", &out->name);
  BTR_RETURN_IF_ERROR(Expect(s, "strategy", s.is_object(), "an object {\"name\", \"params\"}"));
  if (!s.contains("name")) return Status::InvalidArgument("strategy.name: required");
  BTR_RETURN_IF_ERROR(ReadName(s["name"], "strategy.name", &out->name));
  for (const auto& [key, value] : s.items()) {
    if (key != "name" && key != "params") {
      return Status::InvalidArgument("strategy." + Cut(key) +
                                     ": unknown field (expected name, params)");
    }
  }
  if (!s.contains("params")) return Status::Ok();
  BTR_RETURN_IF_ERROR(Expect(s["params"], "strategy.params", s["params"].is_object(), "an object"));
  for (const auto& [key, value] : s["params"].items()) {
    const std::string field = "strategy.params." + Cut(key);
    if (value.is_boolean()) {
      out->params[key] = value.get<bool>() ? 1 : 0;
    } else {
      BTR_RETURN_IF_ERROR(Expect(value, field, value.is_number(), "a number or true/false"));
      BTR_RETURN_IF_ERROR(CheckParamMagnitude(field, value.get<double>()));
      out->params[key] = value.get<double>();
    }
  }
  return Status::Ok();
}

}  // namespace

Result<BacktestSpec> SpecFromJson(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("body: expected a JSON object");
  static const std::set<std::string> kKnown = {"engine",
                                               "fallback",
                                               "strategy",
                                               "dataset",
                                               "cash",
                                               "commission",
                                               "commission_fixed",
                                               "spread",
                                               "margin",
                                               "trade_on_close",
                                               "exclusive_orders",
                                               "hedging",
                                               "finalize_trades",
                                               "start",
                                               "end",
                                               "sweep",
                                               "algorithm"};
  for (const auto& [key, value] : body.items()) {
    if (kKnown.count(key) == 0) return Status::InvalidArgument(Cut(key) + ": unknown field");
  }
  BacktestSpec spec;
  if (body.contains("engine"))
    BTR_RETURN_IF_ERROR(ReadName(body["engine"], "engine", &spec.engine));
  if (body.contains("fallback")) {
    const json& f = body["fallback"];
    BTR_RETURN_IF_ERROR(Expect(f, "fallback", f.is_array(), "an array of engine names"));
    for (size_t k = 0; k < f.size(); ++k) {
      std::string name;
      BTR_RETURN_IF_ERROR(ReadName(f[k], "fallback[" + std::to_string(k) + "]", &name));
      spec.fallback.push_back(std::move(name));
    }
  }
  if (body.contains("algorithm")) {
    BTR_RETURN_IF_ERROR(ReadAlgorithm(body["algorithm"], &spec.algorithm));
    if (body.contains("strategy")) {
      return Status::InvalidArgument(
          "strategy: give either a catalogue strategy or an algorithm's own source "
          "(\"algorithm\"), not both");
    }
  } else {
    BTR_RETURN_IF_ERROR(ReadStrategy(body, &spec.strategy));
  }
  if (!body.contains("dataset")) {
    return Status::InvalidArgument("dataset: required (the id from POST /v1/datasets)");
  }
  BTR_RETURN_IF_ERROR(ReadName(body["dataset"], "dataset", &spec.dataset));
  BTR_RETURN_IF_ERROR(ReadWindowBound(body, "start", &spec.start));
  BTR_RETURN_IF_ERROR(ReadWindowBound(body, "end", &spec.end));
  BTR_RETURN_IF_ERROR(SpecWindow(spec).status());  // start after end
  BTR_RETURN_IF_ERROR(ReadSetting(body, "cash", &spec.cash));
  BTR_RETURN_IF_ERROR(ReadSetting(body, "commission", &spec.commission));
  BTR_RETURN_IF_ERROR(ReadSetting(body, "commission_fixed", &spec.commission_fixed));
  BTR_RETURN_IF_ERROR(ReadSetting(body, "spread", &spec.spread));
  BTR_RETURN_IF_ERROR(ReadSetting(body, "margin", &spec.margin));
  BTR_RETURN_IF_ERROR(ReadBool(body, "trade_on_close", &spec.trade_on_close));
  BTR_RETURN_IF_ERROR(ReadBool(body, "exclusive_orders", &spec.exclusive_orders));
  BTR_RETURN_IF_ERROR(ReadBool(body, "hedging", &spec.hedging));
  BTR_RETURN_IF_ERROR(ReadBool(body, "finalize_trades", &spec.finalize_trades));
  if (body.contains("sweep")) {
    BTR_RETURN_IF_ERROR(Expect(body["sweep"], "sweep", body["sweep"].is_object(),
                               "an object (an optimization's request)"));
    spec.sweep = body["sweep"].dump();
  }
  BTR_RETURN_IF_ERROR(CheckAlgorithmSettings(spec));
  return spec;
}

json SpecToJson(const BacktestSpec& spec) {
  json params = json::object();
  for (const auto& [k, v] : spec.strategy.params) params[k] = v;
  json doc = {
      {"engine", spec.engine},
      {"fallback", spec.fallback},
      {"strategy", {{"name", spec.strategy.name}, {"params", params}}},
      {"dataset", spec.dataset},
      {"cash", spec.cash},
      {"commission", spec.commission},
      {"commission_fixed", spec.commission_fixed},
      {"spread", spec.spread},
      {"margin", spec.margin},
      {"trade_on_close", spec.trade_on_close},
      {"exclusive_orders", spec.exclusive_orders},
      {"hedging", spec.hedging},
      {"finalize_trades", spec.finalize_trades},
  };
  // Only when set: a spec without a window keeps the canonical text (and hash) it always had.
  if (!spec.start.empty()) doc["start"] = spec.start;
  if (!spec.end.empty()) doc["end"] = spec.end;
  if (!spec.sweep.empty()) doc["sweep"] = json::parse(spec.sweep, nullptr, false);
  if (!spec.algorithm.empty()) {
    doc.erase("strategy");
    doc["algorithm"] = AlgorithmToJson(spec.algorithm);
  }
  return doc;
}

std::string SpecHash(const BacktestSpec& spec) {
  return Sha256Hex(SpecToJson(spec).dump());  // nlohmann objects keep keys sorted
}

}  // namespace btr
