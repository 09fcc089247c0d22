// `btrouter optimize`: a parameter sweep of a catalogue strategy on a data file, on the native
// engine, with the overfitting statistics of the result.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/run_settings.h"
#include "engines/catalogue/catalogue.h"
#include "engines/metrics/metric_format.h"
#include "engines/optimize/optimization.h"
#include "engines/spec_window.h"

namespace btr::cli {
namespace {

constexpr const char* kUsage =
    "usage: btrouter optimize --data PATH --strategy NAME --param k=SPACE... [flags]\n"
    "Runs a strategy on every point of a parameter grid (or a random subset) on the native\n"
    "engine, ranks the points by an objective and reports the best with its overfitting\n"
    "statistics: the deflated Sharpe ratio, the probability of backtest overfitting (CSCV) and\n"
    "the shape of the surface around the best (docs/optimization.md).\n\n"
    "SPACE: a range MIN:MAX[:STEP] (step 1 by default), a list A,B,C, or one value (fixed).\n"
    "example: btrouter optimize --data GOOG.csv --strategy sma_cross --param fast=5:50:5 \\\n"
    "           --param slow=10:200:10 --constraint 'fast < slow'\n\n";

void Declare(Flags& f) {
  f.AddValue("data", "PATH", "bars (CSV or LEAN data, as for backtest)");
  f.AddValue("strategy", "NAME", "catalogue strategy (see `btrouter strategies`)");
  f.AddRepeated("param", "k=SPACE", "a swept parameter (MIN:MAX[:STEP] or A,B,C) or a fixed one");
  f.AddRepeated("constraint", "EXPR", "a condition every point must meet, e.g. 'fast < slow'");
  f.AddValue("start", "TIME", "first bar time, e.g. 2015-01-01 (default: the first bar)");
  f.AddValue("end", "TIME", "last bar time, inclusive; a date includes its day (default: last)");
  f.AddValue("objective", "METRIC", "canonical metric to rank by", "sharpe_ratio");
  f.AddSwitch("minimize", "the lowest objective is best (default: the highest)");
  f.AddValue("method", "grid|random", "every admissible point, or a random subset", "grid");
  f.AddValue("max-tries", "N", "random: points to run (a count, or a fraction in (0, 1])");
  f.AddValue("seed", "N", "random: the seed of the draw", "1");
  f.AddValue("min-trades", "N", "points with fewer closed trades are not ranked", "1");
  f.AddValue("blocks", "S", "time blocks for PBO (CSCV), even, 2..24; 0 = no PBO", "16");
  f.AddValue("walk-forward", "FOLDS", "also a walk-forward over FOLDS train/test folds (0 = none)",
             "0");
  f.AddValue("test-fraction", "P", "walk-forward: the test share of each fold, in (0, 1)", "0.25");
  f.AddSwitch("anchored", "walk-forward: every train window starts at the first bar");
  f.AddValue("threads", "N", "threads to run trials on (0 = one per core)", "0");
  f.AddValue("top", "N", "trials listed in the table (JSON: in full)", "10");
  f.AddValue("format", "table|json|csv", "output: a summary, the report, or every trial", "table");
  DeclareSettings(f);
  DeclareCacheFlags(f);
  f.AddSwitch("help", "show this help");
}

int Fail(const Status& s) {
  std::fprintf(stderr, "btrouter optimize: %s\n", s.message().c_str());
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ||
                 s.code() == StatusCode::kFailedPrecondition
             ? 2
             : 1;
}

Result<double> ParseNumber(const std::string& field, const std::string& text) {
  if (text == "true") return 1.0;
  if (text == "false") return 0.0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    return Status::InvalidArgument(field + ": expected a number, got '" + text + "'");
  }
  return v;
}

Result<std::vector<double>> SplitNumbers(const std::string& field, const std::string& text,
                                         char separator) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator)) {
    Result<double> v = ParseNumber(field, part);
    if (!v.ok()) return v.status();
    out.push_back(*v);
  }
  return out;
}

