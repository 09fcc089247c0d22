#include "engines/optimize/optimization.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "engines/native/native_engine.h"
#include "engines/spec_json.h"

namespace btr {
namespace {

using json = nlohmann::json;

Status Field(const std::string& name, const char* what) {
  return Status::InvalidArgument(name + ": expected " + what);
}

Result<ParamAxis> AxisFromJson(const std::string& name, const json& j) {
  const std::string field = "space." + name;
  ParamAxis axis{name, {}};
  if (j.is_array()) {
    for (const json& v : j) {
      if (v.is_boolean()) {
        axis.values.push_back(v.get<bool>() ? 1 : 0);
      } else if (v.is_number()) {
        axis.values.push_back(v.get<double>());
      } else {
        return Field(field, "a list of numbers (or booleans)");
      }
    }
    return axis;
  }
  if (!j.is_object()) return Field(field, "a list of values or {\"min\", \"max\", \"step\"}");
  for (const auto& [key, value] : j.items()) {
    if (key != "min" && key != "max" && key != "step") {
      return Status::InvalidArgument(field + "." + key + ": unknown field (min, max, step)");
    }
    if (!value.is_number()) return Field(field + "." + key, "a number");
  }
  if (!j.contains("min") || !j.contains("max")) return Field(field, "both min and max");
  Result<std::vector<double>> values =
      RangeValues(field, j["min"].get<double>(), j["max"].get<double>(),
                  j.contains("step") ? j["step"].get<double>() : 1.0);
  if (!values.ok()) return values.status();
  axis.values = std::move(values).value();
  return axis;
}

Status ObjectiveFromJson(const json& j, SweepObjective* objective) {
  if (j.is_string()) {
    objective->metric = j.get<std::string>();
    return MetricIndex("objective", objective->metric).status();
  }
  if (!j.is_object()) return Field("objective", "a metric name or {\"metric\", \"direction\"}");
  for (const auto& [key, value] : j.items()) {
    if (key == "metric" && value.is_string()) {
      objective->metric = value.get<std::string>();
    } else if (key == "direction" && value.is_string()) {
      const std::string d = value.get<std::string>();
      if (d != "max" && d != "min") return Field("objective.direction", "\"max\" or \"min\"");
      objective->maximize = d == "max";
    } else {
      return Status::InvalidArgument("objective." + key +
                                     ": unknown field or wrong type (metric: a string, "
                                     "direction: \"max\" or \"min\")");
    }
  }
  return MetricIndex("objective.metric", objective->metric).status();
}

// The settings through the backtest spec's own parser and bounds.
Status SettingsFromJson(const json& settings, const std::string& strategy, BacktestConfig* config) {
  if (!settings.is_object()) return Field("settings", "an object of backtest settings");
  json spec = settings;
  for (const char* key : {"engine", "fallback", "strategy", "dataset", "algorithm"}) {
    if (spec.contains(key)) {
      return Status::InvalidArgument(std::string("settings.") + key +
                                     ": not a setting; give it at the top level");
    }
  }
  spec["strategy"] = {{"name", strategy}, {"params", json::object()}};
  spec["dataset"] = "sweep";
  Result<BacktestSpec> parsed = SpecFromJson(spec);
  if (!parsed.ok()) return parsed.status().WithPrefix("settings");
  *config = NativeConfig(*parsed);
  return config->broker.Validate().WithPrefix("settings");
}

Status WalkForwardFromJson(const json& j, WalkForwardOptions* options) {
  if (!j.is_object()) {
    return Field("walk_forward", "{\"folds\": 5, \"test_fraction\": 0.25, \"anchored\": false}");
  }
  for (const auto& [key, value] : j.items()) {
    if (key == "folds" && value.is_number()) {
      const double folds = value.get<double>();
      if (folds < 1 || folds > 100 || std::trunc(folds) != folds) {
        return Field("walk_forward.folds", "a whole number from 1 to 100");
      }
      options->folds = static_cast<size_t>(folds);
    } else if (key == "test_fraction" && value.is_number()) {
      options->test_fraction = value.get<double>();
    } else if (key == "anchored" && value.is_boolean()) {
      options->anchored = value.get<bool>();
    } else {
      return Status::InvalidArgument("walk_forward." + key +
                                     ": unknown field or wrong type (folds: a number, "
                                     "test_fraction: a number in (0, 1), anchored: a boolean)");
    }
  }
  if (options->folds == 0) options->folds = 5;
  return CheckWalkForward(*options);
}

Status ChunkFromJson(const json& j, OptimizationRequest* r) {
  if (!j.is_object() || !j.contains("parent") || !j["parent"].is_string() || !j.contains("begin") ||
      !j["begin"].is_number_unsigned() || !j.contains("end") || !j["end"].is_number_unsigned() ||
      j["end"].get<size_t>() <= j["begin"].get<size_t>()) {
    return Field("chunk", "{\"parent\", \"begin\", \"end\"} (internal: set by btrouter)");
  }
  r->chunk =
      SweepChunk{j["parent"].get<std::string>(), j["begin"].get<size_t>(), j["end"].get<size_t>()};
  return Status::Ok();
}

Status CountsFromJson(const json& body, OptimizationRequest* r) {
  auto number = [&](const char* key, double* out) -> Status {
    if (!body.contains(key)) return Status::Ok();
    if (!body[key].is_number()) return Field(key, "a number");
    *out = body[key].get<double>();
    return Status::Ok();
  };
  BTR_RETURN_IF_ERROR(number("max_tries", &r->max_tries));
  BTR_RETURN_IF_ERROR(number("min_trades", &r->sweep.min_trades));
  double blocks = static_cast<double>(r->sweep.blocks), seed = static_cast<double>(r->seed);
  BTR_RETURN_IF_ERROR(number("blocks", &blocks));
  BTR_RETURN_IF_ERROR(number("seed", &seed));
  if (blocks < 0 || blocks > 24 || std::trunc(blocks) != blocks) {
    return Field("blocks", "an even whole number from 2 to 24, or 0");
  }
  if (seed < 0 || seed > 9007199254740991.0 || std::trunc(seed) != seed) {
    return Field("seed", "a whole number from 0 to 2^53 - 1");
  }
  double concurrency = static_cast<double>(r->concurrency);
  BTR_RETURN_IF_ERROR(number("concurrency", &concurrency));
  if (concurrency < 1 || concurrency > 64 || std::trunc(concurrency) != concurrency) {
    return Field("concurrency", "a whole number from 1 to 64 (runs in flight on a remote engine)");
  }
  r->concurrency = static_cast<size_t>(concurrency);
  r->sweep.blocks = static_cast<size_t>(blocks);
  r->seed = static_cast<uint64_t>(seed);
  return Status::Ok();
}

}  // namespace

Result<OptimizationRequest> OptimizationRequestFromJson(const json& body) {
  if (!body.is_object()) return Field("body", "a JSON object");
  static const std::set<std::string> kKnown = {
      "strategy",  "space", "params",       "constraints", "objective", "method",
      "max_tries", "seed",  "min_trades",   "blocks",      "settings",  "engine",
      "dataset",   "name",  "walk_forward", "concurrency", "chunk"};
  for (const auto& [key, value] : body.items()) {
    if (kKnown.count(key) == 0) return Status::InvalidArgument(key + ": unknown field");
  }
  OptimizationRequest r;
  if (!body.contains("strategy") || !body["strategy"].is_string()) {
    return Field("strategy", "a catalogue strategy name (GET /v1/strategies)");
  }
  r.strategy = body["strategy"].get<std::string>();
  if (!body.contains("space") || !body["space"].is_object() || body["space"].empty()) {
    return Field("space", "an object of swept parameters, e.g. {\"fast\": [5, 10, 20]}");
  }
  for (const auto& [name, value] : body["space"].items()) {
    Result<ParamAxis> axis = AxisFromJson(name, value);
    if (!axis.ok()) return axis.status();
    r.space.push_back(std::move(axis).value());
  }
  if (body.contains("params")) {
    if (!body["params"].is_object()) return Field("params", "an object of fixed values");
    for (const auto& [name, value] : body["params"].items()) {
      if (!value.is_number() && !value.is_boolean()) return Field("params." + name, "a number");
      r.params[name] = value.is_boolean() ? (value.get<bool>() ? 1 : 0) : value.get<double>();
    }
  }
  if (body.contains("constraints")) {
    if (!body["constraints"].is_array()) return Field("constraints", "a list of expressions");
    for (const json& c : body["constraints"]) {
      if (!c.is_string()) return Field("constraints", "a list of strings like \"fast < slow\"");
      r.constraints.push_back(c.get<std::string>());
    }
  }
  if (body.contains("objective")) {
    BTR_RETURN_IF_ERROR(ObjectiveFromJson(body["objective"], &r.sweep.objective));
  }
  if (body.contains("method")) {
    const json& m = body["method"];
    if (m != "grid" && m != "random") return Field("method", "\"grid\" or \"random\"");
    r.method = m == "grid" ? SearchMethod::kGrid : SearchMethod::kRandom;
  }
  BTR_RETURN_IF_ERROR(CountsFromJson(body, &r));
  if (body.contains("walk_forward")) {
    BTR_RETURN_IF_ERROR(WalkForwardFromJson(body["walk_forward"], &r.walk_forward));
  }
  if (body.contains("chunk")) BTR_RETURN_IF_ERROR(ChunkFromJson(body["chunk"], &r));
  if (r.method == SearchMethod::kRandom && r.max_tries <= 0) {
    return Field("max_tries", "a count >= 1 or a fraction in (0, 1] with method random");
  }
  BTR_RETURN_IF_ERROR(
      SettingsFromJson(body.value("settings", json::object()), r.strategy, &r.sweep.config));
  // The space's own checks (parameters, ranges, constraints) with the field names above.
  Result<ParamSpace> space = ParamSpace::Create(r.strategy, r.space, r.params, r.constraints);
  if (!space.ok()) return space.status();
  return r;
}

Result<OptimizationPlan> PlanOptimization(const OptimizationRequest& request, size_t bars) {
  Result<ParamSpace> space =
      ParamSpace::Create(request.strategy, request.space, request.params, request.constraints);
  if (!space.ok()) return space.status();
  Result<std::vector<size_t>> points =
      SelectPoints(*space, request.method, request.max_tries, request.seed);
  if (!points.ok()) return points.status();
  if (request.walk_forward.folds > 0) {  // a split that cannot work fails before the sweep
    BTR_RETURN_IF_ERROR(SplitWalkForward(bars, request.walk_forward).status());
  }
  return OptimizationPlan{std::move(space).value(), std::move(points).value()};
}

Result<OptimizationResult> FinishOptimization(const BarSeries& bars, OptimizationRequest request,
                                              OptimizationPlan plan,
                                              std::vector<TrialResult> trials, double seconds,
                                              const SweepControl& control, TrialRunner* runner) {
  if (trials.size() != plan.points.size()) {
    return Status::Internal("the trials do not match the points of the plan");
  }
  if (std::all_of(trials.begin(), trials.end(),
                  [](const TrialResult& t) { return !t.status.ok(); })) {
    return trials.front().status.WithPrefix(
        "every trial failed on " +
        std::string(runner != nullptr ? runner->engine() : std::string_view("native")) +
        "; the first");
  }
  const auto start = std::chrono::steady_clock::now();
  std::optional<WalkForwardResult> walk_forward;
  if (request.walk_forward.folds > 0) {
    Result<WalkForwardResult> wf = RunWalkForward(bars, request, control, runner);
    if (!wf.ok()) return wf.status();
    walk_forward = std::move(wf).value();
  }
  OptimizationResult out;
  out.request = std::move(request);
  out.space = std::move(plan.space);
  out.trials = std::move(trials);
  out.walk_forward = std::move(walk_forward);
  out.seconds =
      seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t admissible = 0;
  for (size_t i = 0; i < out.space.grid_size(); ++i) admissible += out.space.Admissible(i);
  out.excluded = out.space.grid_size() - admissible;
  for (const TrialResult& t : out.trials) {
    out.failed += !t.status.ok();
    out.no_objective += t.status.ok() && std::isnan(t.objective);
  }
  out.best = BestTrial(out.trials, out.request.sweep.objective.maximize);
  out.analysis = AnalyzeOptimization(out);
  return out;
}

Result<OptimizationResult> RunOptimization(const BarSeries& bars, OptimizationRequest request,
                                           const SweepControl& control, TrialRunner* runner) {
  TrialRunner& trials_runner = runner != nullptr ? *runner : NativeTrialRunner();
  Result<OptimizationPlan> plan = PlanOptimization(request, bars.size());
  if (!plan.ok()) return plan.status();
  // Progress over the sweep and the walk-forward: each fold sweeps the same points.
  const size_t per_stage = plan->points.size();
  const size_t total = per_stage * (1 + request.walk_forward.folds);
  auto scaled = [&](size_t offset, size_t span) {
    SweepControl c{{}, control.cancel};
    if (control.progress) {
      c.progress = [&control, offset, span, total](size_t done, size_t of) {
        control.progress(offset + done * span / of, total);
      };
    }
    return c;
  };
  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<TrialResult>> trials =
      trials_runner.RunTrials(bars, plan->space, plan->points, request.sweep, scaled(0, per_stage));
  if (!trials.ok()) return trials.status();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return FinishOptimization(bars, std::move(request), std::move(plan).value(),
                            std::move(trials).value(), seconds,
                            scaled(per_stage, total - per_stage), &trials_runner);
}

}  // namespace btr