// One --param: a range, a list, or a fixed value.
Status ReadParam(const std::string& assignment, OptimizationRequest* r) {
  std::string_view name_view, value_view;
  BTR_RETURN_IF_ERROR(SplitAssignment(assignment, &name_view, &value_view).WithPrefix("--param"));
  const std::string name(name_view), value(value_view), field = "--param " + name;
  if (value.find(':') != std::string::npos) {
    Result<std::vector<double>> parts = SplitNumbers(field, value, ':');
    if (!parts.ok()) return parts.status();
    if (parts->size() < 2 || parts->size() > 3) {
      return Status::InvalidArgument(field + ": expected MIN:MAX or MIN:MAX:STEP");
    }
    Result<std::vector<double>> values =
        RangeValues(field, (*parts)[0], (*parts)[1], parts->size() == 3 ? (*parts)[2] : 1);
    if (!values.ok()) return values.status();
    r->space.push_back({name, std::move(values).value()});
  } else if (value.find(',') != std::string::npos) {
    Result<std::vector<double>> values = SplitNumbers(field, value, ',');
    if (!values.ok()) return values.status();
    r->space.push_back({name, std::move(values).value()});
  } else {
    Result<double> v = ParseNumber(field, value);
    if (!v.ok()) return v.status();
    r->params[name] = *v;
  }
  return Status::Ok();
}

Status ReadRequest(const Flags& f, OptimizationRequest* r) {
  r->strategy = f.Get("strategy");
  for (const std::string& p : f.GetAll("param")) BTR_RETURN_IF_ERROR(ReadParam(p, r));
  if (r->space.empty()) {
    return Status::InvalidArgument("--param: sweep at least one parameter (k=MIN:MAX:STEP or k=A,B)");
  }
  r->constraints = f.GetAll("constraint");
  r->sweep.objective.metric = f.Get("objective");
  BTR_RETURN_IF_ERROR(MetricIndex("--objective", r->sweep.objective.metric).status());
  r->sweep.objective.maximize = !f.Has("minimize");
  const std::string method = f.Get("method");
  if (method != "grid" && method != "random") {
    return Status::InvalidArgument("--method: expected grid or random, got '" + method + "'");
  }
  r->method = method == "grid" ? SearchMethod::kGrid : SearchMethod::kRandom;
  if (r->method == SearchMethod::kRandom && !f.Has("max-tries")) {
    return Status::InvalidArgument("--max-tries: required with --method random");
  }
  if (f.Has("max-tries")) BTR_RETURN_IF_ERROR(f.GetDouble("max-tries", &r->max_tries));
  size_t seed = 0;
  BTR_RETURN_IF_ERROR(f.GetSize("seed", &seed));
  r->seed = seed;
  BTR_RETURN_IF_ERROR(f.GetDouble("min-trades", &r->sweep.min_trades));
  BTR_RETURN_IF_ERROR(f.GetSize("blocks", &r->sweep.blocks));
  BTR_RETURN_IF_ERROR(f.GetSize("threads", &r->sweep.threads));
  BTR_RETURN_IF_ERROR(f.GetSize("walk-forward", &r->walk_forward.folds));
  BTR_RETURN_IF_ERROR(f.GetDouble("test-fraction", &r->walk_forward.test_fraction));
  r->walk_forward.anchored = f.Has("anchored");
  if (r->walk_forward.folds > 0) {
    if (Status s = CheckWalkForward(r->walk_forward); !s.ok()) {
      const std::string m = s.message();
      return Status::InvalidArgument(
          (m.rfind("walk_forward.folds", 0) == 0 ? "--walk-forward" : "--test-fraction") +
          m.substr(m.find(':')));
    }
  }
  BTR_RETURN_IF_ERROR(ReadConfig(f, &r->sweep.config));
  Result<ParamSpace> space = ParamSpace::Create(r->strategy, r->space, r->params, r->constraints);
  if (!space.ok()) {
    const std::string m = space.status().message();
    if (m.rfind("space.", 0) == 0) return Status(space.status().code(), "--param " + m.substr(6));
    if (m.rfind("params.", 0) == 0) return Status(space.status().code(), "--param " + m.substr(7));
    return AsFlagError(space.status());
  }
  return Status::Ok();
}

std::string Fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

const ParamSpec& SpecOf(const OptimizationResult& r, const std::string& name) {
  const StrategyInfo* info = FindStrategy(r.space.strategy());
  return *std::find_if(info->params.begin(), info->params.end(),
                       [&](const ParamSpec& p) { return p.name == name; });
}

void PrintTop(const OptimizationResult& r, const nlohmann::json& report) {
  const std::string metric = r.request.sweep.objective.metric;
  std::printf("\n  rank  ");
  for (const ParamAxis& a : r.space.axes()) std::printf("%10s  ", a.name.c_str());
  std::printf("%14s  %12s  %12s  %6s\n", metric.c_str(), "return", "max dd", "trades");
  for (const auto& t : report["top"]) {
    std::printf("  %4d  ", t["rank"].get<int>());
    for (const ParamAxis& a : r.space.axes()) {
      const nlohmann::json& v = t["params"][a.name];
      const double value = v.is_boolean() ? (v.get<bool>() ? 1 : 0) : MetricFromJson(v);
      std::printf("%10s  ", ParamText(SpecOf(r, a.name), value).c_str());
    }
    const auto& m = t["metrics"];
    std::printf("%14s  %12s  %12s  %6s\n",
                FormatMetricValue(metric, MetricFromJson(t["objective"])).c_str(),
                FormatMetricValue("total_return", MetricFromJson(m["total_return"])).c_str(),
                FormatMetricValue("max_drawdown", MetricFromJson(m["max_drawdown"])).c_str(),
                Fixed(MetricFromJson(m["num_trades"]), 0).c_str());
  }
}

// One line per fold: windows, the chosen set, train and test objective, efficiency.
void PrintWalkForward(const OptimizationResult& r) {
  const WalkForwardResult& wf = *r.walk_forward;
  const std::string& metric = r.request.sweep.objective.metric;
  std::printf("\nwalk-forward: %zu folds, %s, test %s of each window\n", wf.folds.size(),
              wf.options.anchored ? "anchored" : "rolling",
              FormatMetricValue("total_return", wf.options.test_fraction).c_str());
  std::printf("  (objective %s; efficiency = test / train annual return)\n", metric.c_str());
  std::printf("  fold  %-23s  %-23s  %-22s  %10s  %10s  %10s\n", "train", "test", "chosen set",
              "train obj", "test obj", "efficiency");
  for (size_t i = 0; i < wf.folds.size(); ++i) {
    const WalkForwardFold& fold = wf.folds[i];
    std::string chosen = fold.has_best ? "" : "(none: stays in cash)";
    for (const ParamAxis& a : r.space.axes()) {
      if (!fold.has_best) break;
      chosen += (chosen.empty() ? "" : " ") + a.name + "=" +
                ParamText(SpecOf(r, a.name), fold.params.at(a.name));
    }
    auto span = [](TimeNs a, TimeNs b) {
      return FormatIsoTime(a).substr(0, 10) + ".." + FormatIsoTime(b).substr(0, 10);
    };
    std::printf("  %4zu  %-23s  %-23s  %-22s  %10s  %10s  %10s\n", i + 1,
                span(fold.train_start, fold.train_end).c_str(),
                span(fold.test_start, fold.test_end).c_str(), chosen.c_str(),
                FormatMetricValue(metric, fold.train_objective).c_str(),
                FormatMetricValue(metric, fold.test_objective).c_str(),
                Fixed(fold.efficiency, 2).c_str());
  }
  const Metrics& m = wf.metrics;
  std::printf("  out of sample (stitched): return %s, annual %s, sharpe %s, max dd %s, %s trades; "
              "efficiency %s\n",
              FormatMetricValue("total_return", m.total_return).c_str(),
              FormatMetricValue("annual_return", m.annual_return).c_str(),
              FormatMetricValue("sharpe_ratio", m.sharpe_ratio).c_str(),
              FormatMetricValue("max_drawdown", m.max_drawdown).c_str(),
              Fixed(m.num_trades, 0).c_str(), Fixed(wf.efficiency, 2).c_str());
}

void PrintTable(const OptimizationResult& r, const nlohmann::json& report, const Flags& f) {
  std::printf("optimize %s on %s: %zu trials of %zu grid points (%zu excluded by constraints)\n",
              r.space.strategy().c_str(), f.Get("data").c_str(), r.trials.size(),
              r.space.grid_size(), r.excluded);
  std::printf("  ran in %s, %s trials/s; objective %s (%s)", FormatElapsed(r.seconds).c_str(),
              FormatGrouped(r.seconds > 0 ? r.trials.size() / r.seconds : 0, 0).c_str(),
              r.request.sweep.objective.metric.c_str(),
              r.request.sweep.objective.maximize ? "highest is best" : "lowest is best");
  if (r.failed + r.no_objective > 0) {
    std::printf("; %zu failed, %zu unranked (fewer than %s trades)", r.failed, r.no_objective,
                Fixed(r.request.sweep.min_trades, 0).c_str());
  }
  std::printf("\n");
  if (r.best >= r.trials.size()) {
    std::printf("\nno trial has an objective value: nothing to rank\n");
    return;
  }
  PrintTop(r, report);
  std::printf("\n%s", FormatAnalysisText(r).c_str());
  if (r.walk_forward) PrintWalkForward(r);
}

}  // namespace

int RunOptimizeCommand(int argc, char** argv) {
  Flags f;
  Declare(f);
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) return Fail(s);
  if (f.Has("help")) {
    std::printf("%s%s", kUsage, f.Usage().c_str());
    return 0;
  }
  if (!f.Has("data")) return Fail(Status::InvalidArgument("--data: required (a CSV file or LEAN data)"));
  if (!f.Has("strategy")) {
    return Fail(Status::InvalidArgument("--strategy: required (see `btrouter strategies`)"));
  }
  const std::string format = f.Get("format");
  if (format != "table" && format != "json" && format != "csv") {
    return Fail(Status::InvalidArgument("--format: expected table, json or csv, got '" + format + "'"));
  }
  OptimizationRequest request;
  if (Status s = ReadRequest(f, &request); !s.ok()) return Fail(s);
  size_t top = 0;
  if (Status s = f.GetSize("top", &top); !s.ok()) return Fail(s);
  BacktestSpec window_spec;  // only its window: --start and --end
  for (auto [flag, bound] : {std::pair{"start", &window_spec.start}, {"end", &window_spec.end}}) {
    Result<std::string> normalized = NormalizeWindowBound(flag, f.Get(flag));
    if (!normalized.ok()) return Fail(AsFlagError(normalized.status()));
    *bound = *normalized;
  }
  if (Status s = SpecWindow(window_spec).status(); !s.ok()) return Fail(AsFlagError(s));

  ProgressBar progress;
  progress.SetPhase("loading " + std::filesystem::path(f.Get("data")).filename().string());
  Result<LoadedBars> loaded = LoadBars(f.Get("data"), ReadLoadOptions(f));
  if (!loaded.ok()) return Fail(loaded.status().WithPrefix("--data"));
  progress.SetPhase("optimize " + request.strategy);
  SweepControl control;
  control.progress = [&progress](size_t done, size_t total) {
    progress.Update(static_cast<double>(done) / static_cast<double>(total));
  };
  Result<BarWindow> window = CutToWindow(loaded->bars, window_spec);
  if (!window.ok()) return Fail(AsFlagError(window.status()));
  Result<OptimizationResult> result = RunOptimization(window->bars(), std::move(request), control);
  progress.Finish();
  if (!result.ok()) return Fail(result.status());
  if (format == "csv") {
    std::cout << OptimizationTrialsCsv(*result);
    return 0;
  }
  const nlohmann::json report = OptimizationToJson(*result, top);
  if (format == "json") {
    std::cout << report.dump(2) << "\n";
    return 0;
  }
  PrintTable(*result, report, f);
  return 0;
}

}  // namespace btr::cli
